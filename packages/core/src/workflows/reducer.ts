// The workflow engine as a pure reducer: (state, event, now) → { state, effects }. It decides
// what happens; the server performs the effects (dispatch a job, notify, issue the grant, arm
// the next timer from `nextTimer`). A refused event changes nothing.

import type { ApprovalStep, WorkflowSpec } from './single-step.js';
import { checkEligible, hasDelegatedAway } from './eligibility.js';
import { actionDigestOf, checkModifications } from './modify.js';
import type {
  ApprovalStepState,
  Person,
  Refusal,
  RequestStatus,
  StepDefaults,
  StepState,
  Transition,
  WorkflowEffect,
  WorkflowEvent,
  WorkflowState,
} from './state.js';

const MAX_NOTE = 4000;

function refuse(code: string, message: string, field?: string): Transition {
  return { ok: false, refusal: { code, message, ...(field === undefined ? {} : { field }) } };
}

export function reduceWorkflow(previous: WorkflowState | null, event: WorkflowEvent, now: number): Transition {
  if (event.type === 'start') {
    if (previous !== null) return refuse('workflow.started', 'the workflow has started already');
    const state = initialState(event.workflow, event.action, event.digest, event.requester, event.defaults);
    const effects: WorkflowEffect[] = [];
    advance(state, now, effects);
    return { ok: true, state, effects };
  }
  if (previous === null) return refuse('workflow.not_started', 'the workflow has not started');
  // Work on a copy so that a refusal part-way leaves the caller's state untouched.
  const state = JSON.parse(JSON.stringify(previous)) as WorkflowState;
  const effects: WorkflowEffect[] = [];
  let refusal: Refusal | undefined;
  switch (event.type) {
    case 'vote':
      refusal = vote(state, event, now, effects);
      break;
    case 'delegate':
      refusal = delegate(state, event, now, effects);
      break;
    case 'job_completed':
    case 'job_failed':
      refusal = jobEnded(state, event, now, effects);
      break;
    case 'tick':
      tick(state, now, effects);
      break;
    case 'cancel':
      if (isOpen(state)) finish(state, 'cancelled', event.reason, now, effects);
      break;
  }
  if (refusal !== undefined) return { ok: false, refusal };
  return { ok: true, state, effects };
}

/** Whether people can still act on the request (approvals still outstanding). */
export function isOpen(state: WorkflowState): boolean {
  return state.status === 'running';
}

/** When the reducer next needs a `tick`: the earliest deadline or reminder of an active step. */
export function nextTimer(state: WorkflowState): number | null {
  if (state.status !== 'running') return null;
  let next: number | null = null;
  for (const step of state.steps) {
    if (step.type !== 'approval' || step.status !== 'active') continue;
    for (const at of [step.deadline, step.remind_at]) if (at !== null && (next === null || at < next)) next = at;
  }
  return next;
}

function initialState(
  workflow: WorkflowSpec,
  action: Record<string, unknown>,
  digest: string,
  requester: string | null,
  defaults: StepDefaults,
): WorkflowState {
  const approvalIds = workflow.steps.filter((step) => step.type === 'approval').map((step) => step.id);
  const ancestors = ancestorsOf(workflow);
  const steps: StepState[] = workflow.steps.map((step) => {
    if (step.type === 'worker') {
      const before = ancestors.get(step.id)!;
      return {
        id: step.id,
        type: 'worker',
        status: 'waiting',
        depends_on: step.depends_on,
        capability: step.config.capability,
        executes: approvalIds.length > 0 && approvalIds.every((id) => before.has(id)),
        timeout: step.config.timeout ?? null,
        input: step.config.input ?? {},
        output: null,
        started_at: null,
        ended_at: null,
        resolution: null,
      };
    }
    return approvalStep(step, defaults);
  });
  return {
    workflow: workflow.name,
    status: 'running',
    steps,
    action,
    digest,
    requester,
    approved_at: null,
    ended_at: null,
    resolution: null,
  };
}

function approvalStep(step: ApprovalStep, defaults: StepDefaults): ApprovalStepState {
  const { config } = step;
  const timeout = config.timeout ?? defaults.timeout ?? null;
  return {
    id: step.id,
    type: 'approval',
    status: 'waiting',
    depends_on: step.depends_on,
    approvers: config.approvers,
    require: config.require,
    timeout,
    on_timeout: config.on_timeout ?? (config.timeout === undefined ? defaults.on_timeout : undefined) ?? 'deny',
    escalate_to: config.escalate_to ?? defaults.escalate_to ?? [],
    remind_before: config.remind_before ?? null,
    distinct_from: config.distinct_from,
    criteria: config.criteria ?? [],
    modifiable: config.modifiable ?? {},
    votes: [],
    delegations: [],
    escalations: 0,
    deadline: null,
    remind_at: null,
    started_at: null,
    ended_at: null,
    resolution: null,
  };
}

/** For each step, every step it (transitively) depends on. */
function ancestorsOf(workflow: WorkflowSpec): Map<string, Set<string>> {
  const direct = new Map(workflow.steps.map((step) => [step.id, step.depends_on]));
  const memo = new Map<string, Set<string>>();
  const visit = (id: string): Set<string> => {
    const known = memo.get(id);
    if (known !== undefined) return known;
    const found = new Set<string>();
    memo.set(id, found);
    for (const parent of direct.get(id) ?? []) {
      found.add(parent);
      for (const further of visit(parent)) found.add(further);
    }
    return found;
  };
  for (const step of workflow.steps) visit(step.id);
  return memo;
}

function armTimers(step: ApprovalStepState, now: number): void {
  step.deadline = step.timeout === null ? null : now + step.timeout;
  step.remind_at =
    step.deadline !== null && step.remind_before !== null && step.remind_before < step.timeout! ? step.deadline - step.remind_before : null;
}

/** Starts every step whose dependencies are done, issues the grant when the approvals are all in, and ends the request when every step is done. */
function advance(state: WorkflowState, now: number, effects: WorkflowEffect[]): void {
  for (let changed = true; changed && isLive(state);) {
    changed = false;
    const approvalsDone = state.steps.every((step) => step.type !== 'approval' || step.status === 'done');
    if (approvalsDone && state.approved_at === null && state.steps.some((step) => step.type === 'approval')) {
      state.approved_at = now;
      state.status = 'approved';
      effects.push({ type: 'issue_grant' }, { type: 'notify', event: 'decided', step: null, approvers: [], detail: 'approved' });
    }
    for (const step of state.steps) {
      if (step.status !== 'waiting') continue;
      const ready = step.depends_on.every((id) => state.steps.find((other) => other.id === id)?.status === 'done');
      if (!ready) continue;
      changed = true;
      step.status = 'active';
      step.started_at = now;
      if (step.type === 'worker') {
        effects.push({ type: 'dispatch_job', step: step.id, capability: step.capability, input: step.input, executes: step.executes });
      } else {
        armTimers(step, now);
        effects.push({
          type: 'notify',
          event: 'requested',
          step: step.id,
          approvers: step.approvers,
          detail: `waiting for ${step.require} of ${step.approvers.join(', ') || 'any approver'}`,
        });
      }
    }
  }
  if (isLive(state) && state.steps.every((step) => step.status === 'done')) {
    // A workflow with no approval step at all is approved when its last step is done.
    if (state.approved_at === null) {
      state.approved_at = now;
      effects.push({ type: 'issue_grant' });
    }
    finish(state, 'completed', null, now, effects);
  }
}

/** Running (waiting for people) or approved (the executing steps still to finish). */
function isLive(state: WorkflowState): boolean {
  return state.status === 'running' || state.status === 'approved';
}

function finish(state: WorkflowState, status: RequestStatus, resolution: string | null, now: number, effects: WorkflowEffect[]): void {
  state.status = status;
  state.ended_at = now;
  state.resolution = resolution;
  for (const step of state.steps) {
    if (step.status === 'active' || step.status === 'waiting') {
      step.status = 'cancelled';
      step.ended_at = now;
    }
  }
  if (status !== 'completed')
    effects.push({ type: 'notify', event: status === 'timed_out' ? 'timed_out' : 'decided', step: null, approvers: [], detail: status });
  effects.push({ type: 'finished', status, resolution });
}

/** The approval step a vote or delegation is about: the one named, or the only one open to this person. */
function stepFor(state: WorkflowState, name: string | null, person: Person): ApprovalStepState | Refusal {
  const approvals = state.steps.filter((step): step is ApprovalStepState => step.type === 'approval');
  if (name !== null) {
    const step = approvals.find((candidate) => candidate.id === name);
    if (step === undefined)
      return { code: 'approval.unknown_step', message: `this request has no approval step \`${name}\``, field: 'step' };
    if (step.status !== 'active')
      return {
        code: 'approval.step_not_active',
        message: `step \`${name}\` is ${step.status === 'waiting' ? 'not open yet' : step.status.replace('_', ' ')}`,
        field: 'step',
      };
    return step;
  }
  const active = approvals.filter((step) => step.status === 'active');
  if (active.length === 1) return active[0]!;
  if (active.length === 0) return { code: 'approval.closed', message: 'no stage of this request is waiting for a decision' };
  const open = active.filter((step) => checkEligible(state, step, person) === undefined);
  if (open.length === 1) return open[0]!;
  if (open.length === 0) return checkEligible(state, active[0]!, person)!;
  return {
    code: 'approval.step_required',
    message: `name the stage you decide: ${open.map((step) => `\`${step.id}\``).join(' or ')}`,
    field: 'step',
  };
}

function vote(
  state: WorkflowState,
  event: Extract<WorkflowEvent, { type: 'vote' }>,
  now: number,
  effects: WorkflowEffect[],
): Refusal | undefined {
  if (!isOpen(state)) return { code: 'approval.closed', message: `this request is ${state.status.replace('_', ' ')} already` };
  if (event.digest !== null && event.digest !== state.digest) {
    return {
      code: 'approval.stale_digest',
      message: 'the action changed since you looked at it; reload and decide again',
      field: 'digest',
    };
  }
  const note = event.note?.trim() ?? '';
  if (event.note !== null && event.note.length > MAX_NOTE)
    return { code: 'vote.invalid', message: `\`note\` is longer than ${MAX_NOTE} characters`, field: 'note' };
  if (event.verdict === 'deny' && note === '') return { code: 'vote.invalid', message: 'a denial needs a reason in `note`', field: 'note' };
  if (event.verdict === 'request_changes' && note === '')
    return { code: 'vote.invalid', message: 'a request for changes needs the feedback in `note`', field: 'note' };
  const found = stepFor(state, event.step, event.person);
  if ('code' in found) return found;
  const step = found;
  const ineligible = checkEligible(state, step, event.person);
  if (
    ineligible !== undefined &&
    !(event.elicited === true && ineligible.code === 'approval.not_eligible' && hasDelegatedAway(step, event.person) === undefined)
  )
    return ineligible;
  if (event.modifications !== null) {
    if (event.verdict !== 'approve')
      return { code: 'vote.invalid', message: 'only an approval can carry `modifications`', field: 'modifications' };
    const refused = checkModifications(event.modifications, step.modifiable, state.action);
    if (refused !== undefined) return refused;
    const before = state.digest;
    state.action = { ...state.action, ...event.modifications, ...(event.derived ?? {}) };
    state.digest = actionDigestOf(state.action);
    effects.push({
      type: 'audit',
      event: 'action.modified',
      data: {
        step: step.id,
        by: event.person.id,
        changes: event.modifications,
        ...(event.derived == null ? {} : { derived: event.derived }),
        from_digest: before,
        digest: state.digest,
      },
    });
  }
  step.votes.push({
    user_id: event.person.id,
    name: event.person.name,
    verdict: event.verdict,
    note: note === '' ? null : note,
    modifications: event.modifications,
    at: now,
  });
  if (event.verdict === 'deny') {
    endStep(step, 'denied', note, now);
    finish(state, 'denied', `${stagePrefix(state, step.id)}${note}`, now, effects);
  } else if (event.verdict === 'request_changes') {
    endStep(step, 'changes_requested', note, now);
    finish(state, 'changes_requested', note, now, effects);
  } else if (step.votes.filter((entry) => entry.verdict === 'approve').length >= step.require) {
    endStep(step, 'done', null, now);
    advance(state, now, effects);
  }
  return undefined;
}

/** "security-review: " when the request has several stages, so the agent is told which one decided. */
function stagePrefix(state: WorkflowState, stepId: string): string {
  return state.steps.filter((step) => step.type === 'approval').length > 1 ? `${stepId}: ` : '';
}

function endStep(step: StepState, status: StepState['status'], resolution: string | null, now: number): void {
  step.status = status;
  step.ended_at = now;
  step.resolution = resolution;
  if (step.type === 'approval') {
    step.deadline = null;
    step.remind_at = null;
  }
}

function delegate(
  state: WorkflowState,
  event: Extract<WorkflowEvent, { type: 'delegate' }>,
  now: number,
  effects: WorkflowEffect[],
): Refusal | undefined {
  if (!isOpen(state)) return { code: 'approval.closed', message: `this request is ${state.status.replace('_', ' ')} already` };
  const found = stepFor(state, event.step, event.from);
  if ('code' in found) return found;
  const step = found;
  const ineligible = checkEligible(state, step, event.from);
  if (ineligible !== undefined) return ineligible;
  if (event.to.id === event.from.id) return { code: 'approval.invalid_delegate', message: 'you cannot delegate to yourself', field: 'to' };
  const target = checkEligibleDelegate(state, step, event.to);
  if (target !== undefined) return target;
  step.delegations.push({ from: event.from.id, to: event.to.id, note: event.note, at: now });
  effects.push({ type: 'notify', event: 'requested', step: step.id, approvers: [event.to.id], detail: `delegated by ${event.from.name}` });
  return undefined;
}

/** A delegate must be someone who could decide the step if it were theirs. */
function checkEligibleDelegate(state: WorkflowState, step: ApprovalStepState, person: Person): Refusal | undefined {
  const refusal = checkEligible(state, step, person);
  if (refusal === undefined) return undefined;
  // Not being an approver is what delegation fixes; every other reason stands.
  if (refusal.code === 'approval.not_eligible' && !step.delegations.some((delegation) => delegation.from === person.id)) return undefined;
  return {
    code: 'approval.invalid_delegate',
    message: `\`${person.name}\` cannot take this decision: ${refusal.message.replace(/^you /, 'they ')}`,
    field: 'to',
  };
}

function jobEnded(
  state: WorkflowState,
  event: Extract<WorkflowEvent, { type: 'job_completed' | 'job_failed' }>,
  now: number,
  effects: WorkflowEffect[],
): Refusal | undefined {
  const step = state.steps.find((candidate) => candidate.id === event.step);
  if (step === undefined || step.type !== 'worker') return { code: 'job.unknown_step', message: `no worker step \`${event.step}\`` };
  if (step.status !== 'active') return { code: 'job.not_active', message: `step \`${step.id}\` is ${step.status}` };
  if (event.type === 'job_completed') {
    step.output = event.output;
    step.worker = event.worker ?? null;
    endStep(step, 'done', null, now);
    advance(state, now, effects);
  } else {
    endStep(step, 'failed', event.error, now);
    finish(state, 'failed', `${step.id} failed: ${event.error}`, now, effects);
  }
  return undefined;
}

function tick(state: WorkflowState, now: number, effects: WorkflowEffect[]): void {
  for (const step of state.steps) {
    if (!isOpen(state)) return;
    if (step.type !== 'approval' || step.status !== 'active') continue;
    if (step.remind_at !== null && step.remind_at <= now && (step.deadline === null || now < step.deadline)) {
      step.remind_at = null;
      effects.push({
        type: 'notify',
        event: 'reminder',
        step: step.id,
        approvers: step.approvers,
        detail: `decision due ${step.deadline === null ? '' : new Date(step.deadline).toISOString()}`,
      });
    }
    if (step.deadline === null || step.deadline > now) continue;
    if (step.on_timeout === 'approve') {
      endStep(step, 'done', 'approved on timeout', now);
      effects.push({ type: 'audit', event: 'approval.step_timed_out', data: { step: step.id, on_timeout: 'approve' } });
      advance(state, now, effects);
    } else if (step.on_timeout === 'escalate' && step.escalate_to.length > 0) {
      const [next, ...rest] = step.escalate_to;
      step.approvers = [next!];
      step.escalate_to = rest;
      step.escalations += 1;
      armTimers(step, now);
      effects.push({
        type: 'notify',
        event: 'escalated',
        step: step.id,
        approvers: step.approvers,
        detail: `no decision in time; escalated to ${next}`,
      });
    } else {
      const how = step.on_timeout === 'escalate' ? 'escalation chain ended' : 'on_timeout: deny';
      endStep(step, 'timed_out', `no decision before the deadline (${how})`, now);
      finish(state, 'timed_out', `${step.id}: no decision before the deadline (${how})`, now, effects);
    }
  }
}
