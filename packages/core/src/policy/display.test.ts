// `display`: the fields a policy asks people to be shown first, on rules, environments, exceptions,
// defaults and workflows, checked at load and carried whole on the decision's route.
import { describe, expect, it } from 'vitest';
import { compilePolicy, formatDiagnostic, loadPolicy } from '../index.js';

const POLICY = `
defaults:
  decision: ALLOW
  display: [ticket]
rules:
  - name: big-refund
    match: { action_type: refund, amount_usd: { gt: 1000 } }
    decision: REQUIRE_APPROVAL
    approvers: [finance]
    display: [payee, params.reference]
  - name: deploy
    match: { action_type: deploy }
    decision: REQUIRE_APPROVAL
    workflow: release
  - name: plain
    match: { action_type: restart }
    decision: REQUIRE_APPROVAL
workflows:
  release:
    display: [version, ticket]
    steps:
      - id: lead
        type: approval
        config: { approvers: [leads] }
`;

describe('display lists', () => {
  const policy = compilePolicy({ path: 'policy.yaml', text: POLICY });

  it("carries the rule's list with the defaults' on the decision", () => {
    const decided = policy.evaluate({ action_type: 'refund', amount_usd: 5000 });
    expect(decided.route?.display).toEqual(['payee', 'params.reference', 'ticket']);
    // The list does not change who decides.
    expect(decided.route?.approvers).toEqual(['finance']);
  });

  it("adds the named workflow's list", () => {
    expect(policy.evaluate({ action_type: 'deploy' }).route?.display).toEqual(['version', 'ticket']);
  });

  it("falls back to the defaults' list where an entry routes nowhere of its own", () => {
    const decided = policy.evaluate({ action_type: 'restart' });
    expect(decided.route?.source).toBe('defaults');
    expect(decided.route?.display).toEqual(['ticket']);
  });

  it('refuses an entry that is not a field path, naming its line', () => {
    const result = loadPolicy({
      path: 'p.yaml',
      text: 'rules:\n  - name: r\n    match: { action_type: x }\n    decision: DENY\n    display: [amount, "bad..path"]\n',
    });
    expect(result.ok).toBe(false);
    expect(result.diagnostics.map(formatDiagnostic).join('\n')).toMatch(/p\.yaml:5:.*policy\.bad_field.*bad\.\.path/);
  });

  it('refuses a display that is not a list of strings on a workflow', () => {
    const result = loadPolicy({
      path: 'w.yaml',
      text: 'workflow: w\ndisplay: { amount: 1 }\nsteps:\n  - id: a\n    type: approval\n    config: { approvers: [x] }\n',
    });
    expect(result.ok).toBe(false);
    expect(result.diagnostics.map((d) => d.code)).toContain('policy.wrong_type');
  });
});
