// Runs one engine on one policy size: compile (median of a few), warm up, verify against
// Tollgate's decisions, then time.
import { measureAsync, measureSync, summarise, timeRuns, type Measurement } from '../../lib/stats.js';
import type { Decider, Engine, PolicySpec } from './engine.js';
import { strictness, type Action, type Decision } from './rules.js';
import { verifyPass, type Mismatch } from './verify.js';

export interface EngineResult {
  engine: string;
  size: number;
  /** Median of the plan's compile runs. */
  compile_ms: number | null;
  /** The first of them, with less of the engine's code warmed up by the JIT. */
  compile_first_ms: number | null;
  /** null for Tollgate, which is the reference. */
  equivalent: boolean | null;
  mismatches: number;
  error: string | null;
  decisions_per_s: number | null;
  p50_ns: number | null;
  p99_ns: number | null;
  /** Decisions timed; for slow engines this is one pass over the mix. */
  decisions: number;
  batch_size: number;
  /** Sum of decision codes over the timed run; kept so no engine's work can be optimised away. */
  checksum: number;
}

export interface RunPlan {
  /** Actions of the mix used: a power of two, so `i & mask` cycles through them. */
  actions: number;
  durationMs: number;
  warmupMs: number;
  compileRuns: number;
}

const code = (d: string): number => strictness[d as Decision] ?? -1;

function failed(engine: string, size: number, error: string, compileMs: number | null = null, mismatches = 0): EngineResult {
  return {
    engine,
    size,
    compile_ms: compileMs,
    compile_first_ms: null,
    equivalent: mismatches > 0 ? false : null,
    mismatches,
    error,
    decisions_per_s: null,
    p50_ns: null,
    p99_ns: null,
    decisions: 0,
    batch_size: 0,
    checksum: 0,
  };
}

function describe(m: Mismatch): string {
  return `${JSON.stringify(m.action)} → tollgate ${m.expected}, ${m.actual}`;
}

async function warmUp(decider: Decider, actions: readonly Action[], ms: number): Promise<void> {
  const end = performance.now() + ms;
  for (let i = 0; performance.now() < end; i++) {
    const action = actions[i % actions.length] as Action;
    if (decider.kind === 'sync') decider.decide(action);
    else await decider.decide(action);
  }
}

function time(decider: Decider, actions: readonly Action[], plan: RunPlan): Measurement | Promise<Measurement> {
  const mask = actions.length - 1;
  const at = (i: number): Action => actions[i & mask] as Action;
  return decider.kind === 'sync'
    ? measureSync((i) => code(decider.decide(at(i))), plan)
    : measureAsync(async (i) => code(await decider.decide(at(i))), plan);
}

/**
 * `expected` holds Tollgate's decision for each action; omit it when measuring Tollgate itself.
 * Returns the engine's own decisions too, which become the reference when it is Tollgate.
 */
export async function measureEngine(
  engine: Engine,
  spec: PolicySpec,
  actions: readonly Action[],
  plan: RunPlan,
  expected?: readonly string[],
): Promise<{ result: EngineResult; decisions: string[] }> {
  let compiled: { ms: number; firstMs: number; result: Decider };
  try {
    compiled = await timeRuns(plan.compileRuns, () => engine.build(spec));
  } catch (error) {
    return {
      result: failed(engine.name, spec.size, `${engine.name} failed to compile ${spec.size} rules: ${(error as Error).message}`),
      decisions: [],
    };
  }
  const decider = compiled.result;
  await warmUp(decider, actions, plan.warmupMs);
  const pass = await verifyPass(decider, actions, expected);

  const thrown = pass.decisions.filter((d) => d.startsWith('error:'));
  if (!expected && thrown.length > 0) {
    const error = `${engine.name} threw on ${thrown.length}/${actions.length} actions at ${spec.size} rules; first: ${thrown[0]}`;
    return { result: failed(engine.name, spec.size, error, compiled.ms), decisions: pass.decisions };
  }
  if (pass.mismatches.length > 0) {
    const shown = pass.mismatches
      .slice(0, 3)
      .map((m) => `\n    ${describe(m)}`)
      .join('');
    const error = `${engine.name} is NOT EQUIVALENT to tollgate at ${spec.size} rules on ${pass.mismatches.length}/${actions.length} actions; its numbers are skipped${shown}`;
    return { result: failed(engine.name, spec.size, error, compiled.ms, pass.mismatches.length), decisions: pass.decisions };
  }

  // Slow engines (milliseconds per decision) already decided the whole mix once, after warm-up;
  // timing them again would only repeat that pass at the cost of minutes.
  globalThis.gc?.();
  const m =
    pass.elapsedNs >= plan.durationMs * 1e6
      ? summarise(
          pass.samplesNs,
          actions.length,
          pass.elapsedNs,
          1,
          pass.decisions.reduce((sum, d) => sum + code(d), 0),
        )
      : await time(decider, actions, plan);
  const result: EngineResult = {
    engine: engine.name,
    size: spec.size,
    compile_ms: compiled.ms,
    compile_first_ms: compiled.firstMs,
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
  return { result, decisions: pass.decisions };
}
