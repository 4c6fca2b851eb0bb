// Who may decide an approval: members of its approver groups or the users it names, never the
// person who asked for the action, and never an auditor (read-only by role).

import type { ActionRecord, ApprovalRecord, User } from '../stores/records.js';
import { decides } from '../stores/records.js';

/** The person on whose behalf the agent acts, when the action says so. */
export function requesterOf(action: ActionRecord): string | undefined {
  const requested = action.payload.requested_by ?? action.payload.requester;
  return typeof requested === 'string' ? requested : undefined;
}

export type Eligibility = { ok: true } | { ok: false; code: 'approval.not_eligible' | 'approval.self_approval'; message: string };

export function checkEligibility(user: User, approval: ApprovalRecord, action: ActionRecord): Eligibility {
  if (user.disabled_at !== null) return { ok: false, code: 'approval.not_eligible', message: 'this user is disabled' };
  if (!decides(user.role))
    return { ok: false, code: 'approval.not_eligible', message: `${user.role}s can read approvals but not decide them` };
  const requester = requesterOf(action);
  if (requester !== undefined && (requester === user.name || requester === user.id)) {
    return {
      ok: false,
      code: 'approval.self_approval',
      message: 'you requested this action, so you cannot decide it (separation of duties)',
    };
  }
  if (approval.approvers.length === 0) return { ok: true };
  const eligible = approval.approvers.some((approver) => approver === user.id || approver === user.name || user.groups.includes(approver));
  if (eligible) return { ok: true };
  return {
    ok: false,
    code: 'approval.not_eligible',
    message: `only ${approval.approvers.map((a) => `\`${a}\``).join(', ')} may decide this request`,
  };
}
