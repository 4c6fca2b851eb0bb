// Checks `match:` and `unless:` blocks and turns them into lists of conditions.

import { didYouMean } from '../util/did-you-mean.js';
import { compilePattern } from '../util/regex.js';
import { describeType, isPlainObject, type Reader } from './reader.js';
import type { DataPath } from './source.js';
import { OPERATORS, type Condition, type MatchSpec, type Operator } from './types.js';

const ORDERED: readonly Operator[] = ['gt', 'gte', 'lt', 'lte'];

/** `action` is the documented alias of `action_type`. */
export function canonicalField(path: string): string {
  return path === 'action' ? 'action_type' : path;
}

function isScalar(value: unknown): boolean {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

export function readMatch(reader: Reader, value: unknown, path: DataPath, what: string): MatchSpec | undefined {
  if (!isPlainObject(value)) {
    reader.error(path, 'policy.wrong_type', `${what} must be a map of field names to values or operators, not ${describeType(value)}`);
    return undefined;
  }
  const conditions: Condition[] = [];
  let ok = true;
  for (const [field, expected] of Object.entries(value)) {
    const fieldPath = [...path, field];
    if (field.trim() === '' || field.startsWith('.') || field.endsWith('.') || field.includes('..')) {
      reader.error(fieldPath, 'policy.bad_field', `\`${field}\` is not a field name or dotted path`, { key: true });
      ok = false;
      continue;
    }
    const name = canonicalField(field);
    if (Array.isArray(expected)) {
      const list = readList(reader, expected, fieldPath, `the values of \`${field}\``);
      if (list === undefined) ok = false;
      else conditions.push({ path: name, op: 'in', value: list });
    } else if (isPlainObject(expected)) {
      const operators = readOperators(reader, name, expected, fieldPath);
      if (operators === undefined) ok = false;
      else conditions.push(...operators);
    } else {
      conditions.push({ path: name, op: 'eq', value: expected });
    }
  }
  return ok ? conditions : undefined;
}

function readList(reader: Reader, value: unknown, path: DataPath, what: string): unknown[] | undefined {
  if (!Array.isArray(value) || value.length === 0) {
    reader.error(path, 'policy.wrong_type', `${what} must be a non-empty list, not ${describeType(value)}`);
    return undefined;
  }
  let ok = true;
  value.forEach((item, index) => {
    if (!isScalar(item)) {
      reader.error(
        [...path, index],
        'policy.wrong_type',
        `each entry of ${what} must be a string, number, boolean or null, not ${describeType(item)}`,
      );
      ok = false;
    }
  });
  return ok ? value : undefined;
}

function readOperators(reader: Reader, field: string, spec: Record<string, unknown>, path: DataPath): Condition[] | undefined {
  const entries = Object.entries(spec);
  if (entries.length === 0) {
    reader.error(path, 'policy.wrong_type', `the test of \`${field}\` is an empty map; give a value or an operator such as \`gt\``);
    return undefined;
  }
  const conditions: Condition[] = [];
  let ok = true;
  for (const [op, operand] of entries) {
    const opPath = [...path, op];
    if (!(OPERATORS as readonly string[]).includes(op)) {
      reader.error(opPath, 'policy.unknown_operator', `unknown operator \`${op}\`${didYouMean(op, OPERATORS)}`, {
        key: true,
        help: `operators: ${OPERATORS.join(' ')}`,
      });
      ok = false;
      continue;
    }
    const checked = checkOperand(reader, op as Operator, operand, opPath, field);
    if (!checked) ok = false;
    else conditions.push({ path: field, op: op as Operator, value: operand });
  }
  return ok ? conditions : undefined;
}

function checkOperand(reader: Reader, op: Operator, operand: unknown, path: DataPath, field: string): boolean {
  const bad = (expected: string): false => {
    reader.error(path, 'policy.bad_operand', `\`${op}\` on \`${field}\` takes ${expected}, not ${describeType(operand)}`);
    return false;
  };
  switch (op) {
    case 'eq':
    case 'ne':
    case 'contains':
      return isScalar(operand) || bad('a string, number, boolean or null');
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return (
        (typeof operand === 'number' && Number.isFinite(operand)) ||
        typeof operand === 'string' ||
        bad('a number (or a string such as a timestamp)')
      );
    case 'in':
    case 'not_in':
      return readList(reader, operand, path, `\`${op}\` on \`${field}\``) !== undefined;
    case 'glob':
    case 'prefix':
      return typeof operand === 'string' || bad('a string');
    case 'exists':
      return typeof operand === 'boolean' || bad('true or false');
    case 'matches': {
      if (typeof operand !== 'string') return bad('a regular expression string');
      const compiled = compilePattern(operand);
      if (compiled.ok) return true;
      reader.error(path, compiled.code, regexMessage(operand, compiled.reason), REGEX_HELP);
      return false;
    }
  }
}

/** Shown with a refused pattern: what linear-time matching leaves out, and where it is written down. */
export const REGEX_HELP = { help: 'patterns use RE2 syntax: no lookaround or backreferences (docs/policy-language.md)' };

export function regexMessage(pattern: string, reason: string): string {
  return `\`${pattern}\` is not a usable regular expression: ${reason}`;
}

export function isOrderedOperator(op: Operator): boolean {
  return ORDERED.includes(op);
}
