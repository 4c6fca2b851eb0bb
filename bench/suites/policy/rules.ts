// Engine-neutral form of the benchmark policies: the guide's safety rules plus seeded generated
// rules. Every engine's policy is encoded from this one list, which is what makes them equivalent.
import { createRandom, intBetween, pick } from '../../lib/prng.js';

export type Decision = 'ALLOW' | 'REVIEW' | 'REQUIRE_APPROVAL' | 'DENY';

/** Restrictiveness order; the strictest matching rule decides. */
export const strictness: Record<Decision, number> = { ALLOW: 0, REVIEW: 1, REQUIRE_APPROVAL: 2, DENY: 3 };

export function stricter(a: Decision, b: Decision): Decision {
  return strictness[b] > strictness[a] ? b : a;
}

/** One `match:` entry. `one_of` is the YAML list form and `in` the operator form; they mean the same. */
export type Condition =
  | { field: string; op: 'eq'; value: string }
  | { field: string; op: 'one_of' | 'in'; values: string[] }
  | { field: string; op: 'gt' | 'lt'; value: number };

export interface Rule {
  name: string;
  match: Condition[];
  decision: Decision;
}

export type Action = Readonly<Record<string, string | number>>;

/** The guide's safety policy plus one DENY rule: the "4-rule" size. */
export const baseRules: Rule[] = [
  {
    name: 'production-approval',
    match: [
      { field: 'environment', op: 'eq', value: 'production' },
      { field: 'action_type', op: 'one_of', values: ['deploy', 'scale', 'delete'] },
    ],
    decision: 'REQUIRE_APPROVAL',
  },
  {
    name: 'large-transactions',
    match: [
      { field: 'capability', op: 'eq', value: 'payment' },
      { field: 'amount_usd', op: 'gt', value: 10000 },
    ],
    decision: 'REQUIRE_APPROVAL',
  },
  {
    name: 'bulk-operations',
    match: [{ field: 'affected_records', op: 'gt', value: 1000 }],
    decision: 'REQUIRE_APPROVAL',
  },
  {
    name: 'no-prod-drop',
    match: [
      { field: 'environment', op: 'eq', value: 'production' },
      { field: 'action_type', op: 'eq', value: 'drop_database' },
    ],
    decision: 'DENY',
  },
];

export const regions = ['us-east-1', 'us-west-2', 'eu-west-1', 'eu-central-1', 'ap-south-1'] as const;
export const environments = ['dev', 'staging', 'production'] as const;

/** Generated rule i governs action type `op_<i>`, so an action meets one of them at most. */
export function opType(i: number): string {
  return `op_${i}`;
}

function generatedRule(i: number, random: () => number): Rule {
  const actionType: Condition = { field: 'action_type', op: 'eq', value: opType(i) };
  switch (i % 5) {
    case 0:
      return {
        name: `op-${i}-large-amount`,
        match: [actionType, { field: 'amount_usd', op: 'gt', value: intBetween(random, 10, 190) * 100 }],
        decision: 'REQUIRE_APPROVAL',
      };
    case 1:
      return {
        name: `op-${i}-outside-dev`,
        match: [actionType, { field: 'environment', op: 'one_of', values: ['staging', 'production'] }],
        decision: 'REVIEW',
      };
    case 2:
      return {
        name: `op-${i}-eu-production`,
        match: [
          actionType,
          { field: 'environment', op: 'eq', value: 'production' },
          { field: 'region', op: 'in', values: ['eu-west-1', 'eu-central-1'] },
        ],
        decision: 'DENY',
      };
    case 3:
      return {
        name: `op-${i}-bulk`,
        match: [actionType, { field: 'affected_records', op: 'gt', value: intBetween(random, 1, 9) * 50 }],
        decision: pick(random, ['REVIEW', 'REQUIRE_APPROVAL'] as const),
      };
    default:
      return {
        name: `op-${i}-small-payment`,
        match: [
          actionType,
          { field: 'capability', op: 'eq', value: 'payment' },
          { field: 'amount_usd', op: 'lt', value: intBetween(random, 1, 10) * 10 },
        ],
        decision: 'REVIEW',
      };
  }
}

/** The base rules plus `size - 4` generated ones; the same seed gives the same policy every run. */
export function buildRules(size: number, seed = 0x7011): Rule[] {
  const random = createRandom(seed);
  const generated = Array.from({ length: Math.max(0, size - baseRules.length) }, (_, i) => generatedRule(i, random));
  return [...baseRules, ...generated];
}
