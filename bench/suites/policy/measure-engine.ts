// Runs one engine on one policy size: compile (median of a few), verify against Tollgate, time.
import { measureAsync, measureSync, timeRuns, type Measurement } from '../../lib/stats.js';
import type { Decider, Engine, PolicySpec } from './engine.js';
import { strictness, type Action, type Decision } from './rules.js';
import { findMismatches, type Mismatch } from './verify.js';

export interface EngineResult {
  engine: string;
  size: number;
  compile_ms: number | null;
  /** null for Tollgate, which is the reference. */
  equivalent: boolean | null;
  mismatches: number;
  error: string | null;
  decisions_per_s: number | null;
  p50_ns: number | null;
  p99_ns: number | null;
  decisions: number;
  batch_size: number;
  /** Sum of decision codes over the timed run; kept so no engine's work can be optimised away. */
  checksum: number;
}

export interface RunPlan {
  durationMs: number;
  warmupMs: number;
  compileRuns: number;
}

function failed(engine: string, size: number, error: string, compileMs: number | null = null, mismatches = 0): EngineResult {
  return { engine, size, compile_ms: compileMs, equivalent: mismatches > 0 ? false : null, mismatches, error, decisions_per_s: null, p50_ns: null, p99_ns: null, decisions: 0, batch_size: 0, checksum: 0 };
}

export async function compile(engine: Engine, spec: PolicySpec, runs: number): Promise<{ ms: number; decider: Decider } | { error: string }> {
  try {
    const { ms, result } = await timeRuns(runs, () => engine.build(spec));
    return { ms, decider: result };
  } catch (error) {
    return { error: `${engine.name} failed to compile ${spec.size} rules: ${(error as Error).message}` };
  }
}

function describe(m: Mismatch): string {
  return `${JSON.stringify(m.action)} → tollgate ${m.expected}, got ${m.actual}`;
}

async function time(decider: Decider, actions: readonly Action[], plan: RunPlan): Promise<Measurement> {
  // The mix has a power-of-two length, so `i & mask` cycles through it.
  const mask = actions.length - 1;
  const at = (i: number): Action => actions[i & mask] as Action;
  const code = (d: Decision): number => strictness[d];
  return decider.kind === 'sync'
    ? measureSync((i) => code(decider.decide(at(i))), plan)
    : measureAsync(async (i) => code(await decider.decide(at(i))), plan);
}

/** `expected` is Tollgate's decision for each action; omit it when measuring Tollgate itself. */
export async function measureEngine(
  engine: Engine,
  spec: PolicySpec,
  actions: readonly Action[],
  plan: RunPlan,
  expected?: readonly Decision[],
): Promise<EngineResult> {
  const compiled = await compile(engine, spec, plan.compileRuns);
  if ('error' in compiled) return failed(engine.name, spec.size, compiled.error);
  if (expected) {
    const mismatches = await findMismatches(compiled.decider, actions, expected);
    if (mismatches.length > 0) {
      const shown = mismatches.slice(0, 3).map((m) => `\n    ${describe(m)}`).join('');
      const error = `${engine.name} is NOT EQUIVALENT to tollgate at ${spec.size} rules on ${mismatches.length}/${actions.length} actions; its numbers are skipped${shown}`;
      return failed(engine.name, spec.size, error, compiled.ms, mismatches.length);
    }
  }
  globalThis.gc?.();
  const m = await time(compiled.decider, actions, plan);
  return {
    engine: engine.name,
    size: spec.size,
    compile_ms: compiled.ms,
    equivalent: expected ? true : null,
    mismatches: 0,
    error: null,
    decisions_per_s: m.perSecond,
    p50_ns: m.p50Ns,
    p99_ns: m.p99Ns,
    decisions: m.decisions,
    batch_size: m.batchSize,
    checksum: m.checksum,
  };
}
