// Post-execution review: REVIEW decisions and audit samples wait in a queue; a reviewer marks
// each ok, flags it (a problem that got through: a miss), or reverses it within the policy's
// `review.window` by running the compensation the agent reported (a signed webhook or a worker
// job). Flags and reversals count against the agent's autonomy.

import type { WorkerRef } from '@tollgate/core';
import { TollgateError, notFound } from '../errors.js';
import type { ActionRecord, JobRecord, ReviewRecord, ReviewStatus } from '../stores/records.js';
import { decides } from '../stores/records.js';
import type { Store, StoreScope } from '../stores/store.js';
import type { Clock } from '../util/clock.js';
import { newId } from '../util/ids.js';
import { retryOnConflict } from './concurrency.js';
import { outcomeView, type OutcomeView } from './views.js';
import { appendAudit, type AuditDraft } from './audit-chain.js';
import { recordOutcome } from './autonomy-service.js';
import type { EventBus } from './event-bus.js';
import type { TenantPolicies } from './tenant-policies.js';
import type { UserPrincipal } from './principals.js';
import { signedHeaders } from './webhook-signing.js';
import { OutboundError, urlHost } from '../net/outbound.js';
import type { OutboundService } from './outbound-service.js';
import { personOf } from './people.js';

export type ReviewVerdict = 'ok' | 'flag' | 'reverse';

/**
 * What a reversal would run, as the agent reported it: shown to the reviewer before they confirm,
 * since the agent chose it (the server calls it only if the outbound rules allow).
 */
export type CompensationTarget =
  | { method: 'webhook'; url: string; host: string | null; supplied_by: 'agent' }
  | { method: 'worker'; capability: string; supplied_by: 'agent' };

export interface ReviewView extends Omit<ReviewRecord, 'created_at' | 'due_at' | 'decided_at' | 'version'> {
  created_at: string;
  due_at: string | null;
  decided_at: string | null;
  action: {
    agent: string;
    action_type: string | null;
    environment: string | null;
    summary: string | null;
    outcome: OutcomeView | null;
    reversible: boolean;
  };
  /** Where a reversal would go; null when the agent reported no compensation. */
  compensation: CompensationTarget | null;
}

interface Compensation {
  webhook?: string;
  capability?: string;
  input?: Record<string, unknown>;
}

export class ReviewService {
  constructor(
    private readonly deps: {
      store: Store;
      clock: Clock;
      bus: EventBus;
      policies: TenantPolicies;
      webhookSecret: (tenantId: string) => Promise<string>;
      outbound: OutboundService;
    },
  ) {}

  /** Queues an action that was decided REVIEW; called inside the decision's transaction. */
  static queue(action: ActionRecord, reason: string, windowMs: number | undefined): ReviewRecord {
    return {
      action_id: action.id,
      tenant_id: action.tenant_id,
      status: 'pending',
      reason,
      created_at: action.created_at,
      due_at: windowMs === undefined ? null : action.created_at + windowMs,
      reviewer: null,
      note: null,
      decided_at: null,
      reversal: null,
      version: 0,
    };
  }

  async list(tenantId: string, status: ReviewStatus[] = ['pending'], limit = 100): Promise<ReviewView[]> {
    const reviews = await this.deps.store.reviews.list(tenantId, { status, limit });
    const views: ReviewView[] = [];
    for (const review of reviews) {
      const action = await this.deps.store.actions.get(tenantId, review.action_id);
      if (action !== undefined) views.push(reviewView(review, action));
    }
    return views;
  }

  async review(principal: UserPrincipal, actionId: string, verdict: ReviewVerdict, note: string | undefined): Promise<ReviewView> {
    if (!decides(principal.user.role))
      throw new TollgateError('review.not_allowed', `${principal.user.role}s can read the review queue but not review`);
    const { bundle } = this.deps.policies.for(principal.tenant_id).current();
    const reviewers = bundle.review?.reviewers;
    // Groups from the user directory or the bundle's `groups:`, as for approvers (DESIGN §4).
    const groups = personOf(principal.user, bundle).groups;
    if (reviewers !== undefined && !reviewers.some((name) => name === principal.user.name || groups.includes(name))) {
      throw new TollgateError('review.not_allowed', `only ${reviewers.map((r) => `\`${r}\``).join(', ')} review executed actions`);
    }
    if (verdict === 'flag' && (note ?? '').trim() === '')
      throw new TollgateError('review.invalid', 'a flag needs a `note` saying what went wrong', { field: 'note' });
    const { store, clock } = this.deps;
    const tenantId = principal.tenant_id;
    const claimed = await retryOnConflict(() =>
      store.transaction(async (scope) => {
        const now = clock.now();
        const { review, action } = await this.open(scope, tenantId, actionId, now);
        const reviewer = `user:${principal.user.id}`;
        if (verdict === 'reverse') return { review, action, compensation: this.compensationOf(action) };
        const status: ReviewStatus = verdict === 'ok' ? 'ok' : 'flagged';
        if (!(await scope.reviews.update(tenantId, actionId, review.version, { status, reviewer, note: note ?? null, decided_at: now })))
          throw new TollgateError('review.closed', 'this action was reviewed meanwhile');
        const audit: AuditDraft[] = [{ type: `review.${status}`, actor: reviewer, subject: actionId, data: { note: note ?? null } }];
        if (verdict === 'flag')
          audit.push(
            ...(await recordOutcome(
              scope,
              this.deps.policies.for(tenantId).current().bundle,
              action,
              'flag',
              now,
              `review of ${actionId}`,
            )),
          );
        await appendAudit(scope, tenantId, audit, now);
        return { review: { ...review, status, reviewer, note: note ?? null, decided_at: now }, action, compensation: undefined };
      }),
    );
    if (verdict !== 'reverse') return reviewView(claimed.review, claimed.action);
    return this.reverse(principal, claimed.action, claimed.compensation!, note);
  }

  /** The review of `actionId`, checked to be open and within its window. */
  private async open(
    scope: StoreScope,
    tenantId: string,
    actionId: string,
    now: number,
  ): Promise<{ review: ReviewRecord; action: ActionRecord }> {
    const action = await scope.actions.get(tenantId, actionId);
    if (action === undefined) throw notFound('action', actionId);
    let review = await scope.reviews.get(tenantId, actionId);
    if (review === undefined) {
      // Any action that ran can be looked at afterwards, not only those queued for review.
      if (!['allowed', 'review', 'executed', 'failed', 'approved'].includes(action.status)) {
        throw new TollgateError(
          'review.not_executed',
          `this action is ${action.status.replace('_', ' ')}: it did not run, so there is nothing to review`,
        );
      }
      review = ReviewService.queue(action, 'on request', this.deps.policies.for(action.tenant_id).current().bundle.review?.window);
      await scope.reviews.insert(review);
    }
    if (review.status !== 'pending') throw new TollgateError('review.closed', `this action was reviewed already (${review.status})`);
    if (review.due_at !== null && now > review.due_at) {
      throw new TollgateError('review.window_closed', `the review window closed at ${new Date(review.due_at).toISOString()}`);
    }
    return { review, action };
  }

  private compensationOf(action: ActionRecord): Compensation {
    if (action.payload.reversible === false)
      throw new TollgateError('review.not_reversible', 'the agent declared this action irreversible (`reversible: false`)');
    if (action.status === 'reversed') throw new TollgateError('review.closed', 'this action was reversed already');
    if (action.outcome === null || action.outcome.status !== 'succeeded') {
      throw new TollgateError('review.not_executed', 'the agent has not reported this action as executed, so there is nothing to undo yet');
    }
    const compensation = action.outcome.compensation as Compensation | undefined;
    if (compensation === undefined || (typeof compensation.webhook !== 'string' && typeof compensation.capability !== 'string')) {
      throw new TollgateError(
        'review.no_compensation',
        'the agent reported no way to undo this action (`compensation` with a `webhook` or a `capability`)',
      );
    }
    return compensation;
  }

  private async reverse(
    principal: UserPrincipal,
    action: ActionRecord,
    compensation: Compensation,
    note: string | undefined,
  ): Promise<ReviewView> {
    const { store, clock } = this.deps;
    const reviewer = `user:${principal.user.id}`;
    if (typeof compensation.capability === 'string') {
      // A worker undoes it; the review completes when the compensation job does.
      const done = await retryOnConflict(() =>
        store.transaction(async (scope) => {
          const now = clock.now();
          const { review } = await this.open(scope, action.tenant_id, action.id, now);
          const job = compensationJob(
            action,
            compensation.capability!,
            { ...(compensation.input ?? {}), action: action.payload, outcome: outcomeView(action.outcome) },
            now,
          );
          await scope.jobs.insert(job);
          const reversal = { method: 'worker', capability: compensation.capability, job_id: job.id, status: 'running' };
          if (
            !(await scope.reviews.update(action.tenant_id, action.id, review.version, {
              status: 'reversing',
              reviewer,
              note: note ?? null,
              reversal,
            }))
          )
            throw new TollgateError('review.closed', 'this action was reviewed meanwhile');
          await appendAudit(
            scope,
            action.tenant_id,
            [
              {
                type: 'review.reversing',
                actor: reviewer,
                subject: action.id,
                data: { job_id: job.id, capability: compensation.capability, note: note ?? null },
              },
            ],
            now,
          );
          return { review: { ...review, status: 'reversing' as const, reviewer, note: note ?? null, reversal }, job };
        }),
      );
      this.deps.bus.publish({
        type: 'job.queued',
        tenant_id: action.tenant_id,
        action_id: action.id,
        at: clock.now(),
        data: { job_id: done.job.id, capability: done.job.capability },
      });
      return reviewView(done.review, action);
    }
    const { reason, ...result } = await this.callWebhook(compensation.webhook!, action, principal, note);
    const host = urlHost(compensation.webhook!) ?? compensation.webhook!;
    const settled = await retryOnConflict(() =>
      store.transaction(async (scope) => {
        const now = clock.now();
        const { review } = await this.open(scope, action.tenant_id, action.id, now);
        const reversal = { method: 'webhook', url: compensation.webhook, ...result, at: new Date(now).toISOString() };
        if (!result.ok) {
          await scope.reviews.update(action.tenant_id, action.id, review.version, { reversal });
          // The reason (which port, which address) is for the audit trail, not the reviewer's answer.
          await appendAudit(
            scope,
            action.tenant_id,
            [{ type: 'review.reversal_failed', actor: reviewer, subject: action.id, data: { ...reversal, reason: reason ?? null } }],
            now,
          );
          // Returned, not thrown: the failure's record must commit.
          return { failed: reversal, view: undefined };
        }
        await scope.reviews.update(action.tenant_id, action.id, review.version, {
          status: 'reversed',
          reviewer,
          note: note ?? null,
          decided_at: now,
          reversal,
        });
        const updated = await this.markReversed(scope, action, reviewer, reversal, now);
        return {
          failed: undefined,
          view: reviewView({ ...review, status: 'reversed', reviewer, note: note ?? null, decided_at: now, reversal }, updated),
        };
      }),
    );
    if (settled.view !== undefined) return settled.view;
    const what =
      result.outbound === 'outbound.refused'
        ? `the compensation webhook at \`${host}\` was not called: the outbound rules do not allow it`
        : result.outbound === 'outbound.failed'
          ? `the call to the compensation webhook at \`${host}\` failed`
          : `the compensation webhook at \`${host}\` answered HTTP ${result.status}`;
    throw new TollgateError('review.reversal_failed', `${what}; the action is not reversed`, {
      reversal: settled.failed,
      ...(result.outbound === undefined ? {} : { outbound: result.outbound }),
    });
  }

  /** The action is undone: its status, the agent's record and the audit trail say so. */
  async markReversed(
    scope: StoreScope,
    action: ActionRecord,
    actor: string,
    reversal: Record<string, unknown>,
    now: number,
  ): Promise<ActionRecord> {
    await scope.actions.transition(action.tenant_id, action.id, ['executed'], { status: 'reversed' });
    const audit: AuditDraft[] = [{ type: 'review.reversed', actor, subject: action.id, data: reversal }];
    audit.push(
      ...(await recordOutcome(
        scope,
        this.deps.policies.for(action.tenant_id).current().bundle,
        action,
        'reversal',
        now,
        `reversal of ${action.id}`,
      )),
    );
    await appendAudit(scope, action.tenant_id, audit, now);
    return { ...action, status: 'reversed' };
  }

  /** Settles a compensation job's result (from the job service). */
  async compensationSettled(
    scope: StoreScope,
    job: JobRecord,
    ok: boolean,
    detail: unknown,
    worker: WorkerRef | null,
    now: number,
  ): Promise<void> {
    const review = await scope.reviews.get(job.tenant_id, job.action_id);
    const action = await scope.actions.get(job.tenant_id, job.action_id);
    if (review === undefined || action === undefined || review.status !== 'reversing') return;
    // `worker` null: the server gave up on the job (every lease ran out).
    const reversal = {
      ...(review.reversal ?? {}),
      status: ok ? 'succeeded' : 'failed',
      detail: detail ?? null,
      worker: worker?.name ?? 'system',
      worker_key_id: worker?.key_id ?? null,
    };
    if (ok) {
      await scope.reviews.update(job.tenant_id, job.action_id, review.version, { status: 'reversed', decided_at: now, reversal });
      await this.markReversed(scope, action, review.reviewer ?? 'system', reversal, now);
    } else {
      // The undo failed: the review is open again so a person can retry or decide otherwise.
      await scope.reviews.update(job.tenant_id, job.action_id, review.version, { status: 'pending', reversal });
      await appendAudit(
        scope,
        job.tenant_id,
        [
          {
            type: 'review.reversal_failed',
            actor: worker === null ? 'system' : `worker:${worker.name}`,
            subject: job.action_id,
            data: reversal,
          },
        ],
        now,
      );
    }
  }

  private async callWebhook(
    url: string,
    action: ActionRecord,
    principal: UserPrincipal,
    note: string | undefined,
  ): Promise<{ ok: boolean; status?: number; outbound?: OutboundError['code']; reason?: string; webhook_id: string }> {
    const id = newId('msg', this.deps.clock.now());
    const body = JSON.stringify({
      type: 'tollgate.action.reverse',
      timestamp: new Date(this.deps.clock.now()).toISOString(),
      data: {
        action_id: action.id,
        agent: action.agent,
        action: action.payload,
        outcome: outcomeView(action.outcome),
        reviewer: principal.user.name,
        note: note ?? null,
      },
    });
    const headers = signedHeaders(await this.deps.webhookSecret(action.tenant_id), id, Math.floor(Date.now() / 1000), body);
    try {
      const response = await this.deps.outbound.request(action.tenant_id, url, { method: 'POST', headers, body }, 'compensation');
      return { ok: response.status >= 200 && response.status < 300, status: response.status, webhook_id: id };
    } catch (error) {
      if (!(error instanceof OutboundError)) throw error;
      return { ok: false, outbound: error.code, reason: error.reason, webhook_id: id };
    }
  }
}

function compensationJob(action: ActionRecord, capability: string, input: Record<string, unknown>, now: number): JobRecord {
  return {
    id: newId('job', now),
    tenant_id: action.tenant_id,
    approval_id: null,
    action_id: action.id,
    step_id: 'compensation',
    capability,
    executes: false,
    input,
    status: 'queued',
    attempts: 0,
    max_attempts: 3,
    worker: null,
    worker_key_id: null,
    lease_until: null,
    output: null,
    error: null,
    created_at: now,
    updated_at: now,
  };
}

export function reviewView(review: ReviewRecord, action: ActionRecord): ReviewView {
  const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
  return {
    action_id: review.action_id,
    tenant_id: review.tenant_id,
    status: review.status,
    reason: review.reason,
    reviewer: review.reviewer,
    note: review.note,
    reversal: review.reversal,
    created_at: iso(review.created_at)!,
    due_at: iso(review.due_at),
    decided_at: iso(review.decided_at),
    action: {
      agent: action.agent,
      action_type: action.action_type,
      environment: action.environment,
      summary: typeof action.payload.summary === 'string' ? action.payload.summary : null,
      outcome: outcomeView(action.outcome),
      reversible: action.payload.reversible !== false,
    },
    compensation: compensationTarget(action),
  };
}

function compensationTarget(action: ActionRecord): CompensationTarget | null {
  const compensation = action.outcome?.compensation as Compensation | undefined;
  if (typeof compensation?.capability === 'string') return { method: 'worker', capability: compensation.capability, supplied_by: 'agent' };
  if (typeof compensation?.webhook === 'string')
    return { method: 'webhook', url: compensation.webhook, host: urlHost(compensation.webhook) ?? null, supplied_by: 'agent' };
  return null;
}
