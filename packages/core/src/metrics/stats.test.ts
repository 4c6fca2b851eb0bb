// Nearest-rank percentiles and rates on hand-checked values.
import { describe, expect, it } from 'vitest';
import { percentile, percentiles, rate } from './stats.js';

describe('percentiles', () => {
  it('take the nearest rank, so each figure is a value that occurred', () => {
    const values = Array.from({ length: 100 }, (_, i) => (i + 1) * 1000);
    expect(percentiles([...values].reverse())).toEqual({ p50: 50_000, p90: 90_000, p99: 99_000 });
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([1, 2, 3], 50)).toBe(2);
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
    expect(percentile([1, 2, 3, 4], 90)).toBe(4);
  });

  it('are null without values, and rates are null over nothing', () => {
    expect(percentiles([])).toEqual({ p50: null, p90: null, p99: null });
    expect(rate(0, 0)).toBeNull();
    expect(rate(1, 4)).toBe(0.25);
  });
});

describe('histograms', () => {
  it('merge exactly and answer with a value that occurred, within 10% of the true percentile', async () => {
    const { histogramPercentiles, merge, record } = await import('./histogram.js');
    const a = {};
    const b = {};
    const values: number[] = [];
    for (let i = 1; i <= 1000; i++) {
      const ms = i * 137;
      values.push(ms);
      record(i % 2 === 0 ? a : b, ms);
    }
    const exact = percentiles([...values]);
    const merged = histogramPercentiles(merge(merge({}, a), b));
    for (const p of ['p50', 'p90', 'p99'] as const) {
      expect(values).toContain(merged[p]);
      expect(merged[p]!).toBeGreaterThanOrEqual(exact[p]!);
      expect(merged[p]! / exact[p]!).toBeLessThan(1.1);
    }
    const single = {};
    for (const ms of [3000, 3000, 60_000]) record(single, ms);
    expect(histogramPercentiles(single)).toEqual({ p50: 3000, p90: 60_000, p99: 60_000 });
  });
});
