// Duration histograms that merge exactly across days: log-spaced buckets (each 10% wider than the
// last) that keep their count and largest value, so percentiles of a month come from daily rollups.

import type { Percentiles } from './stats.js';

/** Bucket index → [count, largest value in it]. Plain JSON, so rollups store it as it is. */
export type Histogram = Record<string, [number, number]>;

const LOG_RATIO = Math.log(1.1);

export function bucketOf(ms: number): number {
  return ms < 1 ? 0 : 1 + Math.floor(Math.log(ms) / LOG_RATIO);
}

export function record(histogram: Histogram, ms: number): void {
  const key = String(bucketOf(ms));
  const cell = histogram[key];
  if (cell === undefined) histogram[key] = [1, ms];
  else {
    cell[0]++;
    if (ms > cell[1]) cell[1] = ms;
  }
}

export function merge(into: Histogram, from: Histogram): Histogram {
  for (const key in from) {
    const [count, max] = from[key]!;
    const cell = into[key];
    if (cell === undefined) into[key] = [count, max];
    else {
      cell[0] += count;
      if (max > cell[1]) cell[1] = max;
    }
  }
  return into;
}

export function countOf(histogram: Histogram): number {
  let total = 0;
  for (const key in histogram) total += histogram[key]![0];
  return total;
}

/**
 * Nearest-rank percentiles, answered with the largest value of the bucket holding that rank: exact
 * when the bucket holds one distinct value, otherwise at most 10% above the true value.
 */
export function histogramPercentiles(histogram: Histogram): Percentiles {
  const buckets = Object.keys(histogram)
    .map(Number)
    .sort((a, b) => a - b)
    .map((key) => histogram[String(key)]!);
  const total = buckets.reduce((n, [count]) => n + count, 0);
  const at = (p: number): number | null => {
    if (total === 0) return null;
    const rank = Math.max(1, Math.ceil((p / 100) * total));
    let seen = 0;
    for (const [count, max] of buckets) {
      seen += count;
      if (seen >= rank) return max;
    }
    return buckets[buckets.length - 1]![1];
  };
  return { p50: at(50), p90: at(90), p99: at(99) };
}
