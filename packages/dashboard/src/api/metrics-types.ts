// The oversight report of GET /v1/metrics, as far as the oversight page reads it.

export interface Percentiles {
  p50: number | null;
  p90: number | null;
  p99: number | null;
}

export interface RequestSummary {
  requests: number;
  decided: number;
  approved: number;
  denied: number;
  changes_requested: number;
  timed_out: number;
  pending: number;
  approval_rate: number | null;
  timeout_rate: number | null;
  time_to_decision_ms: Percentiles;
  quick_approvals: number;
  quick_approval_rate: number | null;
}

export interface GateFigures extends RequestSummary {
  gate: string;
  reversals: number;
  misses: number;
  reversal_rate: number | null;
  miss_rate: number | null;
  backlog: number;
}

export interface ApproverFigures {
  approver: string;
  name: string;
  decisions: number;
  approvals: number;
  denials: number;
  approval_rate: number | null;
  time_to_vote_ms: Percentiles;
  load_per_day: number;
  open_assignments: number;
}

export interface AgentFigures extends RequestSummary {
  agent: string;
  actions: number;
  reversal_rate: number | null;
  miss_rate: number | null;
}

export interface TotalFigures extends RequestSummary {
  actions: number;
  ran: number;
  reversals: number;
  misses: number;
  reversal_rate: number | null;
  miss_rate: number | null;
  approvers: number;
  load_per_approver_per_day: number | null;
  backlog: number;
  oldest_pending_age_ms: number | null;
  /** Votes people cast: each is one person's decision. */
  votes: { decisions: number; approvers: number };
}

export interface Finding {
  kind: string;
  subject: Record<string, unknown>;
  message: string;
  evidence: Record<string, number | string | null>;
  fix: string;
}

export interface MetricsReport {
  window: { name: string; since: string; until: string; days: number };
  definitions: Record<string, string>;
  totals: TotalFigures;
  gates?: GateFigures[];
  approvers?: ApproverFigures[];
  agents?: AgentFigures[];
  /** The thresholds the warnings were judged by (core's DEFAULT_THRESHOLDS). */
  thresholds: { rubber_stamp_min_decisions: number; theater_min_decisions: number; spof_min_decisions: number };
  warnings: Finding[];
  recommendations: Finding[];
}

/** One bucket of GET /v1/metrics/series; `null` where the bucket has nothing to measure. */
export interface SeriesPoint {
  start: string;
  end: string;
  requests: number | null;
  decisions: number | null;
  approval_rate: number | null;
  time_to_decision_ms: Percentiles | null;
  timeout_rate: number | null;
  reversal_rate: number | null;
  miss_rate: number | null;
}

export interface MetricsSeries {
  window: string;
  bucket: 'day' | 'hour';
  from: string;
  to: string;
  points: SeriesPoint[];
}
