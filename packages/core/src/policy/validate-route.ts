// Checks the approval routing fields that rules, environment exceptions, defaults and workflow
// steps share: approvers, quorum, criteria, modifiable fields and the workflow to start.

import { compileCel } from '../cel/index.js';
import { compilePattern } from '../util/regex.js';
import { REGEX_HELP, regexMessage } from './validate-match.js';
import { isPlainObject, describeType, type Plain, type Reader } from './reader.js';
import type { DataPath } from './source.js';
import type { ApprovalRoute, ElicitationRule, FieldBounds, StandingBound } from './types.js';

export const ROUTE_KEYS = ['workflow', 'approvers', 'require', 'criteria', 'modifiable', 'display', 'elicitation', 'standing'] as const;

export function readRoute(reader: Reader, record: Plain, path: DataPath): ApprovalRoute {
  const route: ApprovalRoute = {};
  if (record.workflow !== undefined) {
    const workflow = reader.string(record.workflow, [...path, 'workflow'], '`workflow`');
    if (workflow !== undefined) route.workflow = workflow;
  }
  if (record.approvers !== undefined) {
    const approvers = reader.stringList(record.approvers, [...path, 'approvers'], '`approvers`');
    if (approvers !== undefined) route.approvers = approvers;
  }
  if (record.require !== undefined) {
    const require = reader.number(record.require, [...path, 'require'], '`require`', { min: 1, max: 100, integer: true });
    if (require !== undefined) route.require = require;
  }
  if (record.criteria !== undefined) {
    const criteria = readCriteria(reader, record.criteria, [...path, 'criteria']);
    if (criteria !== undefined) route.criteria = criteria;
  }
  if (record.modifiable !== undefined) {
    const modifiable = readModifiable(reader, record.modifiable, [...path, 'modifiable']);
    if (modifiable !== undefined) route.modifiable = modifiable;
  }
  if (record.display !== undefined) {
    const display = readDisplay(reader, record.display, [...path, 'display']);
    if (display !== undefined) route.display = display;
  }
  if (record.elicitation !== undefined) {
    const elicitation = readElicitation(reader, record.elicitation, [...path, 'elicitation']);
    if (elicitation !== undefined) route.elicitation = elicitation;
  }
  if (record.standing !== undefined) {
    const standing = readStandingBound(reader, record.standing, [...path, 'standing']);
    if (standing !== undefined) route.standing = standing;
  }
  return route;
}

/** `elicitation: allowed` (or `true`, `false`), or `{ allowed: true, max_risk: medium }`. */
export function readElicitation(reader: Reader, value: unknown, path: DataPath): ElicitationRule | undefined {
  if (value === 'allowed' || value === true) return { allowed: true };
  if (value === false) return { allowed: false };
  if (!isPlainObject(value)) {
    reader.error(
      path,
      'policy.wrong_type',
      `\`elicitation\` must be \`allowed\`, \`false\` or \`{ allowed: true, max_risk: medium }\`, not ${describeType(value)}`,
    );
    return undefined;
  }
  const spec = reader.object(value, path, ['allowed', 'max_risk'], '`elicitation`');
  if (spec === undefined) return undefined;
  const allowed = reader.boolean(spec.allowed, [...path, 'allowed'], '`allowed`');
  if (allowed === undefined) return undefined;
  const rule: ElicitationRule = { allowed };
  if (spec.max_risk !== undefined) {
    const risk = reader.risk(spec.max_risk, [...path, 'max_risk']);
    if (risk === undefined) return undefined;
    rule.max_risk = risk;
  }
  return rule;
}

/** `standing: false` or `standing: { max_for: 8h, max_uses: 50 }`: at least one limit, so none is endless. */
export function readStandingBound(reader: Reader, value: unknown, path: DataPath): StandingBound | false | undefined {
  if (value === false) return false;
  const record = reader.object(value, path, ['max_for', 'max_uses'], '`standing` (or `standing: false`)');
  if (record === undefined) return undefined;
  const bound: StandingBound = {};
  if (record.max_for !== undefined) {
    const maxFor = reader.duration(record.max_for, [...path, 'max_for'], '`max_for`');
    if (maxFor !== undefined) bound.max_for = maxFor;
  }
  if (record.max_uses !== undefined) {
    const maxUses = reader.number(record.max_uses, [...path, 'max_uses'], '`max_uses`', { min: 1, max: 1_000_000, integer: true });
    if (maxUses !== undefined) bound.max_uses = maxUses;
  }
  if (record.max_for === undefined && record.max_uses === undefined) {
    reader.error(path, 'policy.wrong_type', '`standing` needs `max_for`, `max_uses` or both, so that no standing approval is endless');
    return undefined;
  }
  return bound;
}

const FIELD_PATH = /^[A-Za-z_][\w-]*(\.[A-Za-z_][\w-]*)*$/;

/** `display: [amount_usd, payee]`: fields of the action, by name or dotted path. */
export function readDisplay(reader: Reader, value: unknown, path: DataPath): string[] | undefined {
  const fields = reader.stringList(value, path, '`display`');
  if (fields === undefined) return undefined;
  let ok = true;
  fields.forEach((field, index) => {
    if (FIELD_PATH.test(field)) return;
    ok = false;
    reader.error([...path, index], 'policy.bad_field', `\`${field}\` is not a field name or dotted path such as \`params.amount\``);
  });
  return ok ? fields : undefined;
}

export function readCriteria(reader: Reader, value: unknown, path: DataPath): string[] | undefined {
  return reader.stringList(value, path, '`criteria`');
}

/** `modifiable: [message]` or `modifiable: { replicas: { min: 1, max: 10 }, region: { values: [eu, us] } }`. */
export function readModifiable(reader: Reader, value: unknown, path: DataPath): Record<string, FieldBounds> | undefined {
  if (Array.isArray(value) || typeof value === 'string') {
    const fields = reader.stringList(value, path, '`modifiable`');
    return fields === undefined ? undefined : Object.fromEntries(fields.map((field) => [field, {}]));
  }
  if (!isPlainObject(value)) {
    reader.error(
      path,
      'policy.wrong_type',
      `\`modifiable\` must be a list of fields or a map of fields to bounds, not ${describeType(value)}`,
    );
    return undefined;
  }
  const result: Record<string, FieldBounds> = {};
  for (const [field, raw] of Object.entries(value)) {
    const fieldPath = [...path, field];
    if (raw === null || raw === undefined) {
      result[field] = {};
      continue;
    }
    const spec = reader.object(raw, fieldPath, ['min', 'max', 'values', 'pattern'], `the bounds of \`${field}\``);
    if (spec === undefined) continue;
    const bounds: FieldBounds = {};
    if (spec.min !== undefined) {
      const min = reader.number(spec.min, [...fieldPath, 'min'], '`min`');
      if (min !== undefined) bounds.min = min;
    }
    if (spec.max !== undefined) {
      const max = reader.number(spec.max, [...fieldPath, 'max'], '`max`');
      if (max !== undefined) bounds.max = max;
    }
    if (bounds.min !== undefined && bounds.max !== undefined && bounds.min > bounds.max) {
      reader.error(
        fieldPath,
        'policy.out_of_range',
        `the bounds of \`${field}\` are empty: \`min\` ${bounds.min} is above \`max\` ${bounds.max}`,
      );
    }
    if (spec.values !== undefined) {
      if (!Array.isArray(spec.values) || spec.values.length === 0) {
        reader.error(
          [...fieldPath, 'values'],
          'policy.wrong_type',
          `\`values\` must be a non-empty list, not ${describeType(spec.values)}`,
        );
      } else {
        bounds.values = spec.values;
      }
    }
    if (spec.pattern !== undefined) {
      const pattern = reader.string(spec.pattern, [...fieldPath, 'pattern'], '`pattern`');
      if (pattern !== undefined) {
        const compiled = compilePattern(pattern);
        if (compiled.ok) bounds.pattern = pattern;
        else reader.error([...fieldPath, 'pattern'], compiled.code, regexMessage(pattern, compiled.reason), REGEX_HELP);
      }
    }
    result[field] = bounds;
  }
  return result;
}

/** A CEL condition, checked at load so that a typo is reported at its line and column. */
export function readCondition(reader: Reader, value: unknown, path: DataPath): string | undefined {
  const source = reader.string(value, path, '`condition`');
  if (source === undefined) return undefined;
  const compiled = compileCel(source);
  if (compiled.ok) return source;
  for (const error of compiled.errors) reader.errorInString(path, error.offset, error.code, error.message);
  return undefined;
}
