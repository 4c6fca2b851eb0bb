// Runs the core's workflow reducer against the store: feeds it one event inside the caller's
// transaction, logs the event, performs the effects it asks for (jobs, grant, statuses, audit)
// and returns the live events to publish once the transaction has committed.

import {
  nextTimer,
  reduceWorkflow,
  singleStepWorkflow,
  type RequestStatus,
  type StepDefaults,
  type WorkflowEffect,
  type WorkflowEvent,
  type WorkflowSpec,
  type WorkflowState,
} from '@tollgate/core';
import { TollgateError } from '../errors.js';
import type { ActionStatus, ApprovalRecord, ApprovalStatus, AssignmentRecord, JobRecord } from '../stores/records.js';
import type { StoreScope } from '../stores/store.js';
import { newId } from '../util/ids.js';
import { appendAudit, type AuditDraft } from './audit-chain.js';
import type { LiveEvent } from './event-bus.js';
import { newGrant } from './grants.js';
import { assignStep } from './routing.js';
import { recordOutcome } from './autonomy-service.js';
import { ConcurrentChange } from './concurrency.js';
import type { TenantPolicies } from './tenant-policies.js';
import type { NotificationRouter } from '../notify/router.js';

export const JOB_MAX_ATTEMPTS = 3;

const APPROVAL_STATUS: Record<RequestStatus, ApprovalStatus> = {
  running: 'pending',
  approved: 'approved',
  completed: 'approved',
  denied: 'denied',
  changes_requested: 'changes_requested',
  timed_out: 'timed_out',
  failed: 'failed',
  cancelled: 'cancelled',
};

/** The action's status once its request ended this way (before any executing step reports). */
const ACTION_STATUS: Partial<Record<RequestStatus, ActionStatus>> = {
  denied: 'denied',
  changes_requested: 'changes_requested',
  timed_out: 'timed_out',
  cancelled: 'cancelled',
};

export interface Applied {
  approval: ApprovalRecord;
  live: LiveEvent[];
  /** The assignments routing made for this event (for a new request, all it has). */
  assigned: AssignmentRecord[];
}

/** The people currently asked to decide: the approvers of every open stage. */
export function currentApprovers(state: WorkflowState): string[] {
  const open = state.steps.flatMap((step) =>
    step.type === 'approval' && step.status === 'active' ? [...step.approvers, ...step.delegations.map((d) => d.to)] : [],
  );
  return [...new Set(open)];
}

/** The reducer's transition for `event`; its refusal as a TollgateError. */
function reduced(previous: WorkflowState | null, event: WorkflowEvent, now: number): { state: WorkflowState; effects: WorkflowEffect[] } {
  const transition = reduceWorkflow(previous, event, now);
  if (!transition.ok) {
    const { code, message, field } = transition.refusal;
    throw new TollgateError(code, message, field === undefined ? undefined : { field });
  }
  return transition;
}

/** The request as `state` leaves it, one version on. */
function advanced(approval: ApprovalRecord, state: WorkflowState, now: number): ApprovalRecord {
  return {
    ...approval,
    state,
    status: APPROVAL_STATUS[state.status],
    digest: state.digest,
    approvers: state.status === 'running' ? currentApprovers(state) : approval.approvers,
    deadline: nextTimer(state),
    decided_at: state.status === 'running' ? null : (approval.decided_at ?? now),
    resolution: state.resolution,
    version: approval.version + 1,
  };
}

export class WorkflowRunner {
  constructor(
    private readonly secret: string,
    private readonly policies: TenantPolicies,
    /** Writes the messages notify effects cause, in the same transaction (the outbox). */
    private readonly notifications?: NotificationRouter,
  ) {}

  /**
   * Starts a request's workflow: its first state is computed before the request is written, so the
   * request is inserted once, already at version 1 with the start as its first logged event.
   */
  async start(
    scope: StoreScope,
    approval: Omit<ApprovalRecord, 'state' | 'status' | 'deadline' | 'version'>,
    input: { workflow: WorkflowSpec; action: Record<string, unknown>; requester: string | null; defaults: StepDefaults },
    now: number,
  ): Promise<Applied> {
    const event: WorkflowEvent = {
      type: 'start',
      workflow: input.workflow,
      action: input.action,
      digest: approval.digest,
      requester: input.requester,
      defaults: input.defaults,
    };
    const record: ApprovalRecord = { ...approval, status: 'pending', deadline: null, version: 0, state: null };
    const { state, effects } = reduced(null, event, now);
    const updated = advanced(record, state, now);
    await scope.approvals.insert(updated);
    await scope.approvalEvents.append({ approval_id: record.id, seq: updated.version, tenant_id: record.tenant_id, event, at: now });
    const requested: AuditDraft = {
      type: 'approval.requested',
      actor: 'system',
      subject: record.id,
      data: { action_id: record.action_id, workflow: input.workflow.name, digest: record.digest },
    };
    return this.perform(scope, { record, updated, previous: null, event, effects, audit: [requested] }, now, 'system');
  }

  /**
   * Feeds `event` to the request's workflow; throws the reducer's refusal as a TollgateError.
   * With `options.collectAudit`, audit entries are handed to it instead of appended, so that a
   * caller applying many events (the timer sweep) can append them in one go.
   */
  async apply(
    scope: StoreScope,
    approval: ApprovalRecord,
    event: WorkflowEvent,
    now: number,
    actor: string,
    options: { collectAudit?: (drafts: AuditDraft[]) => void } = {},
  ): Promise<Applied> {
    let previous = approval.state;
    if (previous === null && event.type !== 'start') previous = await this.legacyState(scope, approval, now);
    const { state, effects } = reduced(previous, event, now);
    const updated = advanced(approval, state, now);
    // Written first: on PostgreSQL the row stays locked until commit, so a concurrent change waits
    // here and then finds the version moved on, instead of racing through the effects.
    const written = await scope.approvals.update(approval.tenant_id, approval.id, approval.version, {
      state,
      status: updated.status,
      digest: updated.digest,
      approvers: updated.approvers,
      deadline: updated.deadline,
      decided_at: updated.decided_at,
      resolution: updated.resolution,
    });
    if (!written) throw new ConcurrentChange();
    // Every event moves the version on by exactly one, so the version numbers the event log.
    await scope.approvalEvents.append({ approval_id: approval.id, seq: updated.version, tenant_id: approval.tenant_id, event, at: now });
    return this.perform(scope, { record: approval, updated, previous, event, effects, audit: [] }, now, actor, options);
  }

  /** Carries out what one event asked for, after the request's new state is written. */
  private async perform(
    scope: StoreScope,
    step: {
      record: ApprovalRecord;
      updated: ApprovalRecord;
      previous: WorkflowState | null;
      event: WorkflowEvent;
      effects: WorkflowEffect[];
      audit: AuditDraft[];
    },
    now: number,
    actor: string,
    options: { collectAudit?: (drafts: AuditDraft[]) => void } = {},
  ): Promise<Applied> {
    const { record: approval, updated, previous, event, effects, audit } = step;
    const state = updated.state!;
    const live: LiveEvent[] = [];
    const assigned: AssignmentRecord[] = [];
    const routed: string[] = [];
    const consequences: AuditDraft[] = [];
    const base = { tenant_id: approval.tenant_id, approval_id: approval.id, action_id: approval.action_id, at: now };
    // A vote, from any door, is noted on the tickets the request opened (Jira, ServiceNow).
    if (event.type === 'vote' && this.notifications !== undefined)
      await this.notifications.note(scope, updated, { event: 'voted', detail: voteDetail(event), step: event.step }, now);
    for (const effect of effects) {
      switch (effect.type) {
        case 'dispatch_job': {
          const job = this.job(approval, effect.step, effect.capability, effect.input, effect.executes, now);
          // Compensation jobs carry no request; these always do.
          await scope.jobs.insert(job);
          audit.push({
            type: 'job.queued',
            actor: 'system',
            subject: job.id,
            data: { approval_id: approval.id, step: effect.step, capability: effect.capability },
          });
          live.push({ ...base, type: 'job.queued', data: { job_id: job.id, capability: effect.capability, step: effect.step } });
          break;
        }
        case 'issue_grant': {
          const grant = newGrant(this.secret, approval.tenant_id, approval.action_id, approval.id, state.digest, now);
          await scope.grants.insert(grant);
          await scope.actions.transition(approval.tenant_id, approval.action_id, ['pending'], { status: 'approved', decided_at: now });
          // Recorded after what caused it (the decision, below), whatever order the effects come in.
          consequences.push({
            type: 'grant.issued',
            actor: 'system',
            subject: approval.action_id,
            data: { grant_id: grant.id, digest: grant.digest, expires_at: grant.expires_at },
          });
          live.push({ ...base, type: 'approval.decided', status: 'approved' });
          break;
        }
        case 'finished': {
          // A step failing before the approvals ends the request undecided; after them, the execution failed.
          const actionStatus =
            ACTION_STATUS[effect.status] ??
            (effect.status === 'failed' ? (state.approved_at === null ? 'cancelled' : 'failed') : undefined);
          if (actionStatus !== undefined)
            await scope.actions.transition(approval.tenant_id, approval.action_id, ['pending', 'approved'], {
              status: actionStatus,
              decided_at: now,
            });
          // Only a worker step that has started has a job, which may still be open (saves a statement
          // per request for workflows without workers, e.g. each of a sweep's timeouts).
          if (state.steps.some((s) => s.type === 'worker' && s.started_at !== null))
            await scope.jobs.cancelOpen(approval.tenant_id, approval.id, now);
          // A person's denial or request for changes counts in the agent's track record.
          if ((effect.status === 'denied' || effect.status === 'changes_requested') && event.type === 'vote') {
            const action = await scope.actions.get(approval.tenant_id, approval.action_id);
            if (action !== undefined)
              audit.push(
                ...(await recordOutcome(
                  scope,
                  this.policies.for(approval.tenant_id).current().bundle,
                  action,
                  effect.status === 'denied' ? 'denial' : 'changes_requested',
                  now,
                  `request ${approval.id}`,
                )),
              );
          }
          audit.push({
            type: effect.status === 'timed_out' ? 'approval.timed_out' : 'approval.decided',
            actor,
            subject: approval.id,
            data: { status: effect.status, resolution: effect.resolution, action_id: approval.action_id },
          });
          if (effect.status !== 'completed' && effect.status !== 'approved') {
            live.push({
              ...base,
              type: effect.status === 'timed_out' ? 'approval.timed_out' : 'approval.decided',
              status: APPROVAL_STATUS[effect.status],
            });
          }
          break;
        }
        case 'notify':
          if (this.notifications !== undefined) await this.notifications.plan(scope, updated, state, effect, now);
          if (event.type === 'delegate' && effect.step !== null) {
            // A delegation routes the stage to the person chosen, whatever the load.
            await scope.assignments.add([
              {
                approval_id: approval.id,
                step_id: effect.step,
                user_id: event.to.id,
                tenant_id: approval.tenant_id,
                assigned_at: now,
                closed_at: null,
              },
            ]);
          } else if ((effect.event === 'requested' || effect.event === 'escalated') && effect.step !== null) {
            routed.push(effect.step);
          }
          if (effect.event === 'escalated' && effect.step !== null)
            await scope.assignments.close(approval.tenant_id, approval.id, effect.step, now);
          if (effect.event === 'requested' || effect.event === 'escalated' || effect.event === 'reminder') {
            live.push({
              ...base,
              type:
                effect.event === 'requested'
                  ? 'approval.requested'
                  : effect.event === 'escalated'
                    ? 'approval.escalated'
                    : 'approval.reminder',
              status: 'pending',
              data: { step: effect.step, approvers: effect.approvers, detail: effect.detail },
            });
            if (effect.event !== 'requested')
              audit.push({
                type: `approval.${effect.event}`,
                actor: 'system',
                subject: approval.id,
                data: { step: effect.step, approvers: effect.approvers, detail: effect.detail },
              });
          }
          break;
        case 'audit':
          audit.push({ type: effect.event, actor, subject: approval.id, data: effect.data });
          break;
      }
    }
    audit.push(...consequences);
    for (const step of state.steps) {
      const before = previous?.steps.find((candidate) => candidate.id === step.id)?.status;
      if (step.type === 'approval' && before === 'active' && step.status !== 'active')
        await scope.assignments.close(approval.tenant_id, approval.id, step.id, now);
    }
    for (const stepId of new Set(routed)) {
      const routing = await assignStep(scope, this.policies.for(approval.tenant_id).current().bundle, updated, state, stepId, now);
      assigned.push(...routing.assigned);
      audit.push(...routing.audit);
    }
    if (options.collectAudit !== undefined) options.collectAudit(audit);
    else if (audit.length > 0) await appendAudit(scope, approval.tenant_id, audit, now);
    return { approval: updated, live, assigned };
  }

  private job(
    approval: ApprovalRecord,
    step: string,
    capability: string,
    input: Record<string, unknown>,
    executes: boolean,
    now: number,
  ): JobRecord {
    return {
      id: newId('job', now),
      tenant_id: approval.tenant_id,
      approval_id: approval.id,
      action_id: approval.action_id,
      step_id: step,
      capability,
      executes,
      input,
      status: 'queued',
      attempts: 0,
      max_attempts: JOB_MAX_ATTEMPTS,
      worker: null,
      worker_key_id: null,
      lease_until: null,
      output: null,
      error: null,
      created_at: now,
      updated_at: now,
    };
  }

  /** A request stored before workflows existed runs as the single stage it was. */
  private async legacyState(scope: StoreScope, approval: ApprovalRecord, now: number): Promise<WorkflowState> {
    const action = await scope.actions.get(approval.tenant_id, approval.action_id);
    const workflow = singleStepWorkflow({ approvers: approval.approvers, require: approval.require, criteria: approval.criteria }, {});
    const started = reduceWorkflow(
      null,
      { type: 'start', workflow, action: action?.payload ?? {}, digest: approval.digest, requester: null, defaults: {} },
      approval.created_at,
    );
    if (!started.ok) throw new TollgateError('server.internal', 'cannot rebuild the request');
    const state = started.state;
    if (approval.deadline !== null) for (const step of state.steps) if (step.type === 'approval') step.deadline = approval.deadline;
    void now;
    return state;
  }
}

const VERDICT_WORDS: Record<string, string> = { approve: 'approved', deny: 'denied', request_changes: 'requested changes' };

/** "alice approved: checked the payee": what a vote comes to, for a ticket's comment. */
function voteDetail(event: Extract<WorkflowEvent, { type: 'vote' }>): string {
  const done = `${event.person.name} ${VERDICT_WORDS[event.verdict] ?? event.verdict}`;
  return event.note === null || event.note.trim() === '' ? done : `${done}: ${event.note}`;
}
