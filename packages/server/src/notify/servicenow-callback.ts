// ServiceNow's callback: a business rule on `sysapproval_approver` (through an outbound REST
// message) posts an approval record whose state changed, signed per the Standard Webhooks spec
// with the channel's `callback_secret_env` (ServiceNow's GlideCertificateEncryption.generateMac
// makes that signature). Checked first; then an approved or rejected record, by a ServiceNow user
// linked to a Tollgate user, on a record Tollgate opened, is that person's vote.

import { TollgateError } from '../errors.js';
import { verifySigned } from '../services/webhook-signing.js';
import type { Clock } from '../util/clock.js';
import { callbackBody, type TicketDecisions, type TicketReply } from './ticket-decisions.js';

/** The approval record as the callback sends it: the fields of `sysapproval_approver` it needs. */
interface ApprovalRecordBody {
  sys_id?: unknown;
  /** requested, approved, rejected, cancelled, not_required, not_yet_requested. */
  state?: unknown;
  /** The approver's `sys_user.user_name`. */
  approver?: unknown;
  /** The sys_id of the record approved (the change request Tollgate opened). */
  document_id?: unknown;
  /** The approver's comments: a rejection's reason. */
  comments?: unknown;
}

const VERDICTS: Record<string, 'approve' | 'deny'> = { approved: 'approve', rejected: 'deny' };

export class ServiceNowCallbacks {
  constructor(private readonly deps: { clock: Clock; decisions: TicketDecisions }) {}

  async handle(
    tenantId: string,
    channelName: string,
    rawBody: string,
    headers: { id: string | undefined; timestamp: string | undefined; signature: string | undefined },
  ): Promise<TicketReply> {
    const verifier = this.deps.decisions.verifier(tenantId, channelName, 'servicenow', 'callback_secret_env');
    const verdict = verifier === undefined ? 'bad' : verifySigned(verifier.secret, headers, rawBody, this.deps.clock.now());
    if (verdict === 'stale')
      throw new TollgateError(
        'notify.stale_request',
        'the servicenow callback timestamp is more than five minutes away; replays are refused',
      );
    if (verdict === 'bad' || verifier === undefined)
      throw new TollgateError('notify.bad_signature', 'the servicenow callback signature (`webhook-signature`) does not verify');
    const record = callbackBody<ApprovalRecordBody>(rawBody, 'servicenow');
    if (typeof record.document_id !== 'string' || record.document_id === '')
      throw new TollgateError('notify.bad_payload', 'the servicenow callback names no `document_id`', { field: 'document_id' });
    const vote = typeof record.state === 'string' ? VERDICTS[record.state] : undefined;
    if (vote === undefined) return { status: 200, body: { ok: true, ignored: `state \`${String(record.state)}\` does not decide` } };
    return this.deps.decisions.decide({
      tenantId,
      channel: verifier.channel,
      vendorId: record.document_id,
      vendorUser: typeof record.approver === 'string' && record.approver !== '' ? record.approver : undefined,
      verdict: vote,
      note: typeof record.comments === 'string' ? record.comments.trim().slice(0, 4000) : null,
      by: 'command',
    });
  }
}
