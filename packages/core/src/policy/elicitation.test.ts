// `elicitation`: whether an MCP client's own user may answer a request in the client, on rules,
// workflows and defaults, checked at load, carried on the decision's route and bounded by risk;
// and the reducer taking such an answer as a vote from someone who is not a named approver.
import { describe, expect, it } from 'vitest';
import { compilePolicy, elicitationAllows, formatDiagnostic, loadPolicy, reduceWorkflow, singleStepWorkflow } from '../index.js';

const POLICY = `
defaults:
  decision: ALLOW
  approvers: [ops]
rules:
  - name: restart
    match: { action_type: restart }
    decision: REQUIRE_APPROVAL
    elicitation: allowed
  - name: drop
    match: { action_type: drop_table }
    decision: REQUIRE_APPROVAL
    elicitation: { allowed: true, max_risk: medium }
    risk: high
  - name: deploy
    match: { action_type: deploy }
    decision: REQUIRE_APPROVAL
    workflow: release
  - name: plain
    match: { action_type: refund }
    decision: REQUIRE_APPROVAL
workflows:
  release:
    elicitation: { allowed: true }
    steps:
      - id: lead
        type: approval
        config: { approvers: [leads] }
`;

describe('elicitation on the route', () => {
  const policy = compilePolicy({ path: 'policy.yaml', text: POLICY });

  it("carries the rule's word, and the defaults' approvers still decide who else may", () => {
    const decided = policy.evaluate({ action_type: 'restart' });
    expect(decided.route?.elicitation).toEqual({ allowed: true });
    expect(elicitationAllows(decided.route, decided.risk)).toBe(true);
    expect(singleStepWorkflow(decided.route, policy.bundle.defaults).steps[0]).toMatchObject({ config: { approvers: ['ops'] } });
  });

  it('refuses a risk above `max_risk`', () => {
    const decided = policy.evaluate({ action_type: 'drop_table' });
    expect(decided.route?.elicitation).toEqual({ allowed: true, max_risk: 'medium' });
    expect(elicitationAllows(decided.route, 'high')).toBe(false);
    expect(elicitationAllows(decided.route, 'medium')).toBe(true);
    expect(elicitationAllows(decided.route, null)).toBe(false);
  });

  it("takes the named workflow's word, and says nothing where nobody allowed it", () => {
    expect(policy.evaluate({ action_type: 'deploy' }).route?.elicitation).toEqual({ allowed: true });
    const plain = policy.evaluate({ action_type: 'refund' });
    expect(plain.route?.elicitation).toBeUndefined();
    expect(elicitationAllows(plain.route, 'low')).toBe(false);
  });

  it("falls back to the defaults' word", () => {
    const withDefault = compilePolicy({
      path: 'p.yaml',
      text: 'defaults:\n  decision: REQUIRE_APPROVAL\n  elicitation: allowed\nrules: []\n',
    });
    expect(withDefault.evaluate({ action_type: 'x' }).route?.elicitation).toEqual({ allowed: true });
  });

  it.each([
    ['elicitation: sometimes', 'policy.wrong_type', 5],
    ['elicitation: { allowed: yes please }', 'policy.wrong_type', 5],
    ['elicitation: { allowed: true, max_risk: huge }', 'policy.unknown_risk', 5],
    ['elicitation: { allowed: true, when: always }', 'policy.unknown_key', 5],
  ])('refuses `%s`, naming the line', (line, code, at) => {
    const result = loadPolicy({
      path: 'p.yaml',
      text: `rules:\n  - name: r\n    match: { action_type: x }\n    decision: REQUIRE_APPROVAL\n    ${line}\n`,
    });
    expect(result.ok).toBe(false);
    expect(result.diagnostics.map(formatDiagnostic).join('\n')).toMatch(new RegExp(`p\\.yaml:${at}:.*${code.replace('.', '\\.')}`));
  });
});

describe('an elicited vote in the workflow', () => {
  const policy = compilePolicy({ path: 'policy.yaml', text: POLICY });
  const workflow = singleStepWorkflow(policy.evaluate({ action_type: 'restart' }).route, policy.bundle.defaults);
  const started = reduceWorkflow(
    null,
    { type: 'start', workflow, action: { action_type: 'restart' }, digest: 'sha256:a', requester: 'bot', defaults: {} },
    0,
  );
  if (!started.ok) throw new Error('did not start');
  const client = { id: 'elicited:bot', name: 'dev (MCP client)', groups: [] };
  const vote = (elicited: boolean, person = client) =>
    reduceWorkflow(
      started.state,
      { type: 'vote', step: null, person, verdict: 'approve', note: null, modifications: null, digest: 'sha256:a', elicited },
      1,
    );

  it('counts the answer although the person is not one of the approvers', () => {
    const done = vote(true);
    expect(done.ok && done.state.status).toBe('completed');
  });

  it('is refused as any other vote without the flag, and for the requester even with it', () => {
    const plain = vote(false);
    expect(!plain.ok && plain.refusal.code).toBe('approval.not_eligible');
    const self = vote(true, { id: 'bot', name: 'bot', groups: [] });
    expect(!self.ok && self.refusal.code).toBe('approval.self_approval');
  });
});
