// Equivalence check run before timing: an engine's figures only count if it decides every action
// in the mix exactly as Tollgate does. Each decision is timed, so for engines slow enough that
// this pass outlasts the timed run, the pass itself is the measurement.
import type { Decider } from './engine.js';
import type { Action, Decision } from './rules.js';

export interface Mismatch {
  action: Action;
  expected: Decision;
  actual: string;
}

export interface VerifyPass {
  decisions: string[];
  mismatches: Mismatch[];
  /** Wall time of each decision, in nanoseconds. */
  samplesNs: number[];
  elapsedNs: number;
}

async function decideOnce(decider: Decider, action: Action): Promise<string> {
  try {
    return decider.kind === 'sync' ? decider.decide(action) : await decider.decide(action);
  } catch (error) {
    // A throw is recorded as a non-decision, so it shows up as a mismatch rather than aborting.
    return `error: ${(error as Error).message}`;
  }
}

/** Decides every action once; compares with `expected` when given (Tollgate itself has none). */
export async function verifyPass(decider: Decider, actions: readonly Action[], expected?: readonly string[]): Promise<VerifyPass> {
  const decisions: string[] = [];
  const mismatches: Mismatch[] = [];
  const samplesNs: number[] = [];
  const start = process.hrtime.bigint();
  for (const [i, action] of actions.entries()) {
    const t0 = process.hrtime.bigint();
    const got = await decideOnce(decider, action);
    samplesNs.push(Number(process.hrtime.bigint() - t0));
    decisions.push(got);
    const want = expected?.[i];
    if (want !== undefined && got !== want) mismatches.push({ action, expected: want as Decision, actual: got });
  }
  return { decisions, mismatches, samplesNs, elapsedNs: Number(process.hrtime.bigint() - start) };
}
