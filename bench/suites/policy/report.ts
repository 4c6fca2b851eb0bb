// Prints the policy suite's figures: one table per policy size, then the targets.
import { formatMs, formatNs, formatRate, formatRatio, formatTable } from '../../lib/table.js';
import type { EngineResult } from './measure-engine.js';
import type { TargetCheck } from './targets.js';

const sizeTitle = (size: number): string =>
  size === 4 ? '4 rules (the guide safety policy + no-prod-drop)' : `${size.toLocaleString('en')} rules`;

export function printSize(size: number, results: EngineResult[]): void {
  const tollgate = results.find((r) => r.engine === 'tollgate')?.decisions_per_s ?? null;
  const rows = results.map((r) => {
    const ratio =
      r.engine === 'tollgate' || tollgate === null || r.decisions_per_s === null ? '' : formatRatio(tollgate / r.decisions_per_s);
    const verified = r.equivalent === null ? (r.error ? 'error' : 'reference') : r.equivalent ? 'yes' : 'NO';
    return [
      r.engine,
      r.compile_ms === null ? '-' : formatMs(r.compile_ms),
      r.decisions_per_s === null ? '-' : formatRate(r.decisions_per_s),
      r.p50_ns === null ? '-' : formatNs(r.p50_ns),
      r.p99_ns === null ? '-' : formatNs(r.p99_ns),
      ratio,
      verified,
      r.decisions > 0 ? r.decisions.toLocaleString('en') : '-',
    ];
  });
  console.log(`\n${sizeTitle(size)}`);
  console.log(formatTable(['engine', 'compile', 'decisions/s', 'p50', 'p99', 'tollgate ÷', 'equivalent', 'timed'], rows));
  for (const r of results) if (r.error) console.log(`  ! ${r.error}`);
}

export function printTargets(checks: TargetCheck[]): void {
  const rows = checks.map((c) => [
    c.pass === null ? (c.target.startsWith('(info)') ? 'INFO' : 'N/A') : c.pass ? 'PASS' : 'MISS',
    c.target,
    c.measured,
  ]);
  console.log('\ntargets');
  console.log(formatTable(['', 'target', 'measured'], rows, ['left', 'left', 'right']));
}
