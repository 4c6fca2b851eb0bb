// Standing approvals: granted by an approving vote within the policy's bound, found for a later
// action of the same agent and type inside their constraints, listed and revoked by the people
// who may decide the gate (docs/approvals.md#standing-approvals).

import { compileConstraints, readStandingRequest, standingWithin, type PolicyDecision } from '@tollgate/core';
import { TollgateError } from '../errors.js';
import type { ActionRecord, ApprovalRecord, StandingApprovalRecord, User } from '../stores/records.js';
import type { Store, StoreScope } from '../stores/store.js';
import type { Clock } from '../util/clock.js';
import { newId } from '../util/ids.js';
import { appendAudit } from './audit-chain.js';
import { checkEligibility, requesterOf } from './eligibility.js';
import { personOf } from './people.js';
import type { UserPrincipal } from './principals.js';
import type { TenantPolicies } from './tenant-policies.js';
import { standingApprovalView, type StandingApprovalView } from './views.js';

/** The gate a decision was routed by: its route's source, the defaults when it has none. */
export function gateOfRoute(evaluation: PolicyDecision): string {
  return evaluation.route?.source ?? 'defaults';
}

/** Whether one person approves this request alone: one approval stage needing one vote, one action type. */
function singleApprover(approval: ApprovalRecord, action: ActionRecord): boolean {
  const steps = approval.state?.steps ?? [];
  const only = steps.length === 1 ? steps[0] : undefined;
  return only !== undefined && only.type === 'approval' && only.require === 1 && action.action_type !== null;
}

/**
 * The bound on a standing approval an approving vote of this request may grant, or null when it
 * may grant none: what the decision page offers, by the same test a vote is checked with.
 */
export function standingOffer(approval: ApprovalRecord, action: ActionRecord): { max_for: number | null; max_uses: number | null } | null {
  const bound = action.evaluation.route?.standing;
  if (approval.status !== 'pending' || bound === undefined || bound === false || !singleApprover(approval, action)) return null;
  return { max_for: bound.max_for ?? null, max_uses: bound.max_uses ?? null };
}

/**
 * Checks a vote's `standing` part before the vote is applied, so a refusal changes nothing. Only a
 * request that one person approves alone (a single approval stage needing one vote, no worker
 * steps) can grant one: with more approvers, no single vote is the whole yes a later action gets.
 */
export function checkStandingVote(
  approval: ApprovalRecord,
  action: ActionRecord,
  verdict: string,
  standing: unknown,
): { for_ms?: number; uses?: number; constraints: StandingApprovalRecord['constraints'] } {
  if (verdict !== 'approve') {
    throw new TollgateError('standing.approve_only', 'only an approving vote can grant a standing approval', { field: 'standing' });
  }
  if (!singleApprover(approval, action)) {
    throw new TollgateError(
      'standing.not_allowed',
      'only a request of one action type that one person approves alone can grant a standing approval',
      { field: 'standing' },
    );
  }
  const read = readStandingRequest(standing, action.evaluation.route?.standing);
  if (!read.ok) throw new TollgateError(read.refusal.code, read.refusal.message, { field: read.refusal.field ?? 'standing' });
  return read.grant;
}

export class StandingService {
  constructor(private readonly deps: { store: Store; clock: Clock; policies: TenantPolicies }) {}

  /** Stores the standing approval the vote granted, with its audit event, in the vote's transaction. */
  async grant(
    scope: StoreScope,
    principal: UserPrincipal,
    approval: ApprovalRecord,
    action: ActionRecord,
    grant: ReturnType<typeof checkStandingVote>,
    now: number,
  ): Promise<StandingApprovalView> {
    const standing: StandingApprovalRecord = {
      id: newId('sta', now),
      tenant_id: approval.tenant_id,
      approval_id: approval.id,
      agent: action.agent,
      action_type: action.action_type!,
      gate: gateOfRoute(action.evaluation),
      approver_id: principal.user.id,
      constraints: grant.constraints,
      for_ms: grant.for_ms ?? null,
      uses: grant.uses ?? null,
      uses_left: grant.uses ?? null,
      expires_at: grant.for_ms === undefined ? null : now + grant.for_ms,
      policy_version: approval.policy_version,
      created_at: now,
      revoked_at: null,
      revoked_by: null,
    };
    await scope.standingApprovals.insert(standing);
    await appendAudit(
      scope,
      approval.tenant_id,
      [
        {
          type: 'standing.granted',
          actor: `user:${principal.user.id}`,
          subject: standing.id,
          data: {
            approval_id: approval.id,
            agent: standing.agent,
            action_type: standing.action_type,
            gate: standing.gate,
            constraints: standing.constraints,
            uses: standing.uses,
            expires_at: standing.expires_at,
          },
        },
      ],
      now,
    );
    return standingApprovalView(standing, now);
  }

  /**
   * The standing approvals that may cover this action, best first: same agent and action type,
   * granted under the gate that decided it, inside their constraints, still within the live
   * policy's bound for that gate (a new policy version ends the ones it would not allow), and
   * granted by an approver who is still active and is not the person the action is for.
   */
  async candidates(action: ActionRecord, evaluation: PolicyDecision, now: number): Promise<StandingApprovalRecord[]> {
    if (evaluation.decision !== 'REQUIRE_APPROVAL' || action.action_type === null) return [];
    const bound = evaluation.route?.standing;
    if (bound === undefined || bound === false) return [];
    const { store } = this.deps;
    const found = await store.standingApprovals.candidates(action.tenant_id, action.agent, action.action_type, now);
    const gate = gateOfRoute(evaluation);
    const requester = requesterOf(action);
    const covering: StandingApprovalRecord[] = [];
    for (const standing of found) {
      if (standing.gate !== gate) continue;
      if (!standingWithin({ for_ms: standing.for_ms ?? undefined, uses: standing.uses ?? undefined }, bound)) continue;
      if (!compileConstraints(standing.constraints)(action.payload)) continue;
      const approver = await store.users.get(action.tenant_id, standing.approver_id);
      if (approver === undefined || approver.disabled_at !== null) continue;
      if (requester !== undefined && (requester === approver.id || requester === approver.name)) continue;
      covering.push(standing);
    }
    return covering;
  }

  async list(
    principal: UserPrincipal,
    filter: { active?: boolean; agent?: string; limit?: number; after?: string },
  ): Promise<StandingApprovalView[]> {
    const now = this.deps.clock.now();
    const found = await this.deps.store.standingApprovals.list(principal.tenant_id, {
      ...(filter.active === true ? { active_at: now } : {}),
      ...(filter.agent === undefined ? {} : { agent: filter.agent }),
      ...(filter.limit === undefined ? {} : { limit: filter.limit }),
      ...(filter.after === undefined ? {} : { after: filter.after }),
    });
    // The approver by name as well as id, so that a list read by people says who granted each.
    const names = new Map<string, string>();
    for (const id of new Set(found.map((standing) => standing.approver_id))) {
      const user = await this.deps.store.users.get(principal.tenant_id, id);
      if (user !== undefined) names.set(id, user.name);
    }
    return found.map((standing) => ({ ...standingApprovalView(standing, now), approver_name: names.get(standing.approver_id) ?? null }));
  }

  /** Ends a standing approval: an admin, its approver, or anyone who may decide its gate's requests. */
  async revoke(principal: UserPrincipal, id: string): Promise<StandingApprovalView> {
    const { store, clock } = this.deps;
    return store.transaction(async (scope) => {
      const now = clock.now();
      const standing = await scope.standingApprovals.get(principal.tenant_id, id);
      if (standing === undefined) throw new TollgateError('standing.not_found', `no standing approval \`${id}\``);
      await this.checkMayRevoke(scope, principal.user, standing);
      if (!(await scope.standingApprovals.revoke(principal.tenant_id, id, now, principal.user.id))) {
        return standingApprovalView(standing, now);
      }
      await appendAudit(
        scope,
        principal.tenant_id,
        [
          {
            type: 'standing.revoked',
            actor: `user:${principal.user.id}`,
            subject: id,
            data: {
              approval_id: standing.approval_id,
              agent: standing.agent,
              action_type: standing.action_type,
              uses_left: standing.uses_left,
            },
          },
        ],
        now,
      );
      return standingApprovalView({ ...standing, revoked_at: now, revoked_by: principal.user.id }, now);
    });
  }

  private async checkMayRevoke(scope: StoreScope, user: User, standing: StandingApprovalRecord): Promise<void> {
    if (user.role === 'admin' || user.id === standing.approver_id) return;
    const approval = await scope.approvals.get(standing.tenant_id, standing.approval_id);
    const action = approval === undefined ? undefined : await scope.actions.get(standing.tenant_id, approval.action_id);
    if (approval !== undefined && action !== undefined) {
      const bundle = this.deps.policies.for(standing.tenant_id).current().bundle;
      const eligibility = checkEligibility({ ...user, groups: personOf(user, bundle).groups }, approval, action);
      if (eligibility.ok) return;
    }
    throw new TollgateError('approval.not_eligible', 'only an admin or someone who may decide this gate can revoke its standing approvals');
  }
}
