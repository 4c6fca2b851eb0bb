// A replay tallied by hand: decisions recorded under one policy, replayed under a candidate.
import { describe, expect, it } from 'vitest';
import { loadPolicy } from '../policy/load.js';
import type { CompiledPolicy } from '../policy/load.js';
import { SimulationTally } from './simulation.js';

function compile(text: string): CompiledPolicy {
  const result = loadPolicy([{ path: 'policy.yaml', text }]);
  if (!result.ok) throw new Error(JSON.stringify(result.diagnostics));
  return result.policy;
}

const LIVE = compile(`
defaults: { decision: ALLOW }
rules:
  - { name: big, match: { amount: { gt: 100 } }, decision: REQUIRE_APPROVAL, approvers: [finance] }
`);
const CANDIDATE = compile(`
defaults: { decision: ALLOW }
rules:
  - { name: big, match: { amount: { gt: 50 } }, decision: REQUIRE_APPROVAL, approvers: [finance] }
  - { name: huge, match: { amount: { gt: 180 } }, decision: DENY }
`);

describe('SimulationTally', () => {
  it('counts stricter and looser changes by rule, the load per group, and keeps bounded examples', () => {
    const tally = new SimulationTally(2);
    for (let amount = 10; amount <= 200; amount += 10) {
      const action = { amount };
      const ref = { id: `a${amount}`, agent: 'bot', action_type: null, environment: null, created_at: amount };
      tally.add(ref, LIVE.evaluate(action), CANDIDATE.evaluate(action));
    }
    const report = tally.report(10);
    // 60..100: ALLOW → REQUIRE_APPROVAL (5); 190, 200: REQUIRE_APPROVAL → DENY (2).
    expect(report).toMatchObject({ replayed: 20, changed: 7, stricter: 7, looser: 0, unchanged: 13 });
    expect(report.by_rule.map((r) => [r.rule, r.count, r.examples.map((e) => e.id)])).toEqual([
      ['big', 5, ['a60', 'a70']],
      ['huge', 2, ['a190', 'a200']],
    ]);
    expect(report.approval_load).toMatchObject({
      before: 10,
      after: 13,
      groups: [{ group: 'finance', before: 10, after: 13, delta: 3, before_per_day: 1, after_per_day: 1.3 }],
    });

    const back = new SimulationTally();
    for (let amount = 10; amount <= 200; amount += 10) {
      const action = { amount };
      back.add(
        { id: `a${amount}`, agent: 'bot', action_type: null, environment: null, created_at: 0 },
        CANDIDATE.evaluate(action),
        LIVE.evaluate(action),
      );
    }
    expect(back.report(1)).toMatchObject({
      stricter: 0,
      looser: 7,
      by_rule: [
        { rule: 'big', direction: 'looser', count: 5 },
        { rule: 'huge', direction: 'looser', count: 2 },
      ],
    });
  });
});
