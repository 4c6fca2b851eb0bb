// Standing approvals as the dashboard writes and reads them: a bound's duration in the policy's
// own units, constraint rows from the action's own fields, and constraints as one line of text.

import type { Condition } from '../api/types.js';
import { shown } from './shown.js';

/** Milliseconds as the policy and the vote write a duration: `8h`, `30m`, `45s`. */
export function durationText(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${Math.ceil(ms / 1000)}s`;
}

/** One constraint an approver may set: a field of the action, equal to a value or at most a number. */
export interface ConstraintRow {
  field: string;
  op: 'eq' | 'lte';
  value: string;
  on: boolean;
}

/** Fields every standing approval pins itself (its agent and type) or that are the agent's own words. */
const LEFT_OUT = new Set(['agent', 'action_type', 'tenant', 'summary', 'reasoning', 'confidence', 'context', 'requested_by']);

/**
 * Rows for the action's own top-level plain values; the environment starts included, as the field
 * an approver most often means when trusting "more of the same".
 */
export function constraintRows(action: Record<string, unknown>): ConstraintRow[] {
  return Object.entries(action)
    .filter(([field, value]) => !LEFT_OUT.has(field) && ['string', 'number', 'boolean'].includes(typeof value))
    .map(([field, value]) => ({ field, op: 'eq', value: String(value), on: field === 'environment' }));
}

/**
 * The vote's `constraints` from the rows that are on: a value keeps the type the action's field
 * has (a number stays a number), `lte` takes a number. A bad number is left for the server to name.
 */
export function constraintsFrom(rows: ConstraintRow[], action: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const row of rows) {
    if (!row.on) continue;
    const original = action[row.field];
    const typed =
      row.op === 'lte' || typeof original === 'number'
        ? row.value.trim() === '' || Number.isNaN(Number(row.value))
          ? row.value
          : Number(row.value)
        : typeof original === 'boolean'
          ? row.value === 'true'
            ? true
            : row.value === 'false'
              ? false
              : row.value
          : row.value;
    out[row.field] = row.op === 'lte' ? { lte: typed } : typed;
  }
  return out;
}

const OPS: Record<string, string> = { eq: '=', lte: '≤', lt: '<', gte: '≥', gt: '>', in: 'in', not_in: 'not in' };

/** `environment = "staging", replicas ≤ 8`, or `none` for a standing approval without constraints. */
export function describeConstraints(conditions: Condition[]): string {
  if (conditions.length === 0) return 'none';
  return conditions.map((c) => `${shown(c.path)} ${OPS[c.op] ?? shown(c.op)} ${shown(JSON.stringify(c.value))}`).join(', ');
}
