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
  /** The request's approval, or for an `answer` link the question (`qst_…`). */
  approval_id: string;
  /** The person the link acts for; null for links shared in a channel (the page asks to sign in). */
  user_id: string | null;
  /** `answer`: the link answers a question with one of its choices. */
  verdict: 'approve' | 'deny' | 'answer';
  /**
   * The action's digest when the link was made: a vote on a changed action is refused. For an
   * `answer` link, the choice it answers with (kept here, never in the link's address).
   */
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

/** Who a person is elsewhere: a Slack user id, an e-mail address, a Jira account id or user name, a ServiceNow user name. */
export type IdentityKind = 'slack' | 'email' | 'jira' | 'servicenow';

export interface UserIdentityRepository {
  /** Links (or relinks) the identity to the user. */
  set(tenantId: string, kind: IdentityKind, value: string, userId: string, now: number): Promise<void>;
  findUser(tenantId: string, kind: IdentityKind, value: string): Promise<string | undefined>;
  /** The user's identities of that kind. */
  ofUsers(tenantId: string, kind: IdentityKind, userIds: string[]): Promise<Map<string, string>>;
}

/** A ticket a request opened in a ticketing system (Jira, ServiceNow): one per request and channel. */
export interface NotificationTicket {
  tenant_id: string;
  approval_id: string;
  channel: string;
  channel_type: string;
  /** What people call it: `OPS-123`, `CHG0030001`. */
  key: string;
  /** The vendor's own id, which its callbacks name (a Jira issue id, a ServiceNow sys_id). */
  vendor_id: string;
  url: string | null;
  /** The action's digest as the ticket last showed it: a vote from the ticket is a vote on this. */
  digest: string;
  created_at: number;
  updated_at: number;
}

export interface NotificationTicketRepository {
  /** Records the request's ticket on the channel; the one recorded first is kept and returned. */
  record(ticket: NotificationTicket): Promise<NotificationTicket>;
  get(tenantId: string, approvalId: string, channel: string): Promise<NotificationTicket | undefined>;
  /** The request's tickets on every channel, oldest first. */
  listByApproval(tenantId: string, approvalId: string): Promise<NotificationTicket[]>;
  /** The ticket a callback names, within the tenant and channel it was verified for. */
  findByVendorId(tenantId: string, channel: string, vendorId: string): Promise<NotificationTicket | undefined>;
  /** The ticket now shows the action with this digest. */
  setDigest(tenantId: string, approvalId: string, channel: string, digest: string, now: number): Promise<void>;
}
