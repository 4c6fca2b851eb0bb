// Worker steps for workers: long-poll for a job of a capability, keep its lease alive with
// heartbeats, complete it with output or fail it. A lease that runs out offers the job again; a
// job that keeps failing fails its step. The job that executes the approved action carries the
// grant, and its completion is the action's outcome. Only worker keys take jobs, only of the
// capabilities they name, and never a job of an action their own agent requested.

import type { WorkerRef } from '@tollgate/core';
import { TollgateError } from '../errors.js';
import type { JobRecord } from '../stores/records.js';
import type { Store, StoreScope } from '../stores/store.js';
import type { Clock } from '../util/clock.js';
import { appendAudit, type AuditDraft } from './audit-chain.js';
import { recordOutcome } from './autonomy-service.js';
import type { TenantPolicies } from './tenant-policies.js';
import type { ReviewService } from './review-service.js';
import type { EventBus, LiveEvent } from './event-bus.js';
import { grantToken } from './grants.js';
import { actorOf, type WorkerPrincipal } from './principals.js';
import { retryOnConflict } from './concurrency.js';
import type { WorkflowRunner } from './workflow-runner.js';

export const LEASE_MS = 30_000;
export const MAX_JOB_WAIT_SECONDS = 60;
const POLL_MS = 1000;

export interface JobView {
  id: string;
  capability: string;
  step: string;
  /** The request whose step this is; null for a compensation job undoing a reviewed action. */
  approval_id: string | null;
  action_id: string;
  attempt: number;
  lease_expires_at: string;
  input: Record<string, unknown>;
  /** The action as approved (possibly modified), with its digest. */
  action: Record<string, unknown>;
  digest: string;
  /** Output of the steps already done, by step id (e.g. the `ai-analysis` context package). */
  context: Record<string, unknown>;
  /** For the job that executes the approved action: the single-use grant for `digest`. */
  grant?: string;
}

export class JobService {
  constructor(
    private readonly deps: {
      store: Store;
      bus: EventBus;
      clock: Clock;
      runner: WorkflowRunner;
      secret: string;
      reviews: ReviewService;
      policies: TenantPolicies;
    },
  ) {}

  /** The next job of `capability` for this worker, waiting up to `waitSeconds` for one to appear. */
  async next(principal: WorkerPrincipal, capability: string, waitSeconds: number, signal?: AbortSignal): Promise<JobView | undefined> {
    if (!principal.capabilities.includes(capability)) throw notGranted(principal, capability);
    const deadline = this.deps.clock.now() + Math.min(waitSeconds, MAX_JOB_WAIT_SECONDS) * 1000;
    for (;;) {
      const queued = this.deps.bus.waitFor(
        principal.tenant_id,
        (event) => event.type === 'job.queued' && event.data?.capability === capability,
        POLL_MS,
        signal,
      );
      const job = await this.claim(principal, capability);
      if (job !== undefined) return job;
      if (this.deps.clock.now() >= deadline || signal?.aborted === true) return undefined;
      // Woken by a new job here, or after a second to catch jobs queued on other nodes and lost leases.
      await queued;
    }
  }

  async heartbeat(principal: WorkerPrincipal, id: string, attempt?: number): Promise<{ lease_expires_at: string }> {
    const now = this.deps.clock.now();
    const ok = await this.deps.store.jobs.heartbeat(principal.tenant_id, id, worker(principal), now, now + LEASE_MS, attempt);
    if (!ok) {
      // As complete and fail answer: a job this tenant does not have is not found, not a lost lease.
      const job = await this.deps.store.jobs.get(principal.tenant_id, id);
      if (job === undefined) throw new TollgateError('job.not_found', `no job \`${id}\``);
      throw await this.whyNotHeld(this.deps.store, principal, job);
    }
    return { lease_expires_at: new Date(now + LEASE_MS).toISOString() };
  }

  async complete(principal: WorkerPrincipal, id: string, output: unknown, attempt?: number): Promise<{ status: string }> {
    return this.settle(principal, id, async (scope, job, now) => {
      const settled = await scope.jobs.settle(
        principal.tenant_id,
        id,
        worker(principal),
        now,
        { status: 'completed', output: output ?? null },
        attempt,
      );
      if (!settled) throw this.notHeld(id);
      await appendAudit(
        scope,
        job.tenant_id,
        [
          {
            type: 'job.completed',
            actor: actorOf(principal),
            subject: id,
            data: { step: job.step_id, approval_id: job.approval_id, key_id: principal.key_id },
          },
        ],
        now,
      );
      if (job.approval_id === null) {
        await this.deps.reviews.compensationSettled(scope, job, true, output, worker(principal), now);
        return { status: 'completed', live: [] };
      }
      if (job.executes) await this.recordOutcome(scope, job, principal, 'succeeded', output, now);
      const approval = await scope.approvals.get(job.tenant_id, job.approval_id);
      const event = { type: 'job_completed' as const, step: job.step_id, output: output ?? null, worker: worker(principal) };
      const applied = await this.deps.runner.apply(scope, approval!, event, now, actorOf(principal));
      return { status: 'completed', live: applied.live };
    });
  }

  async fail(principal: WorkerPrincipal, id: string, error: string, retry: boolean, attempt?: number): Promise<{ status: string }> {
    return this.settle(principal, id, async (scope, job, now) => {
      const again = retry && job.attempts < job.max_attempts;
      const settled = await scope.jobs.settle(
        principal.tenant_id,
        id,
        worker(principal),
        now,
        { status: again ? 'queued' : 'failed', error },
        attempt,
      );
      if (!settled) throw this.notHeld(id);
      const type = again ? 'job.retried' : 'job.failed';
      await appendAudit(
        scope,
        job.tenant_id,
        [
          {
            type,
            actor: actorOf(principal),
            subject: id,
            data: { step: job.step_id, error, attempt: job.attempts, key_id: principal.key_id },
          },
        ],
        now,
      );
      if (again) {
        return {
          status: 'queued',
          live: [
            {
              type: 'job.queued',
              tenant_id: job.tenant_id,
              action_id: job.action_id,
              at: now,
              data: { job_id: id, capability: job.capability },
            },
          ],
        };
      }
      if (job.approval_id === null) {
        await this.deps.reviews.compensationSettled(scope, job, false, error, worker(principal), now);
        return { status: 'failed', live: [] };
      }
      if (job.executes) await this.recordOutcome(scope, job, principal, 'failed', error, now);
      const approval = await scope.approvals.get(job.tenant_id, job.approval_id);
      const applied = await this.deps.runner.apply(
        scope,
        approval!,
        { type: 'job_failed', step: job.step_id, error },
        now,
        actorOf(principal),
      );
      return { status: 'failed', live: applied.live };
    });
  }

  private async claim(principal: WorkerPrincipal, capability: string): Promise<JobView | undefined> {
    const { store, clock, bus } = this.deps;
    const result = await retryOnConflict(() =>
      store.transaction(async (scope) => {
        const live: LiveEvent[] = [];
        for (;;) {
          const now = clock.now();
          const job = await scope.jobs.claimNext(principal.tenant_id, capability, worker(principal), now, now + LEASE_MS);
          if (job === undefined) return { view: undefined, live };
          if (job.attempts <= job.max_attempts) {
            const leased = [
              {
                type: 'job.leased',
                actor: actorOf(principal),
                subject: job.id,
                data: { step: job.step_id, attempt: job.attempts, key_id: principal.key_id },
              },
            ];
            await appendAudit(scope, job.tenant_id, leased, now);
            return { view: await this.view(scope, job), live };
          }
          // Its workers kept losing the lease: the step fails rather than being offered forever.
          live.push(...(await this.exhausted(scope, job, principal, now)));
        }
      }),
    );
    for (const event of result.live) bus.publish(event);
    return result.view;
  }

  /** Fails a job whose every attempt ended with a lost lease, and with it its step. */
  private async exhausted(scope: StoreScope, job: JobRecord, principal: WorkerPrincipal, now: number): Promise<LiveEvent[]> {
    const error = `every one of its ${job.max_attempts} attempts lost its lease (the workers stopped answering)`;
    await scope.jobs.settle(job.tenant_id, job.id, worker(principal), now, { status: 'failed', error });
    await appendAudit(
      scope,
      job.tenant_id,
      [{ type: 'job.failed', actor: 'system', subject: job.id, data: { step: job.step_id, error } }],
      now,
    );
    if (job.approval_id === null) {
      await this.deps.reviews.compensationSettled(scope, job, false, error, null, now);
      return [];
    }
    if (job.executes) await this.recordOutcome(scope, job, principal, 'failed', error, now);
    const approval = await scope.approvals.get(job.tenant_id, job.approval_id);
    return (await this.deps.runner.apply(scope, approval!, { type: 'job_failed', step: job.step_id, error }, now, 'system')).live;
  }

  private async view(scope: StoreScope, job: JobRecord): Promise<JobView> {
    const approval = job.approval_id === null ? undefined : await scope.approvals.get(job.tenant_id, job.approval_id);
    const state = approval?.state;
    const action = state === undefined || state === null ? await scope.actions.get(job.tenant_id, job.action_id) : undefined;
    const context: Record<string, unknown> = {};
    for (const step of state?.steps ?? []) if (step.type === 'worker' && step.status === 'done') context[step.id] = step.output;
    const view: JobView = {
      id: job.id,
      capability: job.capability,
      step: job.step_id,
      approval_id: job.approval_id,
      action_id: job.action_id,
      attempt: job.attempts,
      lease_expires_at: new Date(job.lease_until ?? 0).toISOString(),
      input: job.input,
      action: state?.action ?? action?.payload ?? {},
      digest: state?.digest ?? action?.digest ?? '',
      context,
    };
    if (job.executes) {
      const grant = await scope.grants.getByAction(job.tenant_id, job.action_id);
      if (grant !== undefined) view.grant = grantToken(this.deps.secret, grant.id, grant.digest);
    }
    return view;
  }

  /** The executing job is the execution: its grant is used and its result is the action's outcome. */
  private async recordOutcome(
    scope: StoreScope,
    job: JobRecord,
    principal: WorkerPrincipal,
    status: 'succeeded' | 'failed',
    detail: unknown,
    now: number,
  ): Promise<void> {
    const grant = await scope.grants.getByAction(job.tenant_id, job.action_id);
    // The grant is what makes the execution single: a used one means this action ran already.
    if (grant === undefined || !(await scope.grants.markUsed(job.tenant_id, grant.id, now))) {
      throw new TollgateError('grant.used', 'this action was executed already; its grant is used');
    }
    const outcome = { status, detail: typeof detail === 'string' ? detail : JSON.stringify(detail ?? null), reported_at: now };
    await scope.actions.transition(job.tenant_id, job.action_id, ['approved'], {
      status: status === 'succeeded' ? 'executed' : 'failed',
      outcome,
    });
    const audit: AuditDraft[] = [
      { type: 'action.outcome', actor: actorOf(principal), subject: job.action_id, data: { status, job_id: job.id } },
    ];
    const action = await scope.actions.get(job.tenant_id, job.action_id);
    if (action !== undefined)
      audit.push(
        ...(await recordOutcome(
          scope,
          this.deps.policies.for(job.tenant_id).current().bundle,
          action,
          status === 'succeeded' ? 'success' : 'failure',
          now,
          `job ${job.id}`,
        )),
      );
    await appendAudit(scope, job.tenant_id, audit, now);
  }

  private async settle(
    principal: WorkerPrincipal,
    id: string,
    work: (scope: StoreScope, job: JobRecord, now: number) => Promise<{ status: string; live: LiveEvent[] }>,
  ): Promise<{ status: string }> {
    const result = await retryOnConflict(() =>
      this.deps.store.transaction(async (scope) => {
        const job = await scope.jobs.get(principal.tenant_id, id);
        if (job === undefined) throw new TollgateError('job.not_found', `no job \`${id}\``);
        if (job.status !== 'leased' || job.worker !== principal.worker || job.worker_key_id !== principal.key_id)
          throw await this.whyNotHeld(scope, principal, job);
        return work(scope, job, this.deps.clock.now());
      }),
    );
    for (const event of result.live) this.deps.bus.publish(event);
    return { status: result.status };
  }

  /**
   * Why this worker does not hold the job. A lease is only ever given for a granted capability
   * and never to the requester's own name, so these are checked only once the lease is missing.
   */
  private async whyNotHeld(scope: Pick<StoreScope, 'actions'>, principal: WorkerPrincipal, job: JobRecord): Promise<TollgateError> {
    if (!principal.capabilities.includes(job.capability)) return notGranted(principal, job.capability);
    const action = await scope.actions.get(job.tenant_id, job.action_id);
    if (action?.agent === principal.worker)
      return new TollgateError(
        'job.own_request',
        `job \`${job.id}\` belongs to an action \`${principal.worker}\` requested; a requester never does its own request's jobs`,
      );
    return this.notHeld(job.id);
  }

  private notHeld(id: string): TollgateError {
    return new TollgateError(
      'job.lease_lost',
      `you no longer hold job \`${id}\` (its lease ran out and it was offered again, or it is finished)`,
    );
  }
}

/** The worker as its key names it: who holds a lease, and who produced an output. */
function worker(principal: WorkerPrincipal): WorkerRef {
  return { name: principal.worker, key_id: principal.key_id };
}

function notGranted(principal: WorkerPrincipal, capability: string): TollgateError {
  return new TollgateError(
    'job.capability_not_granted',
    `worker key \`${principal.key_id}\` does not serve capability \`${capability}\` (it serves ${principal.capabilities.map((c) => `\`${c}\``).join(', ')})`,
    { field: 'capability' },
  );
}
