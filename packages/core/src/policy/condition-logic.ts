// Reasoning over match conditions without an action: whether a set of conditions can ever hold,
// and whether one set implies another. Lint uses it to find rules that never fire or never matter.

import { globToPattern } from '../util/glob.js';
import { patternOf } from '../util/regex.js';
import type { Condition } from './types.js';

/** The values a set of conditions on one field allows, as far as it can be told. */
interface FieldConstraint {
  /** When the field must equal one of these (from eq / in). */
  values?: unknown[];
  lower?: { bound: number | string; inclusive: boolean };
  upper?: { bound: number | string; inclusive: boolean };
  excluded: unknown[];
  mustExist: boolean;
  mustBeAbsent: boolean;
  /** Conditions that were not summarised above; implications then need an identical condition. */
  others: Condition[];
}

function group(conditions: Condition[]): Map<string, FieldConstraint> {
  const fields = new Map<string, FieldConstraint>();
  for (const condition of conditions) {
    let constraint = fields.get(condition.path);
    if (constraint === undefined) {
      constraint = { excluded: [], mustExist: false, mustBeAbsent: false, others: [] };
      fields.set(condition.path, constraint);
    }
    // Tests that fail on null need a real value; `eq: null` or `ne: x` are content with null.
    if (condition.op !== 'exists' && holdsFor(condition, null) === false) constraint.mustExist = true;
    const value = condition.value;
    switch (condition.op) {
      case 'eq':
        constraint.values = constraint.values === undefined ? [value] : constraint.values.filter((item) => item === value);
        break;
      case 'in':
        constraint.values =
          constraint.values === undefined
            ? [...(value as unknown[])]
            : constraint.values.filter((item) => (value as unknown[]).includes(item));
        break;
      case 'ne':
        constraint.excluded.push(value);
        break;
      case 'not_in':
        constraint.excluded.push(...(value as unknown[]));
        break;
      case 'gt':
      case 'gte':
        tighten(constraint, 'lower', value as number | string, condition.op === 'gte');
        break;
      case 'lt':
      case 'lte':
        tighten(constraint, 'upper', value as number | string, condition.op === 'lte');
        break;
      case 'exists':
        if (value === true) constraint.mustExist = true;
        else constraint.mustBeAbsent = true;
        break;
      default:
        constraint.others.push(condition);
    }
  }
  return fields;
}

function tighten(constraint: FieldConstraint, side: 'lower' | 'upper', bound: number | string, inclusive: boolean): void {
  const current = constraint[side];
  if (current === undefined || typeof current.bound !== typeof bound) {
    constraint[side] = { bound, inclusive };
    return;
  }
  const tighter = side === 'lower' ? bound > current.bound : bound < current.bound;
  if (tighter || (bound === current.bound && !inclusive)) constraint[side] = { bound, inclusive };
}

function withinBounds(value: unknown, constraint: FieldConstraint): boolean {
  const { lower, upper } = constraint;
  if (lower !== undefined) {
    if (typeof value !== typeof lower.bound) return false;
    if (lower.inclusive ? (value as number) < (lower.bound as number) : (value as number) <= (lower.bound as number)) return false;
  }
  if (upper !== undefined) {
    if (typeof value !== typeof upper.bound) return false;
    if (upper.inclusive ? (value as number) > (upper.bound as number) : (value as number) >= (upper.bound as number)) return false;
  }
  return true;
}

function holdsFor(condition: Condition, value: unknown): boolean | undefined {
  const expected = condition.value;
  switch (condition.op) {
    case 'eq':
      return value === expected;
    case 'ne':
      return value !== expected;
    case 'in':
      return (expected as unknown[]).includes(value);
    case 'not_in':
      return !(expected as unknown[]).includes(value);
    case 'gt':
      return typeof value === typeof expected && (value as number) > (expected as number);
    case 'gte':
      return typeof value === typeof expected && (value as number) >= (expected as number);
    case 'lt':
      return typeof value === typeof expected && (value as number) < (expected as number);
    case 'lte':
      return typeof value === typeof expected && (value as number) <= (expected as number);
    case 'prefix':
      return typeof value === 'string' && value.startsWith(expected as string);
    case 'glob':
      return typeof value === 'string' && globToPattern(expected as string).test(value);
    case 'matches':
      return typeof value === 'string' && patternOf(expected as string).test(value);
    case 'contains':
      return typeof value === 'string'
        ? typeof expected === 'string' && value.includes(expected)
        : Array.isArray(value)
          ? undefined
          : false;
    case 'exists':
      return (value !== null) === (expected === true);
  }
}

/** Why the conditions can never all hold, or undefined when they might. */
export function contradiction(conditions: Condition[]): string | undefined {
  for (const [path, constraint] of group(conditions)) {
    if (constraint.mustBeAbsent && constraint.mustExist) return `\`${path}\` must be both absent and present`;
    if (
      constraint.lower !== undefined &&
      constraint.upper !== undefined &&
      typeof constraint.lower.bound === typeof constraint.upper.bound
    ) {
      const { lower, upper } = constraint;
      if (lower.bound > upper.bound || (lower.bound === upper.bound && !(lower.inclusive && upper.inclusive))) {
        return `no value of \`${path}\` is both ${lower.inclusive ? '≥' : '>'} ${lower.bound} and ${upper.inclusive ? '≤' : '<'} ${upper.bound}`;
      }
    }
    if (constraint.values !== undefined) {
      const possible = constraint.values.filter(
        (value) =>
          !constraint.excluded.includes(value) &&
          withinBounds(value, constraint) &&
          constraint.others.every((other) => holdsFor(other, value) !== false),
      );
      if (possible.length === 0) return `no value of \`${path}\` satisfies all its tests`;
    }
  }
  return undefined;
}

/** True when every action satisfying `specific` also satisfies `general` (as far as can be told). */
export function implies(specific: Condition[], general: Condition[]): boolean {
  const fields = group(specific);
  return general.every((condition) => {
    if (
      specific.some(
        (other) =>
          other.path === condition.path && other.op === condition.op && JSON.stringify(other.value) === JSON.stringify(condition.value),
      )
    )
      return true;
    const constraint = fields.get(condition.path);
    if (constraint === undefined) return false;
    if (condition.op === 'exists') return condition.value === true ? constraint.mustExist : constraint.mustBeAbsent;
    if (!constraint.mustExist) return false;
    if (constraint.values !== undefined) {
      return constraint.values.every(
        (value) => constraint.excluded.includes(value) || !withinBounds(value, constraint) || holdsFor(condition, value) === true,
      );
    }
    const bounds = { lower: constraint.lower, upper: constraint.upper };
    switch (condition.op) {
      case 'gt':
      case 'gte':
        return (
          bounds.lower !== undefined &&
          typeof bounds.lower.bound === typeof condition.value &&
          ((bounds.lower.bound as number) > (condition.value as number) ||
            (bounds.lower.bound === condition.value && (condition.op === 'gte' || !bounds.lower.inclusive)))
        );
      case 'lt':
      case 'lte':
        return (
          bounds.upper !== undefined &&
          typeof bounds.upper.bound === typeof condition.value &&
          ((bounds.upper.bound as number) < (condition.value as number) ||
            (bounds.upper.bound === condition.value && (condition.op === 'lte' || !bounds.upper.inclusive)))
        );
      case 'ne':
        return constraint.excluded.includes(condition.value);
      case 'not_in':
        return (condition.value as unknown[]).every((value) => constraint.excluded.includes(value));
      case 'prefix':
        return constraint.others.some((other) => other.op === 'prefix' && (other.value as string).startsWith(condition.value as string));
      default:
        return false;
    }
  });
}
