// What an implementation reports for a case, reduced to what cases can assert, so that the
// library, the CLI and the HTTP API are compared on equal terms.

import type { PolicyDecision } from '@tollgate/core';

export interface DiagnosticOutcome {
  code: string;
  message: string;
  line?: number;
  column?: number;
}

export type Outcome =
  | {
      kind: 'decision';
      decision: string;
      /** Names of the reasons of kind `rule`: the rules that matched. */
      rules: string[];
      /** Names of every reason, whatever its kind. */
      reasons: string[];
      risk: string | null;
      missing: string[];
      route: Record<string, unknown> | null;
      policyVersion: string;
    }
  /** The policy did not load. */
  | { kind: 'invalid'; diagnostics: DiagnosticOutcome[] }
  /** The policy loaded and nothing was evaluated (a `want_error` case whose policy is fine). */
  | { kind: 'valid' };

/** From the decision object that `evaluate` returns and `policy eval` prints as JSON. */
export function decisionOutcome(result: PolicyDecision): Outcome {
  return {
    kind: 'decision',
    decision: result.decision,
    rules: result.reasons.filter((reason) => reason.kind === 'rule').map((reason) => reason.name),
    reasons: result.reasons.map((reason) => reason.name),
    risk: result.risk,
    missing: result.missing.map((missing) => missing.path),
    route: result.route === undefined ? null : { ...result.route },
    policyVersion: result.policy_version,
  };
}
