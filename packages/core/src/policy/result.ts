// The decision object that `evaluate` returns and `tollgate policy eval` prints.

import type { Decision, RiskTier } from '../decision.js';
import type { ApprovalRoute, Operator } from './types.js';

/** One fact a contribution tested: the field, the test, what the test wanted and what it found. */
export interface Fact {
  path: string;
  op: Operator | 'cel';
  expected: unknown;
  /** Absent when the field was missing. */
  actual?: unknown;
}

export type ReasonKind = 'rule' | 'environment' | 'default' | 'escalation' | 'sampling' | 'error';

/** One contribution to the decision. */
export interface Reason {
  kind: ReasonKind;
  /** Rule name, `approval_policies.production.exceptions[0]`, `defaults.decision`, `escalation.min_confidence`… */
  name: string;
  decision: Decision;
  reason: string;
  facts: Fact[];
  risk?: RiskTier;
  /** For a rule decided through the autonomy table: the level and the table's decision. */
  autonomy?: { level: number; risk: RiskTier; decision: Decision };
}

/** A field a contribution needed but the action did not have. */
export interface MissingFact {
  path: string;
  /** The rule or entry that needed it. */
  needed_by: string;
}

export interface PolicyDecision {
  decision: Decision;
  reasons: Reason[];
  missing: MissingFact[];
  risk: RiskTier | null;
  policy_version: string;
  /** The agent's level used for `risk` rules, or null when the policy has no autonomy table. */
  autonomy_level: number | null;
  /** Who decides, for REQUIRE_APPROVAL: from the deciding rule or entry, else `defaults`. */
  route?: ApprovalRoute & { source: string };
}

export interface EvaluateOptions {
  /** The time of the decision (ms since epoch or a Date); evaluation reads no clock of its own. */
  now?: number | Date;
  /** The agent's autonomy level; defaults to the policy's `autonomy.agents` entry or `default_level`. */
  level?: number;
  /** True when this agent has never done this action_type in this environment. */
  novel?: boolean;
  /** Stable id of the action, for deterministic audit sampling (falls back to `idempotency_key`). */
  actionId?: string;
}
