// Standing approvals in the policy: the `standing` bound on routes and workflows, and the checks a
// vote's `standing` part and a later action go through.
import { describe, expect, it } from 'vitest';
import { compileConstraints, compilePolicy, loadPolicy, readStandingRequest, standingWithin } from '../index.js';

const POLICY = `
defaults:
  decision: ALLOW
  standing: { max_for: 1h, max_uses: 5 }
rules:
  - name: scale
    match: { action_type: scale }
    decision: REQUIRE_APPROVAL
    approvers: [ops]
    standing: { max_for: 8h, max_uses: 50 }
  - name: refund
    match: { action_type: refund }
    decision: REQUIRE_APPROVAL
    standing: false
  - name: deploy
    match: { action_type: deploy }
    decision: REQUIRE_APPROVAL
    workflow: release
    standing: { max_for: 8h }
  - name: restart
    match: { action_type: restart }
    decision: REQUIRE_APPROVAL
workflows:
  release:
    standing: { max_for: 2h, max_uses: 10 }
    steps:
      - id: lead
        type: approval
        config: { approvers: [leads] }
`;

describe('standing bounds in the policy', () => {
  const policy = compilePolicy({ path: 'policy.yaml', text: POLICY });

  it("carries a rule's bound on its route, in milliseconds", () => {
    expect(policy.evaluate({ action_type: 'scale' }).route?.standing).toEqual({ max_for: 8 * 3_600_000, max_uses: 50 });
  });

  it('lets a rule forbid standing approvals that the defaults allow', () => {
    expect(policy.evaluate({ action_type: 'refund' }).route?.standing).toBe(false);
  });

  it('bounds a rule by its workflow too, the tighter limit winning', () => {
    expect(policy.evaluate({ action_type: 'deploy' }).route?.standing).toEqual({ max_for: 2 * 3_600_000, max_uses: 10 });
  });

  it("falls back to the defaults' bound", () => {
    expect(policy.evaluate({ action_type: 'restart' }).route?.standing).toEqual({ max_for: 3_600_000, max_uses: 5 });
  });

  it('refuses a bound without limits, an unknown key and a bad duration, naming the line', () => {
    const result = loadPolicy([
      {
        path: 'p.yaml',
        text: 'rules:\n  - name: a\n    match: { action_type: x }\n    decision: REQUIRE_APPROVAL\n    standing: {}\n  - name: b\n    match: { action_type: y }\n    decision: REQUIRE_APPROVAL\n    standing: { max_for: soon, max_use: 3 }\n',
      },
    ]);
    expect(result.ok).toBe(false);
    const codes = result.ok ? [] : result.diagnostics.map((d) => `${d.code}@${d.line}`);
    expect(codes).toEqual(expect.arrayContaining(['policy.wrong_type@5', 'policy.bad_duration@9', 'policy.unknown_key@9']));
  });
});

describe('a vote asking for a standing approval', () => {
  const bound = { max_for: 8 * 3_600_000, max_uses: 50 };

  it('accepts one inside the bound, with constraints in the match syntax', () => {
    const read = readStandingRequest({ for: '2h', uses: 20, constraints: { environment: 'staging', replicas: { lte: 8 } } }, bound);
    expect(read).toEqual({
      ok: true,
      grant: {
        for_ms: 7_200_000,
        uses: 20,
        constraints: [
          { path: 'environment', op: 'eq', value: 'staging' },
          { path: 'replicas', op: 'lte', value: 8 },
        ],
      },
    });
  });

  const refusals: [string, unknown, unknown, string, string][] = [
    ['too long', { for: '9h', uses: 1 }, bound, 'standing.too_wide', 'standing.for'],
    ['too many uses', { for: '1h', uses: 51 }, bound, 'standing.too_wide', 'standing.uses'],
    ['no uses where the policy caps them', { for: '1h' }, bound, 'standing.too_wide', 'standing.uses'],
    ['a route that allows none', { for: '1h', uses: 1 }, false, 'standing.not_allowed', 'standing'],
    ['a route that says nothing', { for: '1h', uses: 1 }, undefined, 'standing.not_allowed', 'standing'],
    [
      'another agent',
      { for: '1h', uses: 1, constraints: { agent: 'other' } },
      bound,
      'standing.across_agents',
      'standing.constraints.agent',
    ],
    ['an unknown field', { for: '1h', forever: true }, bound, 'vote.invalid', 'standing.forever'],
    ['a bad duration', { for: 'later', uses: 1 }, bound, 'vote.invalid', 'standing.for'],
    ['fractional uses', { uses: 1.5 }, bound, 'vote.invalid', 'standing.uses'],
    ['neither limit', { constraints: {} }, bound, 'vote.invalid', 'standing'],
    [
      'an unknown operator',
      { uses: 1, constraints: { replicas: { below: 3 } } },
      bound,
      'vote.invalid',
      'standing.constraints.replicas.below',
    ],
    ['not an object', 'yes', bound, 'vote.invalid', 'standing'],
  ];
  it.each(refusals)('refuses %s', (_, body, routeBound, code, field) => {
    const read = readStandingRequest(body, routeBound as typeof bound);
    expect(read.ok).toBe(false);
    if (!read.ok) expect(read.refusal).toMatchObject({ code, field });
  });

  it('checks a grant against a later, narrower bound', () => {
    expect(standingWithin({ for_ms: 7_200_000, uses: 20 }, bound)).toBe(true);
    expect(standingWithin({ for_ms: 7_200_000, uses: 20 }, { max_uses: 10 })).toBe(false);
    expect(standingWithin({ for_ms: 7_200_000, uses: 20 }, false)).toBe(false);
  });
});

describe('constraints over an action', () => {
  const covers = compileConstraints([
    { path: 'environment', op: 'eq', value: 'staging' },
    { path: 'replicas', op: 'lte', value: 8 },
    { path: 'path', op: 'glob', value: 'src/**' },
  ]);
  it('holds only when every constraint holds', () => {
    expect(covers({ environment: 'staging', replicas: 8, path: 'src/a/b.ts' })).toBe(true);
    expect(covers({ environment: 'staging', replicas: 9, path: 'src/a/b.ts' })).toBe(false);
    expect(covers({ environment: 'prod', replicas: 1, path: 'src/a.ts' })).toBe(false);
  });
  it('counts a missing field as outside', () => {
    expect(covers({ environment: 'staging', path: 'src/a.ts' })).toBe(false);
  });
});
