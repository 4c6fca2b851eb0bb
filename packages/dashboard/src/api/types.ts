// The JSON the server answers, as far as the dashboard reads it (see the server's views).

export interface Me {
  id: string;
  name: string;
  role: 'admin' | 'approver' | 'auditor';
  groups: string[];
  tenant: string;
  /** Routing skips people out of office; they may still decide what reaches them. */
  out_of_office: boolean;
}

/** Someone a stage may be handed to (GET /v1/approvals/:id/eligible). */
export interface EligiblePerson {
  id: string;
  name: string;
  role: string;
  groups: string[];
  open_assignments: number;
  /** One of the stage's approvers already; otherwise only this delegation makes them one. */
  approver: boolean;
}

export interface EligibleList {
  approval_id: string;
  step: string | null;
  people: EligiblePerson[];
  out_of_office: EligiblePerson[];
}

export interface StepVote {
  user_id: string;
  name: string;
  verdict: string;
  note: string | null;
  modifications: Record<string, unknown> | null;
  at: string;
}

export interface Step {
  id: string;
  type: 'approval' | 'worker';
  status: string;
  depends_on: string[];
  approvers?: string[];
  require?: number;
  deadline?: string | null;
  escalations?: number;
  criteria?: string[];
  modifiable?: Record<string, FieldBounds>;
  votes?: StepVote[];
  delegations?: { from: string; to: string; note: string | null; at: string }[];
  capability?: string;
  output?: unknown;
  /** The worker whose job produced `output`. */
  worker?: WorkerRef | null;
  assignees?: string[];
  resolution: string | null;
}

/** A worker as its key names it. */
export interface WorkerRef {
  name: string;
  key_id: string;
}

export interface FieldBounds {
  min?: number;
  max?: number;
  values?: unknown[];
  pattern?: string;
}

export interface Approval {
  id: string;
  action_id: string;
  status: string;
  approvers: string[];
  require: number;
  criteria: string[];
  modifiable: Record<string, FieldBounds> | null;
  workflow: string | null;
  digest: string;
  requested_by: string;
  created_at: string;
  deadline: string | null;
  decided_at: string | null;
  resolution: string | null;
  steps: Step[];
  action: Record<string, unknown> | null;
}

export interface Reason {
  name: string;
  kind: string;
  decision: string;
  reason: string;
}

/** A field of the action Tollgate shows before the agent's words, and why it shows it. */
export interface ShownField {
  path: string;
  value: unknown;
  /** A deciding rule tested it, the policy lists it for display, or its name marks it weighty. */
  why: 'tested' | 'display' | 'weighty';
  /** What the deciding rules tested on it: "gt 1000 (big-refunds)". */
  tests: string[];
}

/** Where the agent's own words disagree with a field: its summary says $5.00, `amount_usd` is 950000. */
export interface Contradiction {
  path: string;
  value: unknown;
  source: string;
  claim: string;
  message: string;
}

/** What Tollgate itself knows about the request, as opposed to what the agent says about it. */
export interface RequestFacts {
  action_type: string | null;
  environment: string | null;
  capability: string | null;
  agent: string;
  decision: string;
  risk: string | null;
  fields: ShownField[];
  contradictions: Contradiction[];
}

export interface ContextPackage {
  facts: RequestFacts;
  /** The agent's summary, or Tollgate's sentence for the action when it sent none. */
  summary: string;
  risk: { level: string | null; why: Reason[]; missing: { path: string; needed_by: string }[] };
  criteria: string[];
  key_context: Record<string, unknown>;
  details: Record<string, unknown>;
  diff: unknown;
  simulation: unknown;
  reasoning: { text: string | null; confidence: number | null };
  analysis: Record<string, unknown>;
  /** Who produced each step's analysis, by step id. */
  analysis_by?: Record<string, WorkerRef>;
  precedent: {
    action_id: string;
    status: string;
    resolution: string | null;
    summary: string;
    decided_at: string | null;
    outcome: string | null;
  }[];
}

export interface ApprovalDetail extends Approval {
  context_package: ContextPackage;
  decision: {
    decision: string;
    risk: string | null;
    agent: string;
    policy_version: string;
    /** The standing approval an approving vote may grant here (`max_for` in ms), or null for none. */
    standing?: StandingBound | null;
  };
}

export interface StandingBound {
  max_for: number | null;
  max_uses: number | null;
}

/** A condition in the policy's `match` form, as a standing approval's constraints are stored. */
export interface Condition {
  path: string;
  op: string;
  value: unknown;
}

export interface StandingApproval {
  id: string;
  approval_id: string;
  agent: string;
  action_type: string;
  gate: string;
  approver_id: string;
  approver_name?: string | null;
  constraints: Condition[];
  uses: number | null;
  uses_left: number | null;
  expires_at: string | null;
  created_at: string;
  revoked_at: string | null;
  revoked_by: string | null;
  active: boolean;
}

export interface Review {
  action_id: string;
  status: string;
  reason: string;
  reviewer: string | null;
  note: string | null;
  reversal: Record<string, unknown> | null;
  created_at: string;
  due_at: string | null;
  decided_at: string | null;
  action: {
    agent: string;
    action_type: string | null;
    environment: string | null;
    summary: string | null;
    outcome: { status: string; detail?: string } | null;
    reversible: boolean;
  };
  /** What a reversal would run, as the agent reported it. */
  compensation:
    | { method: 'webhook'; url: string; host: string | null; supplied_by: 'agent' }
    | { method: 'worker'; capability: string; supplied_by: 'agent' }
    | null;
}

export interface AgentTotals {
  successes: number;
  failures: number;
  denials: number;
  reversals: number;
  flags: number;
}

export interface Agent {
  name: string;
  level: number;
  level_since: string | null;
  successes_toward_promotion: number;
  promote_after: number | null;
  totals: AgentTotals;
}

export interface AgentDetail extends Agent {
  classes: ({ action_type: string; environment: string | null; level: number } & AgentTotals)[];
  history: { at: string; type: string; from: unknown; to: unknown; reason: unknown; actor: string }[];
}

export interface AuditEvent {
  seq: number;
  type: string;
  actor: string;
  subject: string | null;
  data: Record<string, unknown>;
  created_at: string;
  prev_hash: string;
  hash: string;
}

export interface ChainHead {
  seq: number;
  hash: string;
}

export interface VerifyResult {
  ok: boolean;
  events: number;
  head: ChainHead;
  problems: { seq?: number; message?: string; code?: string }[];
}

export interface PolicyInfo {
  version: string;
  files: { path: string; text: string }[];
  summary: { rules: number; environments: string[]; workflows: string[]; groups: string[]; autonomy: boolean; escalation: boolean };
  warnings: unknown[];
  versions: { version: string; loaded_at: string }[];
}

/** An agent's question to people (`GET /v1/questions/<id>`), as the SDK types it. */
export type { QuestionView as Question } from '@tollgate/sdk';
