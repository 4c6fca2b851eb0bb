// Percentiles and rates as the oversight metrics define them: nearest-rank percentiles, so every
// figure is a duration that really occurred, and rates that are null when nothing was counted.

export interface Percentiles {
  p50: number | null;
  p90: number | null;
  p99: number | null;
}

/** The nearest-rank percentile of values sorted ascending (p in 0..100); null for no values. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

/** p50, p90 and p99 of unsorted values (the array is sorted in place). */
export function percentiles(values: number[]): Percentiles {
  values.sort((a, b) => a - b);
  return { p50: percentile(values, 50), p90: percentile(values, 90), p99: percentile(values, 99) };
}

/** part ÷ whole, or null when whole is 0: a rate over nothing is unknown, not zero. */
export function rate(part: number, whole: number): number | null {
  return whole === 0 ? null : part / whole;
}
