// Turns what the agent's function returned (or threw) into the outcome reported to Tollgate:
// a short summary for people, and the compensation that undoes it when one was given.

import { messageOf } from './errors.js';
import type { Compensation, OutcomeReport } from './types.js';

/** The server keeps details up to 10 000 characters; summaries are for a person to skim. */
const MAX_DETAIL = 2000;

export function truncate(text: string, max = MAX_DETAIL): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function summarize(result: unknown): string {
  if (result === undefined) return 'done';
  if (typeof result === 'string') return truncate(result);
  try {
    return truncate(JSON.stringify(result) ?? String(result));
  } catch {
    return truncate(String(result));
  }
}

/** The default outcome of a result: succeeded, its summary, and `result.compensation` if it has one. */
export function succeeded(result: unknown): OutcomeReport {
  const compensation = isPlainObject(result) && isPlainObject(result.compensation) ? (result.compensation as Compensation) : undefined;
  return { status: 'succeeded', detail: summarize(result), ...(compensation === undefined ? {} : { compensation }) };
}

export function failed(error: unknown): OutcomeReport {
  return { status: 'failed', detail: truncate(messageOf(error)) };
}
