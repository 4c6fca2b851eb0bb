// How the charts fit their text: row labels shortened to a part that still tells them apart, axis
// labels kept inside the drawing, fewer date labels on a narrow chart.

import { describe, expect, it } from 'vitest';
import { labelledBuckets } from '../src/charts/buckets.js';
import { clampCentre, fitLabels, fontFor } from '../src/charts/layout.js';

/** Seven pixels a character: what the tests measure with instead of a browser's font. */
const measure = (text: string): number => text.length * 7;

describe('chart labels', () => {
  it('keeps a label that fits as it is', () => {
    expect(fitLabels(['bulk-operations', 'large-transactions'], 200, measure)).toEqual(['bulk-operations', 'large-transactions']);
  });

  it('shortens two gates of one environment block to the parts that differ, not to one shared prefix', () => {
    const gates = ['approval_policies.production.default', 'approval_policies.staging.exceptions[0]', 'bulk-operations'];
    const fitted = fitLabels(gates, 160, measure);
    expect(fitted).toEqual(['…production.default', '…staging.exceptions[0]', 'bulk-operations']);
    expect(new Set(fitted).size).toBe(gates.length);
    for (const label of fitted) expect(measure(label)).toBeLessThanOrEqual(160);
  });

  it('keeps more of a dotted name when its last part alone is another label’s ending', () => {
    const gates = ['approval_policies.production.default', 'approval_policies.staging.default'];
    expect(fitLabels(gates, 160, measure)).toEqual(['…production.default', '…staging.default']);
  });

  it('cuts characters from the left when no dotted part fits', () => {
    const [fitted] = fitLabels(['a-very-long-rule-name-without-any-dots-at-all'], 100, measure);
    expect(fitted!.startsWith('…')).toBe(true);
    expect(measure(fitted!)).toBeLessThanOrEqual(100);
    expect('a-very-long-rule-name-without-any-dots-at-all'.endsWith(fitted!.slice(1))).toBe(true);
  });

  it('moves a centred label inwards at either edge', () => {
    expect(clampCentre(455, 40, 0, 460)).toBe(440);
    expect(clampCentre(5, 40, 0, 460)).toBe(20);
    expect(clampCentre(200, 40, 0, 460)).toBe(200);
  });

  it('never draws chart text below 11 px', () => {
    for (const width of [280, 320, 375, 460, 640, 1280]) expect(fontFor(width)).toBeGreaterThanOrEqual(11);
  });

  it('labels fewer days on a narrow chart, always the newest', () => {
    const starts = Array.from({ length: 31 }, (_, i) => new Date(Date.UTC(2026, 10, 8 + i)).toISOString());
    const wide = labelledBuckets(starts, 'day');
    const narrow = labelledBuckets(starts, 'day', 4);
    expect(narrow.length).toBeLessThan(wide.length);
    expect(narrow.length).toBeLessThanOrEqual(4);
    expect(narrow.at(-1)).toBe(30);
    expect(wide.at(-1)).toBe(30);
  });
});
