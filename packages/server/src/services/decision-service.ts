// The decision path: check an agent's action, decide it with the live policy, make the decision
// durable (action, approval request and audit events in one group-committed transaction), then
// answer; agents may long-poll for people's verdict and report what happened.

import { canonicalJson, singleStepWorkflow, withRouteDefaults, type PolicyBundle, type PolicyDecision } from '@tollgate/core';
import { TollgateError, notFound } from '../errors.js';
import type { ActionRecord, ActionStatus } from '../stores/records.js';
import { StoreConflictError, type Store, type StoreScope } from '../stores/store.js';
import type { Clock } from '../util/clock.js';
import { newId, sha256 } from '../util/ids.js';
import { urlShapeProblem } from '../net/outbound.js';
import { checkAction } from './action-input.js';
import { appendAudit, type AuditDraft } from './audit-chain.js';
import type { ApprovalService } from './approval-service.js';
import { KeyedSerializer, retryOnConflict } from './concurrency.js';
import { requesterOf } from './eligibility.js';
import { currentLevel, isNovel, recordOutcome } from './autonomy-service.js';
import { ReviewService } from './review-service.js';
import type { Applied, WorkflowRunner } from './workflow-runner.js';
import type { EventBus } from './event-bus.js';
import { grantToken, newGrant, redeemGrant } from './grants.js';
import type { StandingService } from './standing-service.js';
import type { StandingApprovalRecord } from '../stores/records.js';
import type { TenantPolicies } from './tenant-policies.js';
import type { ShadowService } from './shadow-service.js';
import type { AgentPrincipal, Principal } from './principals.js';
import { actionView, type ActionView } from './views.js';
import type { WriteBatcher } from './write-batcher.js';

const STATUS_OF: Record<PolicyDecision['decision'], ActionStatus> = {
  ALLOW: 'allowed',
  REVIEW: 'review',
  REQUIRE_APPROVAL: 'pending',
  DENY: 'denied',
};

/** Fields that describe the request rather than the action: not part of its digest. */
const ENVELOPE_FIELDS = ['revision_of'] as const;
export const MAX_WAIT_SECONDS = 60;

export function actionDigest(action: Record<string, unknown>): string {
  return `sha256:${sha256(canonicalJson(action))}`;
}

export interface OutcomeInput {
  status: 'succeeded' | 'failed';
  detail?: string;
  compensation?: Record<string, unknown>;
}

interface Deps {
  store: Store;
  batcher: WriteBatcher;
  policies: TenantPolicies;
  approvals: ApprovalService;
  bus: EventBus;
  clock: Clock;
  secret: string;
  runner: WorkflowRunner;
  /** A candidate policy evaluated beside the live one; it never changes the decision. */
  shadow?: ShadowService;
  standing: StandingService;
}

/** What a submission wrote, or the earlier action it turned out to repeat. */
type Written = { started: Applied | undefined } | { existing: ActionRecord };

export class DecisionService {
  private readonly oneAtATime = new KeyedSerializer();

  constructor(private readonly deps: Deps) {}

  async submit(
    principal: AgentPrincipal,
    body: unknown,
    options: { waitSeconds?: number; signal?: AbortSignal } = {},
  ): Promise<ActionView> {
    const action = checkAction(body, principal.agent);
    const revisionOf = typeof action.revision_of === 'string' ? action.revision_of : undefined;
    if (action.revision_of !== undefined && revisionOf === undefined) {
      throw new TollgateError('action.invalid', '`revision_of` must be the id of the action this one revises', { field: 'revision_of' });
    }
    for (const field of ENVELOPE_FIELDS) delete action[field];
    const digest = actionDigest(action);
    const tenantId = principal.tenant_id;
    const key = typeof action.idempotency_key === 'string' ? action.idempotency_key : undefined;

    if (revisionOf !== undefined) await this.checkRevision(principal, revisionOf);

    const { clock, policies, batcher } = this.deps;
    const now = clock.now();
    const id = newId('act', now);
    const policy = policies.for(tenantId).current();
    const { level, novel } = await this.history(policy.bundle, tenantId, principal.agent, action);
    const evaluation = policy.evaluate(action, {
      now,
      actionId: id,
      ...(level === undefined ? {} : { level }),
      ...(novel === undefined ? {} : { novel }),
    });
    const record: ActionRecord = {
      id,
      tenant_id: tenantId,
      agent: principal.agent,
      action_type: typeof action.action_type === 'string' ? action.action_type : null,
      environment: typeof action.environment === 'string' ? action.environment : null,
      capability: typeof action.capability === 'string' ? action.capability : null,
      payload: action,
      digest,
      idempotency_key: key ?? null,
      decision: evaluation.decision,
      status: STATUS_OF[evaluation.decision],
      evaluation,
      risk: evaluation.risk,
      autonomy_level: evaluation.autonomy_level,
      policy_version: evaluation.policy_version,
      revision_of: revisionOf ?? null,
      created_at: now,
      decided_at: evaluation.decision === 'REQUIRE_APPROVAL' ? null : now,
      outcome: null,
    };
    const audit: AuditDraft[] = [
      {
        type: 'action.decided',
        actor: `agent:${principal.agent}`,
        subject: id,
        data: {
          decision: evaluation.decision,
          digest,
          policy_version: evaluation.policy_version,
          reasons: evaluation.reasons.map((r) => r.name),
          revision_of: revisionOf ?? null,
        },
      },
    ];
    // Standing approvals that may cover it are read before the write; the write takes one use of
    // the first that still has one, atomically, and otherwise opens a request as usual.
    const standing = revisionOf === undefined ? await this.deps.standing.candidates(record, evaluation, now) : [];
    const decided = { status: record.status, decided_at: record.decided_at };
    const write = async (): Promise<Written> => {
      try {
        return {
          started: await batcher.write(async (scope) => {
            // A batch written again (write by write) starts from the decision, not from a use it rolled back.
            Object.assign(record, decided);
            delete record.standing_approval_id;
            const covering = await this.takeStandingUse(scope, standing, tenantId, now);
            if (covering !== undefined) {
              record.status = 'approved';
              record.decided_at = now;
              record.standing_approval_id = covering.id;
            }
            // A key seen before is found by the insert, not by a read before it: a new key, the common
            // case, costs nothing extra. The repeat fails its batch, and written alone it fails by itself.
            await scope.actions.insert(record);
            await appendAudit(scope, tenantId, audit, now);
            if (covering !== undefined) {
              await this.approveByStanding(scope, record, covering, now);
              return undefined;
            }
            if (evaluation.decision === 'REVIEW') {
              const sampled = evaluation.reasons.some((reason) => reason.kind === 'sampling');
              await scope.reviews.insert(
                ReviewService.queue(
                  record,
                  sampled ? 'audit sample' : evaluation.reasons.map((r) => r.name).join(', '),
                  policy.bundle.review?.window,
                ),
              );
            }
            if (evaluation.decision !== 'REQUIRE_APPROVAL') return undefined;
            return this.startApproval(scope, record, evaluation, now);
          }),
        };
      } catch (error) {
        // The key was used before (or by a submission racing this one): answer the one stored.
        if (error instanceof StoreConflictError && error.constraint === 'actions_idempotency_key') {
          const existing = await this.deps.store.actions.findByIdempotencyKey(tenantId, principal.agent, key!);
          if (existing === undefined)
            throw new TollgateError('action.conflict', 'this idempotency_key is in use', { field: 'idempotency_key' });
          return { existing };
        }
        throw error;
      }
    };
    // A retry (after a client gave up waiting, or a restart) is the same request as the one still
    // open: it gets that action and its approval, never a second request for people to decide.
    // Only what needs approval is looked up, so an allowed action costs no extra read; one at a
    // time per digest, so that two identical submissions at once open one request between them.
    const written =
      evaluation.decision === 'REQUIRE_APPROVAL' && revisionOf === undefined
        ? await this.oneAtATime.run(`${tenantId}\n${principal.agent}\n${digest}`, async () => {
            const existing = await this.deps.store.actions.findOpenByDigest(tenantId, principal.agent, digest, clock.now());
            return existing === undefined ? write() : { existing };
          })
        : await write();
    if ('existing' in written) return this.replay(principal, written.existing, digest, options);
    const started = written.started;
    this.deps.bus.publish({ type: 'action.decided', tenant_id: tenantId, action_id: id, status: record.status, at: now });
    this.deps.shadow?.observe(record, { level, novel });
    for (const event of started?.live ?? []) this.deps.bus.publish(event);
    if (started !== undefined && (options.waitSeconds ?? 0) > 0) return this.waitForVerdict(principal, id, options);
    return this.view(principal, record, started);
  }

  async get(principal: Principal, id: string, options: { waitSeconds?: number; signal?: AbortSignal } = {}): Promise<ActionView> {
    const action = await this.deps.store.actions.get(principal.tenant_id, id);
    if (action === undefined || (principal.kind === 'agent' && action.agent !== principal.agent)) throw notFound('action', id);
    if (action.status === 'pending' && (options.waitSeconds ?? 0) > 0) return this.waitForVerdict(principal, id, options);
    return this.view(principal, action);
  }

  /** The agent executes an approved action: the grant is consumed for exactly this digest. */
  async redeem(principal: AgentPrincipal, token: unknown, digest: unknown): Promise<ActionView> {
    if (typeof token !== 'string' || token === '')
      throw new TollgateError('request.invalid', '`grant` must be the grant token', { field: 'grant' });
    if (typeof digest !== 'string' || digest === '')
      throw new TollgateError('request.invalid', '`digest` must be the digest of the action to execute', { field: 'digest' });
    const { store, clock } = this.deps;
    const action = await store.transaction(async (scope) => {
      const now = clock.now();
      const grant = await redeemGrant(scope, principal.tenant_id, token, digest, now);
      const record = await scope.actions.get(principal.tenant_id, grant.action_id);
      if (record === undefined || record.agent !== principal.agent)
        throw new TollgateError('grant.not_found', 'no such grant', { field: 'grant' });
      // When a workflow step executes the approved action, that step holds the grant, not the agent.
      const request = await scope.approvals.getByAction(principal.tenant_id, record.id);
      const executor = request?.state?.steps.find((step) => step.type === 'worker' && step.executes);
      if (executor !== undefined) {
        throw new TollgateError(
          'grant.held_by_workflow',
          `step \`${executor.id}\` of the workflow executes this action; its worker holds the grant`,
        );
      }
      await appendAudit(
        scope,
        principal.tenant_id,
        [{ type: 'grant.used', actor: `agent:${principal.agent}`, subject: record.id, data: { grant_id: grant.id, digest } }],
        now,
      );
      return record;
    });
    return this.view(principal, action);
  }

  async reportOutcome(principal: AgentPrincipal, id: string, input: OutcomeInput): Promise<ActionView> {
    const { store, clock } = this.deps;
    // The agent names where a reversal would call: only an http(s) URL is kept; where it may go is checked when it is called.
    if (input.compensation !== undefined && 'webhook' in input.compensation) {
      const problem = urlShapeProblem(input.compensation.webhook);
      if (problem !== undefined)
        throw new TollgateError('request.invalid', `\`compensation.webhook\` ${problem}`, { field: 'body.compensation.webhook' });
    }
    const updated = await retryOnConflict(() =>
      store.transaction(async (scope) => {
        const now = clock.now();
        const action = await scope.actions.get(principal.tenant_id, id);
        if (action === undefined || action.agent !== principal.agent) throw notFound('action', id);
        if (action.outcome !== null) throw new TollgateError('action.outcome_reported', 'the outcome of this action was reported already');
        if (!['allowed', 'review', 'approved'].includes(action.status)) {
          throw new TollgateError(
            'action.not_approved',
            `an action that is ${action.status.replace('_', ' ')} must not be executed, so it has no outcome`,
          );
        }
        if (action.status === 'approved') {
          const grant = await scope.grants.getByAction(principal.tenant_id, id);
          if (grant === undefined || grant.used_at === null) {
            throw new TollgateError(
              'action.not_approved',
              'redeem the approval grant (POST /v1/grants/redeem) before executing and reporting the outcome',
            );
          }
        }
        const outcome = {
          status: input.status,
          ...(input.detail === undefined ? {} : { detail: input.detail }),
          ...(input.compensation === undefined ? {} : { compensation: input.compensation }),
          reported_at: now,
        };
        const status: ActionStatus = input.status === 'succeeded' ? 'executed' : 'failed';
        if (!(await scope.actions.transition(principal.tenant_id, id, [action.status], { status, outcome }))) {
          throw new TollgateError('action.outcome_reported', 'the outcome of this action was reported already');
        }
        const audit: AuditDraft[] = [
          {
            type: 'action.outcome',
            actor: `agent:${principal.agent}`,
            subject: id,
            data: { status: input.status, detail: input.detail ?? null },
          },
        ];
        const bundle = this.deps.policies.for(principal.tenant_id).current().bundle;
        audit.push(
          ...(await recordOutcome(scope, bundle, action, input.status === 'succeeded' ? 'success' : 'failure', now, `outcome of ${id}`)),
        );
        await appendAudit(scope, principal.tenant_id, audit, now);
        return { ...action, status, outcome };
      }),
    );
    this.deps.bus.publish({
      type: 'action.outcome',
      tenant_id: principal.tenant_id,
      action_id: id,
      status: updated.status,
      at: clock.now(),
    });
    return this.view(principal, updated);
  }

  /** One use of the first standing approval that still has one (any server may race for it). */
  private async takeStandingUse(
    scope: StoreScope,
    candidates: StandingApprovalRecord[],
    tenantId: string,
    now: number,
  ): Promise<StandingApprovalRecord | undefined> {
    for (const candidate of candidates) if (await scope.standingApprovals.use(tenantId, candidate.id, now)) return candidate;
    return undefined;
  }

  /** The covered action gets its own single-use grant for its own digest, and the trail says by what. */
  private async approveByStanding(scope: StoreScope, action: ActionRecord, standing: StandingApprovalRecord, now: number): Promise<void> {
    const grant = newGrant(this.deps.secret, action.tenant_id, action.id, standing.approval_id, action.digest, now);
    await scope.grants.insert(grant);
    await appendAudit(
      scope,
      action.tenant_id,
      [
        {
          type: 'standing.used',
          actor: `user:${standing.approver_id}`,
          subject: action.id,
          data: {
            standing_approval: standing.id,
            approval_id: standing.approval_id,
            digest: action.digest,
            grant_id: grant.id,
          },
        },
      ],
      now,
    );
  }

  /** The agent's level and whether the action is new for it, when the policy asks for them. */
  private async history(
    bundle: PolicyBundle,
    tenantId: string,
    agent: string,
    action: Record<string, unknown>,
  ): Promise<{ level?: number; novel?: boolean }> {
    const { store } = this.deps;
    const found: { level?: number; novel?: boolean } = {};
    if (bundle.autonomy !== undefined) found.level = await currentLevel(store, bundle, tenantId, agent);
    if (bundle.escalation?.novelty === true && typeof action.action_type === 'string') {
      found.novel = await isNovel(
        store,
        tenantId,
        agent,
        action.action_type,
        typeof action.environment === 'string' ? action.environment : null,
      );
    }
    return found;
  }

  /** Starts the request's workflow: the rule's named workflow, or a single stage from its approvers. */
  private startApproval(scope: StoreScope, action: ActionRecord, evaluation: PolicyDecision, now: number): Promise<Applied> {
    const { bundle } = this.deps.policies.for(action.tenant_id).current();
    const route = evaluation.route;
    const named = route?.workflow === undefined ? undefined : bundle.workflows[route.workflow];
    const workflow = named === undefined ? singleStepWorkflow(route, bundle.defaults) : withRouteDefaults(named, route);
    const { timeout, on_timeout, escalate_to } = bundle.defaults;
    const firstStep = workflow.steps.find((step) => step.type === 'approval');
    return this.deps.runner.start(
      scope,
      {
        id: newId('apr', now),
        tenant_id: action.tenant_id,
        action_id: action.id,
        digest: action.digest,
        policy_version: evaluation.policy_version,
        approvers: firstStep?.type === 'approval' ? firstStep.config.approvers : [],
        require: firstStep?.type === 'approval' ? firstStep.config.require : 1,
        criteria: route?.criteria ?? bundle.defaults.criteria ?? [],
        modifiable: (route?.modifiable as Record<string, unknown> | undefined) ?? null,
        workflow: named === undefined ? null : named.name,
        requested_by: action.agent,
        created_at: now,
        decided_at: null,
        resolution: null,
      },
      {
        workflow,
        action: action.payload,
        requester: requesterOf(action) ?? null,
        defaults: {
          ...(timeout === undefined ? {} : { timeout }),
          ...(on_timeout === undefined ? {} : { on_timeout }),
          ...(escalate_to === undefined ? {} : { escalate_to }),
        },
      },
      now,
    );
  }

  /** Answers a submission that repeats an earlier one (its idempotency key, or its open digest) with what that one became. */
  private async replay(
    principal: AgentPrincipal,
    existing: ActionRecord,
    digest: string,
    options: { waitSeconds?: number; signal?: AbortSignal },
  ): Promise<ActionView> {
    if (existing.digest !== digest) {
      throw new TollgateError('action.conflict', 'this idempotency_key was used for a different action', {
        field: 'idempotency_key',
        action_id: existing.id,
      });
    }
    if (existing.status === 'pending' && (options.waitSeconds ?? 0) > 0) return this.waitForVerdict(principal, existing.id, options);
    return this.view(principal, existing);
  }

  private async checkRevision(principal: AgentPrincipal, originalId: string): Promise<void> {
    const original = await this.deps.store.actions.get(principal.tenant_id, originalId);
    if (original === undefined || original.agent !== principal.agent)
      throw new TollgateError('action.invalid', `\`revision_of\` names no action \`${originalId}\` of this agent`, {
        field: 'revision_of',
      });
    if (original.status !== 'changes_requested') {
      throw new TollgateError(
        'action.invalid',
        `action \`${originalId}\` is ${original.status.replace('_', ' ')}, not waiting for a revision`,
        { field: 'revision_of' },
      );
    }
  }

  private async waitForVerdict(
    principal: Principal,
    id: string,
    options: { waitSeconds?: number; signal?: AbortSignal },
  ): Promise<ActionView> {
    const seconds = Math.min(options.waitSeconds ?? 0, MAX_WAIT_SECONDS);
    const deadline = this.deps.clock.now() + seconds * 1000;
    const decided = this.deps.bus.waitFor(
      principal.tenant_id,
      (event) => event.action_id === id && (event.type === 'approval.decided' || event.type === 'approval.timed_out'),
      seconds * 1000,
      options.signal,
    );
    // Read after subscribing, so a verdict that lands in between is not missed.
    const current = await this.deps.store.actions.get(principal.tenant_id, id);
    if (current === undefined) throw notFound('action', id);
    if (current.status !== 'pending' || this.deps.clock.now() >= deadline) return this.view(principal, current);
    await decided;
    const latest = await this.deps.store.actions.get(principal.tenant_id, id);
    return this.view(principal, latest ?? current);
  }

  /** The agent's answer; for a request just started, from what its transaction wrote (no votes yet). */
  private async view(principal: Principal, action: ActionRecord, started?: Applied): Promise<ActionView> {
    const view = actionView(action);
    const request =
      started?.approval ??
      (action.decision === 'REQUIRE_APPROVAL' ? await this.deps.store.approvals.getByAction(action.tenant_id, action.id) : undefined);
    if (started !== undefined) view.approval = this.deps.approvals.viewOf(started.approval, [], started.assigned, action.risk);
    else if (request !== undefined) view.approval = await this.deps.approvals.view(this.deps.store, request);
    if (request?.state !== undefined && request.state !== null && request.state.digest !== action.digest) {
      // Modified within limits: the agent executes the approved version, whose digest the grant carries.
      view.submitted = { action: action.payload, digest: action.digest };
      view.action = request.state.action;
      view.digest = request.state.digest;
    }
    if (action.status === 'approved' || (action.decision === 'REQUIRE_APPROVAL' && ['executed', 'failed'].includes(action.status))) {
      const grant = await this.deps.store.grants.getByAction(action.tenant_id, action.id);
      if (grant !== undefined && principal.kind === 'agent' && principal.agent === action.agent) {
        view.grant = {
          token: grantToken(this.deps.secret, grant.id, grant.digest),
          expires_at: new Date(grant.expires_at).toISOString(),
          digest: grant.digest,
          used: grant.used_at !== null,
        };
      }
    }
    return view;
  }
}
