// Axis scales for the time charts: a top value a little above the data whose quarter steps read
// as round numbers (25%, 15 s, 2 h, 40 requests), and how each kind of value is written.

import { ms, percent } from '../lib/format.js';

export type ValueKind = 'rate' | 'duration' | 'count';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

// Each top is four ticks apart by a round amount of its unit.
const TOPS: Record<ValueKind, number[]> = {
  rate: [0.02, 0.04, 0.1, 0.2, 0.4, 0.6, 0.8, 1],
  duration: [
    100,
    200,
    400,
    SECOND,
    2 * SECOND,
    4 * SECOND,
    8 * SECOND,
    20 * SECOND,
    40 * SECOND,
    MINUTE,
    2 * MINUTE,
    4 * MINUTE,
    8 * MINUTE,
    20 * MINUTE,
    40 * MINUTE,
    HOUR,
    2 * HOUR,
    4 * HOUR,
    8 * HOUR,
    12 * HOUR,
    DAY,
    2 * DAY,
    4 * DAY,
  ],
  count: [4, 8, 20, 40, 80, 200, 400, 800, 2000, 4000, 8000, 20_000, 40_000, 80_000],
};

/** The axis top for the largest value shown; an empty chart gets the smallest top. */
export function axisTop(kind: ValueKind, largest: number): number {
  const tops = TOPS[kind];
  const found = tops.find((top) => top >= largest);
  if (found !== undefined) return found;
  const last = tops[tops.length - 1]!;
  return Math.ceil(largest / last) * last;
}

export function formatValue(kind: ValueKind, value: number | null): string {
  if (value === null) return 'no data';
  if (kind === 'rate') return percent(value);
  if (kind === 'duration') return ms(value);
  return String(Math.round(value * 100) / 100);
}
