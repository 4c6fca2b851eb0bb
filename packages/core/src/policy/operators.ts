// Compiles one condition (`amount_usd: { gt: 10000 }`) into a test closure over an action.

import { globToRegExp } from '../util/glob.js';
import { compileGetter, type Getter } from './paths.js';
import type { Condition } from './types.js';

/** What a test found: the condition holds, does not hold, or its field is missing. */
export const HOLDS = 1;
export const FAILS = 0;
export const MISSING = 2;
export type TestResult = typeof HOLDS | typeof FAILS | typeof MISSING;

export interface CompiledCondition extends Condition {
  get: Getter;
  test(action: Record<string, unknown>): TestResult;
}

function sameType(a: unknown, b: unknown): boolean {
  return typeof a === typeof b && (typeof a === 'number' || typeof a === 'string');
}

function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  return typeof a === 'number' && typeof b === 'number' && Number.isNaN(a) && Number.isNaN(b);
}

export function compileCondition(condition: Condition): CompiledCondition {
  const get = compileGetter(condition.path);
  const expected = condition.value;
  let holds: (value: unknown) => boolean;
  switch (condition.op) {
    case 'eq':
      holds = (value) => equal(value, expected);
      break;
    case 'ne':
      holds = (value) => !equal(value, expected);
      break;
    case 'gt':
      holds = (value) => sameType(value, expected) && (value as number) > (expected as number);
      break;
    case 'gte':
      holds = (value) => sameType(value, expected) && (value as number) >= (expected as number);
      break;
    case 'lt':
      holds = (value) => sameType(value, expected) && (value as number) < (expected as number);
      break;
    case 'lte':
      holds = (value) => sameType(value, expected) && (value as number) <= (expected as number);
      break;
    case 'in': {
      const set = new Set(expected as unknown[]);
      holds = (value) => set.has(value);
      break;
    }
    case 'not_in': {
      const set = new Set(expected as unknown[]);
      holds = (value) => !set.has(value);
      break;
    }
    case 'matches': {
      const pattern = new RegExp(expected as string, 'u');
      holds = (value) => typeof value === 'string' && pattern.test(value);
      break;
    }
    case 'glob': {
      const pattern = globToRegExp(expected as string);
      holds = (value) => typeof value === 'string' && pattern.test(value);
      break;
    }
    case 'prefix': {
      const prefix = expected as string;
      holds = (value) => typeof value === 'string' && value.startsWith(prefix);
      break;
    }
    case 'contains':
      holds = (value) =>
        typeof value === 'string'
          ? typeof expected === 'string' && value.includes(expected)
          : Array.isArray(value) && value.some((item) => equal(item, expected));
      break;
    case 'exists': {
      // `exists` tests presence itself, so a missing field is an answer here, not a gap.
      const wanted = expected === true;
      return { ...condition, get, test: (action) => (((get(action) ?? null) !== null) === wanted ? HOLDS : FAILS) };
    }
  }
  return {
    ...condition,
    get,
    test(action) {
      const value = get(action);
      if (value === undefined) return MISSING;
      return holds(value) ? HOLDS : FAILS;
    },
  };
}

const OP_TEXT: Record<string, string> = {
  eq: 'is',
  ne: 'is not',
  gt: '>',
  gte: '≥',
  lt: '<',
  lte: '≤',
  in: 'is one of',
  not_in: 'is none of',
  matches: 'matches',
  glob: 'matches glob',
  prefix: 'starts with',
  contains: 'contains',
};

/** "amount_usd > 10000", "action_type is one of `deploy`, `scale`": for generated reasons. */
export function describeCondition(condition: Condition): string {
  if (condition.op === 'exists') return `${condition.path} ${condition.value === true ? 'is present' : 'is absent'}`;
  const value = Array.isArray(condition.value)
    ? condition.value.map((item) => `\`${String(item)}\``).join(', ')
    : typeof condition.value === 'number'
      ? String(condition.value)
      : `\`${String(condition.value)}\``;
  return `${condition.path} ${OP_TEXT[condition.op]} ${value}`;
}
