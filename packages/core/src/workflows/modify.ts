// Modify-within-limits: an approver may change only the fields the policy lists as modifiable,
// and only within their bounds. The changed action gets a new digest.

import { canonicalJson } from '../util/canonical-json.js';
import { compilePattern } from '../util/regex.js';
import { sha256Hex } from '../util/sha256.js';
import type { FieldBounds } from '../policy/types.js';
import type { Refusal } from './state.js';

export function actionDigestOf(action: Record<string, unknown>): string {
  return `sha256:${sha256Hex(canonicalJson(action))}`;
}

function show(value: unknown): string {
  return `\`${typeof value === 'string' ? value : JSON.stringify(value)}\``;
}

/** A pattern that no longer compiles refuses the change: a bound that cannot be checked is not met. */
function matchesPattern(pattern: string, value: string): boolean {
  const compiled = compilePattern(pattern);
  return compiled.ok && compiled.pattern.test(value);
}

/** Why `changes` are not allowed under `modifiable`, or undefined when they are. */
export function checkModifications(
  changes: Record<string, unknown>,
  modifiable: Record<string, FieldBounds>,
  action: Record<string, unknown>,
): Refusal | undefined {
  const fields = Object.keys(modifiable);
  if (Object.keys(changes).length === 0) return { code: 'vote.invalid', message: '`modifications` is empty', field: 'modifications' };
  for (const [field, value] of Object.entries(changes)) {
    const where = `modifications.${field}`;
    if (!Object.hasOwn(modifiable, field)) {
      const allowed =
        fields.length === 0 ? 'this request allows no modifications' : `only ${fields.map((f) => `\`${f}\``).join(', ')} may be changed`;
      return { code: 'approval.modification_refused', message: `\`${field}\` is not modifiable: ${allowed}`, field: where };
    }
    const bounds = modifiable[field]!;
    const current = action[field];
    if (current !== undefined && current !== null && value !== null && typeof current !== typeof value) {
      return {
        code: 'approval.modification_refused',
        message: `\`${field}\` must stay a ${typeof current}, not ${show(value)}`,
        field: where,
      };
    }
    if (bounds.min !== undefined || bounds.max !== undefined) {
      if (typeof value !== 'number' || !Number.isFinite(value))
        return { code: 'approval.modification_refused', message: `\`${field}\` must be a number`, field: where };
      if (bounds.min !== undefined && value < bounds.min)
        return {
          code: 'approval.modification_refused',
          message: `\`${field}\` may not go below ${bounds.min} (asked ${value})`,
          field: where,
        };
      if (bounds.max !== undefined && value > bounds.max)
        return {
          code: 'approval.modification_refused',
          message: `\`${field}\` may not go above ${bounds.max} (asked ${value})`,
          field: where,
        };
    }
    if (bounds.values !== undefined && !bounds.values.some((allowed) => canonicalJson(allowed) === canonicalJson(value))) {
      return {
        code: 'approval.modification_refused',
        message: `\`${field}\` must be one of ${bounds.values.map(show).join(', ')}, not ${show(value)}`,
        field: where,
      };
    }
    if (bounds.pattern !== undefined && (typeof value !== 'string' || !matchesPattern(bounds.pattern, value))) {
      return { code: 'approval.modification_refused', message: `\`${field}\` must match \`${bounds.pattern}\``, field: where };
    }
  }
  return undefined;
}
