// Decides actions with the policy kernel on this machine, for a single developer's agent with no
// server (`--policy`): nothing is recorded and nobody can be asked, so approvals cannot be had.

import { loadPolicy, type CompiledPolicy, type PolicyDecision } from '@tollgate/core';
import { PolicyLoadError } from './policy-load-error.js';
import { readPolicyFiles } from './load-files.js';

export class LocalDecider {
  private constructor(private readonly policy: CompiledPolicy) {}

  /** Loads the policy at `path`; throws with every diagnostic when it does not load. */
  static load(path: string): LocalDecider {
    const result = loadPolicy(readPolicyFiles(path));
    if (!result.ok) throw new PolicyLoadError(result.diagnostics);
    return new LocalDecider(result.policy);
  }

  decide(action: Record<string, unknown>, now = Date.now()): PolicyDecision {
    return this.policy.evaluate(action, { now });
  }
}

/** The reasons of a decision as one line: each contribution's stated reason, else its name. */
export function reasonText(decision: PolicyDecision): string {
  const reasons = decision.reasons.filter((reason) => reason.decision === decision.decision);
  return (reasons.length > 0 ? reasons : decision.reasons).map((reason) => reason.reason || reason.name).join('; ') || decision.decision;
}
