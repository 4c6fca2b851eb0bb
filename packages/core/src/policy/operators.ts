// Compiles one condition (`amount_usd: { gt: 10000 }`) into a single test closure over an
// action. Top-level fields are read directly, without a getter call, because this closure runs
// for every candidate rule of every decision.

import { globToPattern } from '../util/glob.js';
import { patternOf } from '../util/regex.js';
import { normalizeValue } from '../util/text.js';
import { compileGetter, isInheritedName, type Getter } from './paths.js';
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

type Predicate = (value: unknown) => boolean;

function predicate(condition: Condition): Predicate {
  // Literals are normalized once here; the action reaches the tests already normalized (evaluate.ts).
  const expected = normalizeValue(condition.value);
  switch (condition.op) {
    case 'eq':
      return (value) => value === expected;
    case 'ne':
      return (value) => value !== expected;
    case 'gt':
      return typeof expected === 'number'
        ? (value) => typeof value === 'number' && value > expected
        : (value) => typeof value === 'string' && value > (expected as string);
    case 'gte':
      return typeof expected === 'number'
        ? (value) => typeof value === 'number' && value >= expected
        : (value) => typeof value === 'string' && value >= (expected as string);
    case 'lt':
      return typeof expected === 'number'
        ? (value) => typeof value === 'number' && value < expected
        : (value) => typeof value === 'string' && value < (expected as string);
    case 'lte':
      return typeof expected === 'number'
        ? (value) => typeof value === 'number' && value <= expected
        : (value) => typeof value === 'string' && value <= (expected as string);
    case 'in': {
      const set = new Set(expected as unknown[]);
      return (value) => set.has(value);
    }
    case 'not_in': {
      const set = new Set(expected as unknown[]);
      return (value) => !set.has(value);
    }
    case 'matches': {
      const pattern = patternOf(expected as string);
      return (value) => typeof value === 'string' && pattern.test(value);
    }
    case 'glob': {
      const pattern = globToPattern(expected as string);
      return (value) => typeof value === 'string' && pattern.test(value);
    }
    case 'prefix': {
      const prefix = expected as string;
      return (value) => typeof value === 'string' && value.startsWith(prefix);
    }
    case 'contains':
      return (value) =>
        typeof value === 'string'
          ? typeof expected === 'string' && value.includes(expected)
          : Array.isArray(value) && value.includes(expected);
    case 'exists':
      return (value) => (value !== undefined && value !== null) === (expected === true);
  }
}

export function compileCondition(condition: Condition): CompiledCondition {
  const get = compileGetter(condition.path);
  const holds = predicate(condition);
  const { path, op, value } = condition;
  let test: (action: Record<string, unknown>) => TestResult;
  if (op === 'exists') {
    // `exists` tests presence itself, so a missing field is an answer here, not a gap.
    test = (action) => (holds(get(action)) ? HOLDS : FAILS);
  } else if (isInheritedName(path) || path === 'action_type' || path.includes('.')) {
    test = (action) => {
      const found = get(action);
      return found === undefined ? MISSING : holds(found) ? HOLDS : FAILS;
    };
  } else if (op === 'eq') {
    // The most common test, written out so that it costs one property read and one comparison.
    const expected = normalizeValue(value);
    test = (action) => {
      const found = action[path];
      return found === undefined ? MISSING : found === expected ? HOLDS : FAILS;
    };
  } else {
    test = (action) => {
      const found = action[path];
      return found === undefined ? MISSING : holds(found) ? HOLDS : FAILS;
    };
  }
  return { path, op, value, get, test };
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
