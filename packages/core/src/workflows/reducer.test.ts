// The workflow reducer on the guide's production-deploy workflow and its variants: parallel
// stages, quorum and separation of duties, timeouts that deny, approve or escalate, delegation,
// modification within limits, worker failures, and replay of a recorded event log.

import { describe, expect, it } from 'vitest';
import { compilePolicy } from '../policy/load.js';
import type { WorkflowSpec } from '../policy/types.js';
import { actionDigestOf } from './modify.js';
import { nextTimer, reduceWorkflow } from './reducer.js';
import { singleStepWorkflow } from './single-step.js';
import type { Person, Transition, WorkflowEffect, WorkflowEvent, WorkflowState } from './state.js';

const GUIDE = `
workflow: production-deploy
steps:
  - id: ai-analysis
    type: worker
    config: { capability: deployment-analyzer }
  - id: tech-review
    type: approval
    depends_on: [ai-analysis]
    config: { approvers: [tech-lead, senior-engineer], require: 1, timeout: 4h, on_timeout: escalate, escalate_to: [engineering-managers, cto] }
  - id: security-review
    type: approval
    depends_on: [ai-analysis]
    config: { approvers: [security-team], require: 1, timeout: 8h, on_timeout: deny, modifiable: { replicas: { min: 1, max: 10 } } }
  - id: deploy
    type: worker
    depends_on: [tech-review, security-review]
    config: { capability: kubernetes-deploy }
`;
const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 10, 25, 9);

const workflowOf = (yaml: string): WorkflowSpec => Object.values(compilePolicy(yaml).bundle.workflows)[0]!;
const person = (id: string, groups: string[]): Person => ({ id, name: id, groups });
const alice = person('alice', ['tech-lead']);
const bob = person('bob', ['security-team']);
const carol = person('carol', ['tech-lead', 'security-team']);
const dave = person('dave', ['senior-engineer']);
const erin = person('erin', ['engineering-managers']);

const action = { agent: 'deploy-bot', action_type: 'deploy', environment: 'production', replicas: 4, requested_by: 'zoe' };

function ok(transition: Transition): { state: WorkflowState; effects: WorkflowEffect[] } {
  if (!transition.ok) throw new Error(`refused: ${transition.refusal.code}: ${transition.refusal.message}`);
  return transition;
}

function start(yaml = GUIDE, at = T0) {
  return ok(
    reduceWorkflow(
      null,
      { type: 'start', workflow: workflowOf(yaml), action, digest: actionDigestOf(action), requester: 'zoe', defaults: {} },
      at,
    ),
  );
}

const vote = (
  who: Person,
  verdict: 'approve' | 'deny' | 'request_changes',
  extra: Partial<Extract<WorkflowEvent, { type: 'vote' }>> = {},
): WorkflowEvent => ({
  type: 'vote',
  step: null,
  person: who,
  verdict,
  note: verdict === 'approve' ? null : 'not like this',
  modifications: null,
  digest: null,
  ...extra,
});

const stepStatus = (state: WorkflowState) => Object.fromEntries(state.steps.map((step) => [step.id, step.status]));
const types = (effects: WorkflowEffect[]) => effects.map((effect) => (effect.type === 'notify' ? `notify:${effect.event}` : effect.type));

describe('the guide’s production-deploy workflow', () => {
  it('runs the analysis, then both reviews in parallel, then the deploy with the grant', () => {
    const started = start();
    expect(stepStatus(started.state)).toEqual({
      'ai-analysis': 'active',
      'tech-review': 'waiting',
      'security-review': 'waiting',
      deploy: 'waiting',
    });
    expect(started.effects).toEqual([
      { type: 'dispatch_job', step: 'ai-analysis', capability: 'deployment-analyzer', input: {}, executes: false },
    ]);

    const analysed = ok(reduceWorkflow(started.state, { type: 'job_completed', step: 'ai-analysis', output: { risk: 'low' } }, T0 + 1000));
    expect(stepStatus(analysed.state)).toMatchObject({ 'tech-review': 'active', 'security-review': 'active' });
    expect(types(analysed.effects)).toEqual(['notify:requested', 'notify:requested']);
    expect(nextTimer(analysed.state)).toBe(T0 + 1000 + 4 * HOUR);

    const tech = ok(reduceWorkflow(analysed.state, vote(alice, 'approve'), T0 + 2000));
    expect(stepStatus(tech.state)['tech-review']).toBe('done');
    expect(tech.effects).toEqual([]);
    const security = ok(reduceWorkflow(tech.state, vote(bob, 'approve'), T0 + 3000));
    expect(security.state.status).toBe('approved');
    expect(types(security.effects)).toEqual(['issue_grant', 'notify:decided', 'dispatch_job']);
    expect(security.effects[2]).toMatchObject({ step: 'deploy', capability: 'kubernetes-deploy', executes: true });

    const deployed = ok(reduceWorkflow(security.state, { type: 'job_completed', step: 'deploy', output: 'rolled out' }, T0 + 4000));
    expect(deployed.state.status).toBe('completed');
    expect(deployed.effects).toEqual([{ type: 'finished', status: 'completed', resolution: null }]);
  });

  it('ends the request when one stage denies, and says which stage and why', () => {
    const analysed = ok(reduceWorkflow(start().state, { type: 'job_completed', step: 'ai-analysis', output: null }, T0));
    const denied = ok(reduceWorkflow(analysed.state, vote(bob, 'deny', { note: 'opens port 22' }), T0 + 1));
    expect(denied.state.status).toBe('denied');
    expect(denied.state.resolution).toBe('security-review: opens port 22');
    expect(stepStatus(denied.state)).toMatchObject({ 'tech-review': 'cancelled', deploy: 'cancelled' });
    const late = reduceWorkflow(denied.state, vote(alice, 'approve'), T0 + 2);
    expect(late).toMatchObject({ ok: false, refusal: { code: 'approval.closed' } });
  });

  it('times out the security review as a timeout, not as a denial by a person', () => {
    const analysed = ok(reduceWorkflow(start().state, { type: 'job_completed', step: 'ai-analysis', output: null }, T0));
    const techDone = ok(reduceWorkflow(analysed.state, vote(alice, 'approve'), T0 + 1));
    expect(ok(reduceWorkflow(techDone.state, { type: 'tick' }, T0 + 8 * HOUR - 1)).state.status).toBe('running');
    const timedOut = ok(reduceWorkflow(techDone.state, { type: 'tick' }, T0 + 8 * HOUR));
    expect(timedOut.state.status).toBe('timed_out');
    expect(timedOut.state.steps.find((step) => step.id === 'security-review')).toMatchObject({ status: 'timed_out', votes: [] });
    expect(types(timedOut.effects)).toEqual(['notify:timed_out', 'finished']);
  });

  it('escalates the tech review along its chain with a fresh timeout, then denies when the chain ends', () => {
    const analysed = ok(reduceWorkflow(start().state, { type: 'job_completed', step: 'ai-analysis', output: null }, T0));
    const first = ok(reduceWorkflow(analysed.state, { type: 'tick' }, T0 + 4 * HOUR));
    const tech = first.state.steps.find((step) => step.id === 'tech-review')!;
    expect(tech).toMatchObject({ status: 'active', approvers: ['engineering-managers'], escalations: 1, deadline: T0 + 8 * HOUR });
    expect(first.effects).toEqual([expect.objectContaining({ type: 'notify', event: 'escalated', approvers: ['engineering-managers'] })]);
    // The original approvers have handed over; the escalation group decides now.
    expect(reduceWorkflow(first.state, vote(alice, 'approve', { step: 'tech-review' }), T0 + 5 * HOUR)).toMatchObject({
      ok: false,
      refusal: { code: 'approval.not_eligible' },
    });
    expect(ok(reduceWorkflow(first.state, vote(erin, 'approve'), T0 + 5 * HOUR)).state.steps[1]!.status).toBe('done');

    const second = ok(reduceWorkflow(first.state, { type: 'tick' }, T0 + 8 * HOUR));
    // security-review (8 h) times out at the same moment: whichever ends the request first, it is a timeout.
    expect(second.state.status).toBe('timed_out');
  });

  it('lets a reviewer delegate to another eligible person, who then decides', () => {
    const analysed = ok(reduceWorkflow(start().state, { type: 'job_completed', step: 'ai-analysis', output: null }, T0));
    const delegated = ok(
      reduceWorkflow(
        analysed.state,
        { type: 'delegate', step: 'tech-review', from: alice, to: person('frank', []), note: 'on leave' },
        T0 + 1,
      ),
    );
    expect(delegated.effects).toEqual([expect.objectContaining({ type: 'notify', approvers: ['frank'] })]);
    expect(reduceWorkflow(delegated.state, vote(alice, 'approve', { step: 'tech-review' }), T0 + 2)).toMatchObject({
      ok: false,
      refusal: { code: 'approval.not_eligible' },
    });
    const decided = ok(reduceWorkflow(delegated.state, vote(person('frank', []), 'approve', { step: 'tech-review' }), T0 + 3));
    expect(decided.state.steps[1]!.status).toBe('done');
    expect(
      reduceWorkflow(analysed.state, { type: 'delegate', step: 'tech-review', from: alice, to: person('zoe', []), note: null }, T0),
    ).toMatchObject({
      ok: false,
      refusal: { code: 'approval.invalid_delegate' },
    });
  });

  it('accepts a modification within limits, gives the action a new digest, and refuses one out of bounds', () => {
    const analysed = ok(reduceWorkflow(start().state, { type: 'job_completed', step: 'ai-analysis', output: null }, T0));
    const tooMany = reduceWorkflow(analysed.state, vote(bob, 'approve', { modifications: { replicas: 40 } }), T0 + 1);
    expect(tooMany).toMatchObject({ ok: false, refusal: { code: 'approval.modification_refused', field: 'modifications.replicas' } });
    const other = reduceWorkflow(analysed.state, vote(bob, 'approve', { modifications: { environment: 'staging' } }), T0 + 1);
    expect(other).toMatchObject({ ok: false, refusal: { code: 'approval.modification_refused' } });
    const modified = ok(reduceWorkflow(analysed.state, vote(bob, 'approve', { modifications: { replicas: 2 } }), T0 + 1));
    expect(modified.state.action.replicas).toBe(2);
    expect(modified.state.digest).toBe(actionDigestOf({ ...action, replicas: 2 }));
    expect(modified.state.digest).not.toBe(analysed.state.digest);
    expect(modified.effects[0]).toMatchObject({ type: 'audit', event: 'action.modified' });
    // A vote on what the voter saw before the change is stale.
    expect(reduceWorkflow(modified.state, vote(alice, 'approve', { digest: analysed.state.digest }), T0 + 2)).toMatchObject({
      ok: false,
      refusal: { code: 'approval.stale_digest' },
    });
  });

  it('fails the request when a worker step fails', () => {
    const failed = ok(reduceWorkflow(start().state, { type: 'job_failed', step: 'ai-analysis', error: 'analyzer crashed' }, T0));
    expect(failed.state.status).toBe('failed');
    expect(failed.state.resolution).toBe('ai-analysis failed: analyzer crashed');
  });
});

describe('quorum and separation of duties', () => {
  const TWO = `
workflow: two-keys
steps:
  - id: first
    type: approval
    config: { approvers: [tech-lead, security-team], require: 2 }
  - id: second
    type: approval
    depends_on: [first]
    config: { approvers: [tech-lead, security-team, senior-engineer], require: 1 }
`;
  it('needs two distinct people and refuses the same person twice', () => {
    const started = start(TWO);
    const once = ok(reduceWorkflow(started.state, vote(alice, 'approve'), T0));
    expect(once.state.steps[0]!.status).toBe('active');
    expect(reduceWorkflow(once.state, vote(alice, 'approve'), T0)).toMatchObject({
      ok: false,
      refusal: { code: 'approval.already_voted' },
    });
    const twice = ok(reduceWorkflow(once.state, vote(bob, 'approve'), T0));
    expect(twice.state.steps[0]!.status).toBe('done');
    expect(twice.state.steps[1]!.status).toBe('active');
  });

  it('refuses the requester, and one person in two stages', () => {
    const started = start(TWO);
    expect(reduceWorkflow(started.state, vote(person('zoe', ['tech-lead']), 'approve'), T0)).toMatchObject({
      ok: false,
      refusal: { code: 'approval.self_approval' },
    });
    const first = ok(reduceWorkflow(ok(reduceWorkflow(started.state, vote(alice, 'approve'), T0)).state, vote(carol, 'approve'), T0));
    expect(reduceWorkflow(first.state, vote(carol, 'approve'), T0)).toMatchObject({
      ok: false,
      refusal: { code: 'approval.separation_of_duties' },
    });
    expect(ok(reduceWorkflow(first.state, vote(dave, 'approve'), T0)).state.status).toBe('completed');
  });

  it('refuses a vote that names no open stage and asks which stage when two are open to the voter', () => {
    const analysed = ok(reduceWorkflow(start().state, { type: 'job_completed', step: 'ai-analysis', output: null }, T0));
    expect(reduceWorkflow(analysed.state, vote(carol, 'approve'), T0)).toMatchObject({
      ok: false,
      refusal: { code: 'approval.step_required' },
    });
    expect(reduceWorkflow(analysed.state, vote(carol, 'approve', { step: 'deploy' }), T0)).toMatchObject({
      ok: false,
      refusal: { code: 'approval.unknown_step' },
    });
    expect(reduceWorkflow(analysed.state, vote(person('mallory', ['interns']), 'approve', { step: 'tech-review' }), T0)).toMatchObject({
      ok: false,
      refusal: { code: 'approval.not_eligible' },
    });
  });

  it('needs a reason to deny and feedback to request changes', () => {
    const single = start(`workflow: w\nsteps:\n  - id: approval\n    type: approval\n    config: { approvers: [tech-lead] }\n`);
    expect(reduceWorkflow(single.state, vote(alice, 'deny', { note: '  ' }), T0)).toMatchObject({
      ok: false,
      refusal: { code: 'vote.invalid', field: 'note' },
    });
    const changes = ok(reduceWorkflow(single.state, vote(alice, 'request_changes', { note: 'split the batch' }), T0));
    expect(changes.state).toMatchObject({ status: 'changes_requested', resolution: 'split the batch' });
  });
});

describe('timers', () => {
  const REMIND = `workflow: w\nsteps:\n  - id: approval\n    type: approval\n    config: { approvers: [tech-lead], timeout: 2h, on_timeout: approve, remind_before: 30m }\n`;
  it('reminds before the deadline, once, and approves on timeout when the policy says so', () => {
    const started = start(REMIND);
    expect(nextTimer(started.state)).toBe(T0 + 90 * 60_000);
    const reminded = ok(reduceWorkflow(started.state, { type: 'tick' }, T0 + 90 * 60_000));
    expect(types(reminded.effects)).toEqual(['notify:reminder']);
    expect(ok(reduceWorkflow(reminded.state, { type: 'tick' }, T0 + 100 * 60_000)).effects).toEqual([]);
    const approved = ok(reduceWorkflow(reminded.state, { type: 'tick' }, T0 + 2 * HOUR));
    expect(approved.state.status).toBe('completed');
    expect(approved.state.steps[0]).toMatchObject({ status: 'done', resolution: 'approved on timeout' });
    expect(types(approved.effects)).toContain('issue_grant');
  });

  it('uses the policy defaults for single-stage requests', () => {
    const policy = compilePolicy('defaults: { decision: REQUIRE_APPROVAL, approvers: [ops], timeout: 30m, on_timeout: deny }');
    const workflow = singleStepWorkflow(undefined, policy.bundle.defaults);
    const started = ok(
      reduceWorkflow(null, { type: 'start', workflow, action, digest: 'sha256:x', requester: null, defaults: policy.bundle.defaults }, T0),
    );
    expect(started.state.steps[0]).toMatchObject({ approvers: ['ops'], deadline: T0 + 30 * 60_000, on_timeout: 'deny' });
  });
});

describe('replay', () => {
  it('replays a recorded event log to the same state', () => {
    const log: [WorkflowEvent, number][] = [
      [{ type: 'start', workflow: workflowOf(GUIDE), action, digest: actionDigestOf(action), requester: 'zoe', defaults: {} }, T0],
      [{ type: 'job_completed', step: 'ai-analysis', output: { summary: '3 fixes' } }, T0 + 1000],
      [{ type: 'delegate', step: 'tech-review', from: alice, to: dave, note: null }, T0 + 2000],
      [{ type: 'tick' }, T0 + 3000],
      [vote(dave, 'approve', { step: 'tech-review' }), T0 + 4000],
      [vote(bob, 'approve', { modifications: { replicas: 3 }, note: 'fewer replicas' }), T0 + 5000],
      [{ type: 'job_completed', step: 'deploy', output: 'ok' }, T0 + 6000],
    ];
    const replay = (): WorkflowState => {
      let state: WorkflowState | null = null;
      for (const [event, at] of log) state = ok(reduceWorkflow(state, JSON.parse(JSON.stringify(event)), at)).state;
      return state!;
    };
    const first = replay();
    expect(first.status).toBe('completed');
    expect(first.action.replicas).toBe(3);
    expect(replay()).toEqual(first);
    expect(JSON.parse(JSON.stringify(first))).toEqual(first);
  });

  it('leaves the state untouched when it refuses an event', () => {
    const analysed = ok(reduceWorkflow(start().state, { type: 'job_completed', step: 'ai-analysis', output: null }, T0));
    const before = JSON.stringify(analysed.state);
    reduceWorkflow(analysed.state, vote(bob, 'approve', { modifications: { replicas: 99 } }), T0);
    expect(JSON.stringify(analysed.state)).toBe(before);
  });
});
