import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json.js';

/** The definition, written as plainly as possible: the fast version must match it byte for byte. */
function reference(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) return 'null';
    if (value === undefined || typeof value === 'function' || typeof value === 'symbol') return 'null';
    if (typeof value === 'bigint') return value.toString();
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(reference).join(',')}]`;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record)
    .filter((key) => record[key] !== undefined)
    .sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${reference(record[key])}`).join(',')}}`;
}

/** A small seeded generator (mulberry32), so a failure names a reproducible case. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SCALARS: unknown[] = [0, -0, 1.5, -2e21, 1e-7, Number.NaN, Infinity, true, false, null, undefined, 'a"b\\c', '\u2028é😀', '', 10n];

function value(next: () => number, depth: number): unknown {
  const pick = next();
  if (depth > 3 || pick < 0.5) return SCALARS[Math.floor(next() * SCALARS.length)];
  if (pick < 0.7) return Array.from({ length: Math.floor(next() * 4) }, () => value(next, depth + 1));
  const record: Record<string, unknown> = {};
  for (let i = Math.floor(next() * 5); i > 0; i--)
    record[['z', 'a', 'B', 'é', '10', '2', '', 'a b'][Math.floor(next() * 8)]!] = value(next, depth + 1);
  return record;
}

describe('canonicalJson', () => {
  it('sorts keys, drops undefined fields and writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: [true, null, undefined], c: undefined, d: { y: 'x', x: -0 } })).toBe(
      '{"a":[true,null,null],"b":1,"d":{"x":0,"y":"x"}}',
    );
    expect(canonicalJson({ n: Number.NaN, i: -Infinity, big: 12n })).toBe('{"big":12,"i":null,"n":null}');
  });

  it('matches the plain definition on 5,000 seeded values', () => {
    const next = random(20261125);
    for (let i = 0; i < 5000; i++) {
      const sample = value(next, 0);
      expect(canonicalJson(sample), `case ${i}`).toBe(reference(sample));
    }
  });
});
