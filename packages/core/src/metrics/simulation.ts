// Tallies a replay of stored decisions against a candidate policy: which decisions change
// (stricter or looser, by rule), the approval load before and after per group, and examples.

import { decisionRank, type Decision } from '../decision.js';
import type { PolicyDecision } from '../policy/result.js';
import { approvalGroupOf, gateOf } from './gate.js';

/** What the report keeps of one replayed action, to show as an example. */
export interface ReplayedAction {
  id: string;
  agent: string;
  action_type: string | null;
  environment: string | null;
  created_at: number;
}

export interface SimulationExample extends ReplayedAction {
  from: Decision;
  to: Decision;
  /** The rule that decided before and the one that decides under the candidate. */
  rule_before: string;
  rule_after: string;
}

export interface DecisionChange {
  from: Decision;
  to: Decision;
  direction: 'stricter' | 'looser';
  count: number;
  examples: SimulationExample[];
}

export interface RuleChange {
  /** The rule responsible: the candidate's deciding rule when stricter, the old one when looser. */
  rule: string;
  direction: 'stricter' | 'looser';
  count: number;
  examples: SimulationExample[];
}

export interface GroupLoad {
  group: string;
  before: number;
  after: number;
  delta: number;
  before_per_day: number;
  after_per_day: number;
  /** Actions that newly need this group's approval, or no longer do. */
  examples: SimulationExample[];
}

export interface SimulationReport {
  replayed: number;
  unchanged: number;
  changed: number;
  stricter: number;
  looser: number;
  /** Same decision, another deciding rule: not a change in what happens, shown for review. */
  rule_changed: number;
  decisions: { before: Record<Decision, number>; after: Record<Decision, number> };
  changes: DecisionChange[];
  by_rule: RuleChange[];
  approval_load: { days: number; before: number; after: number; groups: GroupLoad[] };
}

const DAY_MS = 86_400_000;
const zero = (): Record<Decision, number> => ({ ALLOW: 0, REVIEW: 0, REQUIRE_APPROVAL: 0, DENY: 0 });

export type StoredDecision = Pick<PolicyDecision, 'decision' | 'reasons' | 'route'>;

export class SimulationTally {
  #replayed = 0;
  #rulesChanged = 0;
  readonly #before = zero();
  readonly #after = zero();
  readonly #changes = new Map<string, DecisionChange>();
  readonly #rules = new Map<string, RuleChange>();
  readonly #groups = new Map<string, GroupLoad>();

  /** `examples` bounds the examples kept per figure, so a long replay stays small. */
  constructor(private readonly examples = 5) {}

  add(action: ReplayedAction, before: StoredDecision, after: StoredDecision): void {
    this.#replayed++;
    this.#before[before.decision]++;
    this.#after[after.decision]++;
    const ruleBefore = gateOf(before);
    const ruleAfter = gateOf(after);
    const example: SimulationExample = {
      ...action,
      from: before.decision,
      to: after.decision,
      rule_before: ruleBefore,
      rule_after: ruleAfter,
    };
    const groupBefore = approvalGroupOf(before);
    const groupAfter = approvalGroupOf(after);
    if (groupBefore !== null) this.#group(groupBefore).before++;
    if (groupAfter !== null) this.#group(groupAfter).after++;
    if (groupBefore !== groupAfter) {
      if (groupBefore !== null) this.#keep(this.#group(groupBefore).examples, example);
      if (groupAfter !== null) this.#keep(this.#group(groupAfter).examples, example);
    }
    if (before.decision === after.decision) {
      if (ruleBefore !== ruleAfter) this.#rulesChanged++;
      return;
    }
    const direction = decisionRank(after.decision) > decisionRank(before.decision) ? 'stricter' : 'looser';
    const key = `${before.decision}>${after.decision}`;
    let change = this.#changes.get(key);
    if (change === undefined)
      this.#changes.set(key, (change = { from: before.decision, to: after.decision, direction, count: 0, examples: [] }));
    change.count++;
    this.#keep(change.examples, example);
    const rule = direction === 'stricter' ? ruleAfter : ruleBefore;
    const ruleKey = `${direction}:${rule}`;
    let byRule = this.#rules.get(ruleKey);
    if (byRule === undefined) this.#rules.set(ruleKey, (byRule = { rule, direction, count: 0, examples: [] }));
    byRule.count++;
    this.#keep(byRule.examples, example);
  }

  /** The report for a replay over `days` days (the base of per-day loads). */
  report(days: number): SimulationReport {
    const span = Math.max(days, 1 / 24);
    const changes = [...this.#changes.values()].sort((a, b) => b.count - a.count || (a.from + a.to < b.from + b.to ? -1 : 1));
    const byRule = [...this.#rules.values()].sort((a, b) => b.count - a.count || (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0));
    const groups = [...this.#groups.values()]
      .map((g) => ({ ...g, delta: g.after - g.before, before_per_day: g.before / span, after_per_day: g.after / span }))
      .sort((a, b) => Math.abs(b.delta) - Math.abs(a.delta) || (a.group < b.group ? -1 : 1));
    const stricter = changes.filter((c) => c.direction === 'stricter').reduce((n, c) => n + c.count, 0);
    const looser = changes.filter((c) => c.direction === 'looser').reduce((n, c) => n + c.count, 0);
    return {
      replayed: this.#replayed,
      unchanged: this.#replayed - stricter - looser,
      changed: stricter + looser,
      stricter,
      looser,
      rule_changed: this.#rulesChanged,
      decisions: { before: { ...this.#before }, after: { ...this.#after } },
      changes,
      by_rule: byRule,
      approval_load: { days: span, before: this.#before.REQUIRE_APPROVAL, after: this.#after.REQUIRE_APPROVAL, groups },
    };
  }

  #group(name: string): GroupLoad {
    let group = this.#groups.get(name);
    if (group === undefined)
      this.#groups.set(name, (group = { group: name, before: 0, after: 0, delta: 0, before_per_day: 0, after_per_day: 0, examples: [] }));
    return group;
  }

  #keep(list: SimulationExample[], example: SimulationExample): void {
    if (list.length < this.examples) list.push(example);
  }
}

/** Days between two instants, for per-day figures. */
export function daysBetween(since: number, until: number): number {
  return (until - since) / DAY_MS;
}
