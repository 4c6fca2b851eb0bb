// The shape of a validated policy bundle: what the YAML files say, checked and normalised.

import type { Decision, RiskTier } from '../decision.js';

export const OPERATORS = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'not_in', 'matches', 'glob', 'prefix', 'contains', 'exists'] as const;
export type Operator = (typeof OPERATORS)[number];

/** One test on one field: `amount_usd: { gt: 10000 }` is `{ path: 'amount_usd', op: 'gt', value: 10000 }`. */
export interface Condition {
  path: string;
  op: Operator;
  value: unknown;
}

/** A `match:` or `unless:` block: all conditions must hold. */
export type MatchSpec = Condition[];

/** Bounds for a field an approver may change: `replicas: { min: 1, max: 10 }`. */
export interface FieldBounds {
  min?: number;
  max?: number;
  values?: unknown[];
  pattern?: string;
}

export interface ApprovalRoute {
  workflow?: string;
  approvers?: string[];
  require?: number;
  criteria?: string[];
  modifiable?: Record<string, FieldBounds>;
  /** Fields people are shown first when they decide, beside the weighty ones Tollgate picks out itself. */
  display?: string[];
  /** Whether an MCP client's own user may answer the request in the client (MCP elicitation), and up to which risk. */
  elicitation?: ElicitationRule;
  /** How far a standing approval granted on this route may reach; `false` or unset allows none. */
  standing?: StandingBound | false;
}

/** `elicitation: allowed` or `{ allowed: true, max_risk: medium }`: no `max_risk` means any risk. */
export interface ElicitationRule {
  allowed: boolean;
  max_risk?: RiskTier;
}

/** `standing: { max_for: 8h, max_uses: 50 }`, durations in milliseconds. */
export interface StandingBound {
  max_for?: number;
  max_uses?: number;
}

export interface RuleSpec extends ApprovalRoute {
  name: string;
  match: MatchSpec;
  unless?: MatchSpec;
  condition?: string;
  decision?: Decision;
  risk?: RiskTier;
  reason?: string;
  /** Where the rule came from, for diagnostics. */
  file?: string;
  index: number;
}

export interface EnvironmentException extends ApprovalRoute {
  /** Action types the exception applies to. */
  action: string[];
  condition?: string;
  decision: Decision;
  reason?: string;
}

export interface EnvironmentPolicy extends ApprovalRoute {
  default?: Decision;
  reason?: string;
  exceptions: EnvironmentException[];
}

export interface Defaults extends ApprovalRoute {
  decision?: Decision;
  timeout?: number;
  on_timeout?: TimeoutAction;
  escalate_to?: string[];
}

export type AutonomyTable = Record<number, Record<RiskTier, Decision>>;

export interface AutonomySpec {
  default_level: number;
  levels: AutonomyTable;
  promote_after?: number;
  demote_on: string[];
  audit_sample_rate: number;
  /** Per-agent starting levels. */
  agents: Record<string, number>;
}

export interface EscalationSpec {
  min_confidence?: number;
  on_conflicting_signals: boolean;
  on_missing_context: boolean;
  on_ambiguous_instructions: boolean;
  novelty: boolean;
}

export interface GroupSpec {
  name: string;
  members: string[];
  description?: string;
}

export type TimeoutAction = 'deny' | 'approve' | 'escalate';

export interface WorkerStepConfig {
  capability: string;
  timeout?: number;
  input?: Record<string, unknown>;
}

export interface ApprovalStepConfig {
  approvers: string[];
  require: number;
  timeout?: number;
  on_timeout?: TimeoutAction;
  escalate_to?: string[];
  remind_before?: number;
  distinct_from: string[];
  criteria?: string[];
  modifiable?: Record<string, FieldBounds>;
}

export type WorkflowStep =
  | { id: string; type: 'worker'; depends_on: string[]; config: WorkerStepConfig; name?: string }
  | { id: string; type: 'approval'; depends_on: string[]; config: ApprovalStepConfig; name?: string };

export interface WorkflowSpec {
  name: string;
  description?: string;
  /** Fields people are shown first when they decide any request of this workflow. */
  display?: string[];
  elicitation?: ElicitationRule;
  /** The standing approvals its requests may grant, bounded with the rule's own (the tighter wins). */
  standing?: StandingBound | false;
  steps: WorkflowStep[];
  file?: string;
}

export type NotificationChannelType = 'slack' | 'teams' | 'pagerduty' | 'email' | 'webhook' | 'jira' | 'servicenow';
/** How a request can end, as a ticket channel's per-outcome settings name it (`transitions`, `close_codes`). */
export const TICKET_OUTCOMES = ['approved', 'denied', 'changes_requested', 'timed_out', 'failed', 'cancelled'] as const;
export const NOTIFICATION_EVENTS = ['requested', 'reminder', 'escalated', 'timed_out', 'decided'] as const;
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];

export interface NotificationChannel {
  name: string;
  type: NotificationChannelType;
  /** Type-specific settings; secrets are named by environment variable (`*_env`), never inline. */
  settings: Record<string, unknown>;
}

export interface NotificationRoute {
  channel: string;
  groups?: string[];
  events?: NotificationEvent[];
  risk?: RiskTier[];
}

export interface NotificationsSpec {
  channels: NotificationChannel[];
  routes: NotificationRoute[];
}

export interface ReviewSpec {
  /** How long after execution a reviewer may still act, in milliseconds. */
  window?: number;
  reviewers?: string[];
}

export interface PolicyBundle {
  rules: RuleSpec[];
  approval_policies: Record<string, EnvironmentPolicy>;
  defaults: Defaults;
  autonomy?: AutonomySpec;
  escalation?: EscalationSpec;
  groups: Record<string, GroupSpec>;
  workflows: Record<string, WorkflowSpec>;
  notifications?: NotificationsSpec;
  review?: ReviewSpec;
  questions?: QuestionsSpec;
}

/** What happens to a question nobody answered in time: sent on to `escalate_to` once, or closed unanswered. */
export type QuestionTimeoutAction = 'escalate' | 'expire';

/** The top-level `questions:` block: who answers agents' questions, and how long they wait. */
export interface QuestionsSpec {
  /** Groups or people; the `defaults` approvers when absent. */
  approvers?: string[];
  /** ms. */
  timeout?: number;
  on_timeout?: QuestionTimeoutAction;
  escalate_to?: string[];
}
