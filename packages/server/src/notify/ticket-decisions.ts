// Decisions that come back from a ticket (a Jira transition or comment, a ServiceNow approval):
// the callback is bound to the tenant and channel whose secret verified it, the ticket to the
// request it was opened for, the vendor user to the Tollgate user linked to them, and the vote goes
// through ApprovalService like any other (eligibility, separation of duties, digest, reasons).
// A decision that does not count changes nothing, and the ticket is told why.

import type { NotificationChannel } from '@tollgate/core';
import { TollgateError } from '../errors.js';
import type { ApprovalService } from '../services/approval-service.js';
import type { TenantPolicies } from '../services/tenant-policies.js';
import type { TenantSecrets } from '../config/tenant-secrets.js';
import type { IdentityKind } from '../stores/notify-store.js';
import type { Store } from '../stores/store.js';
import type { Clock } from '../util/clock.js';
import { stringSetting } from './channel.js';
import type { NotificationRouter } from './router.js';

/** What the callback is answered: vendors retry on errors, so only an unverified callback is one. */
export interface TicketReply {
  status: number;
  body: Record<string, unknown>;
}

export interface TicketDecision {
  tenantId: string;
  channel: NotificationChannel;
  /** The vendor's id of the ticket the callback is about (a Jira issue id, a ServiceNow sys_id). */
  vendorId: string;
  /** Who decided, as the vendor names them (a Jira account id or user name, a ServiceNow user name). */
  vendorUser: string | undefined;
  verdict: 'approve' | 'deny';
  note: string | null;
  /** How it was decided: a status change is undone (`reopen`) when it does not count; a command is only answered. */
  by: 'status' | 'command';
}

/** What each vendor's identities are called, and how a person links theirs. */
const IDENTITIES: Record<string, { kind: IdentityKind; vendor: string; command: string }> = {
  jira: { kind: 'jira', vendor: 'jira', command: 'tollgate users link-jira' },
  servicenow: { kind: 'servicenow', vendor: 'servicenow', command: 'tollgate users link-servicenow' },
};

export class TicketDecisions {
  constructor(
    private readonly deps: {
      store: Store;
      clock: Clock;
      policies: TenantPolicies;
      approvals: ApprovalService;
      secrets: TenantSecrets;
      router: NotificationRouter;
      /** Sends what was queued soon (a refusal's comment). */
      kick(): void;
    },
  ) {}

  /**
   * The tenant's channel of this name and type, and the secret its `secretKey` names. Undefined
   * when there is none: the caller answers as for a bad signature, so that a prober learns nothing.
   */
  verifier(
    tenantId: string,
    channelName: string,
    type: string,
    secretKey: string,
  ): { channel: NotificationChannel; secret: string } | undefined {
    if (!this.deps.policies.tenants().includes(tenantId)) return undefined;
    const channel = this.deps.policies
      .for(tenantId)
      .current()
      .bundle.notifications?.channels.find((candidate) => candidate.name === channelName && candidate.type === type);
    if (channel === undefined) return undefined;
    const name = stringSetting(channel.settings, secretKey);
    const secret = name === undefined ? undefined : this.deps.secrets.for(tenantId)(name);
    return secret === undefined || secret === '' ? undefined : { channel, secret };
  }

  async decide(decision: TicketDecision): Promise<TicketReply> {
    const { store } = this.deps;
    const { tenantId, channel } = decision;
    const identity = IDENTITIES[channel.type]!;
    // Only this tenant's tickets of this channel: a ticket of another tenant is not found here.
    const ticket = await store.tickets.findByVendorId(tenantId, channel.name, decision.vendorId);
    if (ticket === undefined)
      return refusedReply(
        new TollgateError('notify.unknown_ticket', `this ${identity.vendor} ticket is not one of this channel's requests`),
      );
    const approval = await store.approvals.get(tenantId, ticket.approval_id);
    if (approval === undefined)
      return refusedReply(new TollgateError('notify.unknown_ticket', `the request of ticket \`${ticket.key}\` is gone`));
    if (approval.status !== 'pending') {
      // The ticket moved to the status of the outcome (Tollgate's own transition, or a person agreeing): nothing to say.
      const agrees = (decision.verdict === 'approve') === (approval.status === 'approved');
      if (decision.by === 'status' && agrees) return { status: 200, body: { ok: true, ignored: `the request is ${approval.status}` } };
      return this.refuse(decision, approval.id, new TollgateError('approval.closed', `the request is ${approval.status} already`), false);
    }
    const userId =
      decision.vendorUser === undefined ? undefined : await store.identities.findUser(tenantId, identity.kind, decision.vendorUser);
    const user = userId === undefined ? undefined : await store.users.get(tenantId, userId);
    if (user === undefined)
      return this.refuse(
        decision,
        approval.id,
        new TollgateError(
          'notify.unknown_ticket_user',
          `${identity.vendor} user \`${decision.vendorUser ?? '?'}\` is not linked to a tollgate user; run \`${identity.command}\``,
        ),
      );
    try {
      const view = await this.deps.approvals.vote({ kind: 'user', tenant_id: tenantId, user }, approval.id, {
        verdict: decision.verdict,
        ...(decision.note === null || decision.note === '' ? {} : { note: decision.note }),
        // A vote from the ticket is a vote on what the ticket shows.
        digest: ticket.digest,
      });
      return { status: 200, body: { ok: true, status: view.status } };
    } catch (error) {
      if (error instanceof TollgateError) return this.refuse(decision, approval.id, error);
      throw error;
    }
  }

  /** Tells the ticket why nothing happened (a comment or work note), undoing a status change where the channel can. */
  private async refuse(
    decision: TicketDecision,
    approvalId: string,
    error: TollgateError,
    reopen = decision.by === 'status',
  ): Promise<TicketReply> {
    const { store, clock, router } = this.deps;
    const who = decision.vendorUser ?? 'someone';
    const verb = decision.verdict === 'approve' ? 'approval' : 'denial';
    await store.transaction(async (scope) => {
      const approval = await scope.approvals.get(decision.tenantId, approvalId);
      if (approval === undefined) return;
      await router.note(
        scope,
        approval,
        {
          event: 'refused',
          detail: `the ${verb} by ${who} was not counted: ${error.message}`,
          step: null,
          only: decision.channel.name,
          payload: { refusal: { code: error.code, by: who }, reopen },
        },
        clock.now(),
      );
    });
    this.deps.kick();
    return refusedReply(error);
  }
}

function refusedReply(error: TollgateError): TicketReply {
  // The vendor gets its 200 (a retry would not help); the reason is in the body, and on the ticket.
  return { status: 200, body: { ok: false, error: { code: error.code, message: error.message } } };
}

/** A verified callback's JSON body; one that is not a JSON object is refused naming the vendor. */
export function callbackBody<T extends object>(rawBody: string, vendor: string): Partial<T> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(rawBody);
  } catch {
    parsed = undefined;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new TollgateError('notify.bad_payload', `the ${vendor} callback body is not a JSON object`, { field: 'body' });
  return parsed as Partial<T>;
}
