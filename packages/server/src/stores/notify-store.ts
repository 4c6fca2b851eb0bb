// Records and repositories of notification delivery: the outbox, one-click links and the chat
// and e-mail identities that tie a person elsewhere to a Tollgate user.

export type OutboxStatus = 'pending' | 'sending' | 'delivered' | 'dead';
export const OUTBOX_STATUSES: OutboxStatus[] = ['pending', 'sending', 'delivered', 'dead'];

export interface OutboxMessage {
  id: string;
  tenant_id: string;
  approval_id: string | null;
  /** The channel's name in the policy's `notifications.channels`. */
  channel: string;
  channel_type: string;
  event: string;
  /** For channels that fan out per person (e-mail): the address. */
  recipient: string | null;
  payload: Record<string, unknown>;
  status: OutboxStatus;
  /** Delivery attempts started so far. */
  attempts: number;
  next_attempt_at: number;
  lease_until: number | null;
  last_error: string | null;
  /** What the vendor answered, kept for later updates (a Slack message's channel and ts). */
  result: Record<string, unknown> | null;
  created_at: number;
  updated_at: number;
  delivered_at: number | null;
}

export interface OutboxSettle {
  status: 'pending' | 'delivered' | 'dead';
  next_attempt_at?: number;
  last_error?: string | null;
  result?: Record<string, unknown> | null;
}

export interface OutboxRepository {
  insert(messages: OutboxMessage[]): Promise<void>;
  get(tenantId: string, id: string): Promise<OutboxMessage | undefined>;
  /** Newest first. */
  list(tenantId: string, filter: { status?: OutboxStatus[]; approvalId?: string; limit?: number }): Promise<OutboxMessage[]>;
  /**
   * Leases due messages (pending and due, or sending with a lapsed lease) until `leaseUntil`,
   * counting the attempt; locked (SKIP LOCKED) so two senders never take the same message.
   */
  claimDue(now: number, leaseUntil: number, limit: number): Promise<OutboxMessage[]>;
  /** Ends the attempt `attempt` of a message still leased; false when it was taken over. */
  settle(id: string, attempt: number, now: number, patch: OutboxSettle): Promise<boolean>;
  /**
   * Gives back a message leased for attempt `attempt` that was not tried (its sender is stopping):
   * due now, the attempt not counted; false when it was taken over.
   */
  release(id: string, attempt: number, now: number): Promise<boolean>;
  /** Puts a dead message back in the queue, due now; false unless it was dead. */
  redrive(tenantId: string, id: string, now: number): Promise<boolean>;
  /** Channels that already have messages for the request. */
  channelsOf(tenantId: string, approvalId: string): Promise<string[]>;
}

export interface NotificationLink {
  id: string;
  tenant_id: string;
  approval_id: string;
  /** The person the link acts for; null for links shared in a channel (the page asks to sign in). */
  user_id: string | null;
  verdict: 'approve' | 'deny';
  /** The action's digest when the link was made: a vote on a changed action is refused. */
  digest: string;
  expires_at: number;
  used_at: number | null;
  created_at: number;
}

export interface NotificationLinkRepository {
  insert(links: NotificationLink[]): Promise<void>;
  get(tenantId: string | null, id: string): Promise<NotificationLink | undefined>;
  /** Marks the link used if it is unused and unexpired; false otherwise. */
  use(id: string, now: number): Promise<boolean>;
  /** Gives a link back after the vote it was used for failed, so it may be tried again. */
  release(id: string, usedAt: number): Promise<void>;
}

export type IdentityKind = 'slack' | 'email';

export interface UserIdentityRepository {
  /** Links (or relinks) the identity to the user. */
  set(tenantId: string, kind: IdentityKind, value: string, userId: string, now: number): Promise<void>;
  findUser(tenantId: string, kind: IdentityKind, value: string): Promise<string | undefined>;
  /** The user's identities of that kind. */
  ofUsers(tenantId: string, kind: IdentityKind, userIds: string[]): Promise<Map<string, string>>;
}
