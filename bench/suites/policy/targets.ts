// The policy kernel's performance targets, checked against one run's figures.
import type { EngineResult } from './measure-engine.js';

export interface TargetCheck {
  target: string;
  measured: string;
  /** null when a figure it needs is missing, e.g. a peer that was not equivalent. */
  pass: boolean | null;
}

/** Tollgate on the 4-rule mix renamed so that no generated rule can match it. */
export const GROWTH_ENGINE = 'tollgate, unmatched';

const ratioText = (r: number): string => `${r.toFixed(r >= 10 ? 0 : 2)}x`;

export function checkTargets(results: EngineResult[], sizes: readonly number[]): TargetCheck[] {
  const rate = (engine: string, size: number): number | undefined =>
    results.find((r) => r.engine === engine && r.size === size)?.decisions_per_s ?? undefined;
  const checks: TargetCheck[] = [];
  const smallest = Math.min(...sizes);
  const largest = Math.max(...sizes);

  const floor = rate('floor', smallest);
  const small = rate('tollgate', smallest);
  checks.push(
    floor && small
      ? { target: `safety policy: floor ÷ tollgate ≤ 10`, measured: ratioText(floor / small), pass: floor / small <= 10 }
      : { target: `safety policy: floor ÷ tollgate ≤ 10`, measured: 'n/a', pass: null },
  );

  // Cost must not grow with rules that cannot match: the same actions against 4 and 10,000 rules.
  const growthTarget = `${largest.toLocaleString('en')} rules ≥ 0.5 × ${smallest}-rule rate (same actions, added rules cannot match)`;
  const grownRate = rate(GROWTH_ENGINE, largest);
  const baseRate = rate(GROWTH_ENGINE, smallest);
  checks.push(
    grownRate && baseRate
      ? { target: growthTarget, measured: `${(grownRate / baseRate).toFixed(2)}x`, pass: grownRate / baseRate >= 0.5 }
      : { target: growthTarget, measured: 'n/a', pass: null },
  );
  // For information: the full mix, whose actions hit more rules (and build more explanation) as the policy grows.
  const large = rate('tollgate', largest);
  if (large && small) {
    checks.push({
      target: `(info) full mix: ${largest.toLocaleString('en')}-rule rate ÷ ${smallest}-rule rate`,
      measured: `${(large / small).toFixed(2)}x`,
      pass: null,
    });
  }

  for (const [peer, factor] of [
    ['cedar', 50],
    ['json-rules-engine', 100],
  ] as const) {
    for (const size of sizes) {
      const target = `${size.toLocaleString('en')} rules: tollgate ≥ ${factor}x ${peer}`;
      const t = rate('tollgate', size);
      const p = rate(peer, size);
      checks.push(t && p ? { target, measured: ratioText(t / p), pass: t / p >= factor } : { target, measured: 'n/a', pass: null });
    }
  }

  const compiled = results.find((r) => r.engine === 'tollgate' && r.size === largest);
  const target = `compile ${largest.toLocaleString('en')} rules from YAML < 1 s (median)`;
  const median = compiled?.compile_ms ?? null;
  const first = compiled?.compile_first_ms ?? null;
  checks.push(
    median !== null
      ? { target, measured: `${median.toFixed(0)} ms${first !== null ? ` (first ${first.toFixed(0)} ms)` : ''}`, pass: median < 1000 }
      : { target, measured: 'n/a', pass: null },
  );
  return checks;
}
