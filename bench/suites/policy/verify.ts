// Equivalence check run before timing: an engine's figures only count if it decides every action
// in the mix exactly as Tollgate does.
import type { Decider } from './engine.js';
import type { Action, Decision } from './rules.js';

export interface Mismatch {
  action: Action;
  expected: Decision;
  actual: Decision | string;
}

export async function decideAll(decider: Decider, actions: readonly Action[]): Promise<(Decision | string)[]> {
  const out: (Decision | string)[] = [];
  for (const action of actions) {
    try {
      out.push(decider.kind === 'sync' ? decider.decide(action) : await decider.decide(action));
    } catch (error) {
      out.push(`error: ${(error as Error).message}`);
    }
  }
  return out;
}

export async function findMismatches(decider: Decider, actions: readonly Action[], expected: readonly Decision[]): Promise<Mismatch[]> {
  const actual = await decideAll(decider, actions);
  const mismatches: Mismatch[] = [];
  actions.forEach((action, i) => {
    const want = expected[i];
    const got = actual[i];
    if (want !== undefined && got !== undefined && got !== want) mismatches.push({ action, expected: want, actual: got });
  });
  return mismatches;
}
