// The records the server keeps, as the services see them (not as the tables store them).

import type { Condition, Decision, PolicyDecision, RiskTier, WorkflowEvent, WorkflowState } from '@tollgate/core';

/** A tenant's people: admins, approvers and auditors; an operator runs the server and belongs to no tenant's decisions. */
export type Role = 'admin' | 'approver' | 'auditor' | 'operator';
export const ROLES: readonly Role[] = ['admin', 'approver', 'auditor', 'operator'];

/** Whether people of this role may decide requests (auditors read; operators run the server). */
export function decides(role: Role): boolean {
  return role === 'admin' || role === 'approver';
}

export interface Tenant {
  id: string;
  name: string;
  created_at: number;
}

export interface User {
  id: string;
  tenant_id: string;
  name: string;
  role: Role;
  groups: string[];
  /** scrypt hash in the form `scrypt$N$r$p$salt$hash` (never the password). */
  password_hash: string;
  out_of_office: boolean;
  created_at: number;
  disabled_at: number | null;
}

/** An agent key submits actions and reports their outcomes; a worker key takes jobs of its capabilities. */
export type KeyKind = 'agent' | 'worker';

export interface ApiKey {
  id: string;
  tenant_id: string;
  /** The name of the agent, or of the worker for a worker key. */
  agent: string;
  kind: KeyKind;
  /** The capabilities whose jobs a worker key takes; empty for an agent key. */
  capabilities: string[];
  /** SHA-256 of the secret; the secret itself is shown once and never stored. */
  key_hash: string;
  /** The first characters of the key, to tell keys apart in listings. */
  prefix: string;
  created_at: number;
  revoked_at: number | null;
  last_used_at: number | null;
}

export interface Session {
  /** SHA-256 of the session token. */
  token_hash: string;
  tenant_id: string;
  user_id: string;
  created_at: number;
  expires_at: number;
}

export type ActionStatus =
  | 'allowed' // ALLOW: the agent may act
  | 'review' // REVIEW: the agent may act; a person reviews afterwards
  | 'pending' // REQUIRE_APPROVAL: waiting for people
  | 'approved' // approved; a grant was issued
  | 'denied' // DENY by policy or by a person
  | 'changes_requested' // sent back with feedback; a revision may follow
  | 'timed_out' // nobody decided in time
  | 'executed' // the agent reported success
  | 'failed' // the agent reported failure
  | 'reversed' // a reviewer had it undone
  | 'cancelled'; // its request ended without a decision (a workflow step failed, or it was withdrawn)

export interface ActionRecord {
  id: string;
  tenant_id: string;
  agent: string;
  action_type: string | null;
  environment: string | null;
  capability: string | null;
  /** The action as submitted. */
  payload: Record<string, unknown>;
  /** sha256 of the canonical JSON of the payload. */
  digest: string;
  idempotency_key: string | null;
  decision: Decision;
  status: ActionStatus;
  /** The kernel's full decision object (reasons, missing, route…). */
  evaluation: PolicyDecision;
  risk: RiskTier | null;
  autonomy_level: number | null;
  policy_version: string;
  /** The action this one revises, after a request for changes. */
  revision_of: string | null;
  created_at: number;
  decided_at: number | null;
  outcome: ActionOutcome | null;
  /** The standing approval that approved it at once, if one did. */
  standing_approval_id?: string | null;
}

export interface ActionOutcome {
  status: 'succeeded' | 'failed';
  detail?: string;
  /** How to undo it: a worker capability or a webhook, for post-execution review. */
  compensation?: Record<string, unknown>;
  reported_at: number;
}

export type ApprovalStatus = 'pending' | 'approved' | 'denied' | 'changes_requested' | 'timed_out' | 'failed' | 'cancelled';

export interface ApprovalRecord {
  id: string;
  tenant_id: string;
  action_id: string;
  /** The digest and policy version the request is bound to. */
  digest: string;
  policy_version: string;
  status: ApprovalStatus;
  /** Groups or user ids who may decide. */
  approvers: string[];
  require: number;
  criteria: string[];
  modifiable: Record<string, unknown> | null;
  workflow: string | null;
  requested_by: string;
  created_at: number;
  deadline: number | null;
  decided_at: number | null;
  /** Why it ended: the denier's reason, the feedback, or "timeout". */
  resolution: string | null;
  /** Bumped on every change, for optimistic concurrency. */
  version: number;
  /** The workflow's state (stages, votes, timers); null only for requests written before workflows. */
  state: WorkflowState | null;
}

/** One event of a request's workflow, in the order the reducer saw it: replaying them rebuilds the state. */
export interface ApprovalEventRecord {
  approval_id: string;
  seq: number;
  tenant_id: string;
  event: WorkflowEvent;
  at: number;
}

/** An agent's autonomy level and what promotion counts. */
export interface AgentRecord {
  tenant_id: string;
  name: string;
  level: number;
  level_since: number;
  /** Successes without an issue since the level was last set. */
  clean_successes: number;
  version: number;
  created_at: number;
}

export type TrackEvent = 'successes' | 'failures' | 'denials' | 'reversals' | 'flags';

/** The track record of one agent for one action class at one level. */
export interface AgentClassRecord {
  tenant_id: string;
  agent: string;
  action_type: string;
  environment: string | null;
  level: number;
  successes: number;
  failures: number;
  denials: number;
  reversals: number;
  flags: number;
  updated_at: number;
}

export type ReviewStatus = 'pending' | 'ok' | 'flagged' | 'reversing' | 'reversed';

/** An executed action waiting for (or given) a person's look afterwards. */
export interface ReviewRecord {
  action_id: string;
  tenant_id: string;
  status: ReviewStatus;
  /** Why it is reviewed: a REVIEW rule, or audit sampling. */
  reason: string;
  created_at: number;
  /** The end of the review window, when the policy sets one. */
  due_at: number | null;
  reviewer: string | null;
  note: string | null;
  decided_at: number | null;
  /** How the undo went: by webhook or worker job, and its result. */
  reversal: Record<string, unknown> | null;
  version: number;
}

/** A stage of a request routed to one person. */
export interface AssignmentRecord {
  approval_id: string;
  step_id: string;
  user_id: string;
  tenant_id: string;
  assigned_at: number;
  closed_at: number | null;
}

export type JobStatus = 'queued' | 'leased' | 'completed' | 'failed' | 'cancelled';

/** A worker step's job: offered to workers of its capability, leased to one at a time. */
export interface JobRecord {
  id: string;
  tenant_id: string;
  /** The request whose worker step this is; null for a compensation job that undoes an action. */
  approval_id: string | null;
  action_id: string;
  step_id: string;
  capability: string;
  /** The job carries out the approved action (it runs after every approval, with the grant). */
  executes: boolean;
  input: Record<string, unknown>;
  status: JobStatus;
  attempts: number;
  max_attempts: number;
  /** The worker holding the lease (its key's name), and after it settled, the one that settled it. */
  worker: string | null;
  /** The key of that worker. */
  worker_key_id: string | null;
  lease_until: number | null;
  output: unknown;
  error: string | null;
  created_at: number;
  updated_at: number;
}

export type Verdict = 'approve' | 'deny' | 'request_changes';

export interface VoteRecord {
  id: string;
  tenant_id: string;
  approval_id: string;
  /** The workflow step voted on; `approval` for single-stage requests. */
  step_id: string;
  user_id: string;
  verdict: Verdict;
  note: string | null;
  modifications: Record<string, unknown> | null;
  created_at: number;
}

export interface GrantRecord {
  id: string;
  tenant_id: string;
  action_id: string;
  approval_id: string;
  digest: string;
  /** SHA-256 of the grant token handed to the agent. */
  token_hash: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

/** An approver's bounded yes for more of one agent's actions of one type (docs/approvals.md). */
export interface StandingApprovalRecord {
  id: string;
  tenant_id: string;
  /** The request whose approving vote granted it. */
  approval_id: string;
  agent: string;
  action_type: string;
  /** The policy entry it was granted under (the route's source): it covers only what that entry gates. */
  gate: string;
  approver_id: string;
  /** Conditions in the policy `match` form that a covered action must meet. */
  constraints: Condition[];
  for_ms: number | null;
  uses: number | null;
  /** Null when only time bounds it. */
  uses_left: number | null;
  expires_at: number | null;
  policy_version: string;
  created_at: number;
  revoked_at: number | null;
  revoked_by: string | null;
}

export interface AuditEvent {
  tenant_id: string;
  /** Position in the tenant's chain, from 1. */
  seq: number;
  id: string;
  /** e.g. `action.decided`, `approval.requested`, `vote.cast`, `grant.used`, `user.created`. */
  type: string;
  /** Who caused it: `user:<id>`, `agent:<name>`, `system`. */
  actor: string;
  /** The action, approval, user… it is about. */
  subject: string | null;
  data: Record<string, unknown>;
  created_at: number;
  prev_hash: string;
  /** sha256 over prev_hash and the canonical JSON of the event's other fields. */
  hash: string;
}

/** One decision where the shadow policy disagreed with the live one (nothing was enforced from it). */
export interface ShadowDiffRecord {
  id: string;
  tenant_id: string;
  action_id: string;
  agent: string;
  action_type: string | null;
  environment: string | null;
  live_version: string;
  shadow_version: string;
  live_decision: Decision;
  shadow_decision: Decision;
  live_gate: string;
  shadow_gate: string;
  created_at: number;
}

export type QuestionStatus = 'pending' | 'answered' | 'expired';
export type QuestionUrgency = 'low' | 'normal' | 'high';

/** What a person answered: the choices picked (empty for a free-text answer) and any text. */
export interface QuestionAnswer {
  choices: string[];
  text: string | null;
}

/** An agent's question to people, and its answer once given. */
export interface QuestionRecord {
  tenant_id: string;
  id: string;
  agent: string;
  question: string;
  /** null: answered in free text only. */
  choices: string[] | null;
  /** Several choices may be picked. */
  multiple: boolean;
  /** A text answer is allowed (always, for a question without choices). */
  free_text: boolean;
  context: Record<string, unknown>;
  urgency: QuestionUrgency;
  status: QuestionStatus;
  /** Groups or people who may answer; empty: any approver or admin of the tenant. */
  approvers: string[];
  /** Sent on to the policy's `questions.escalate_to` once already. */
  escalated: boolean;
  deadline: number | null;
  created_at: number;
  answered_at: number | null;
  answer: QuestionAnswer | null;
  /** `user:<id>` of who answered. */
  answered_by: string | null;
  version: number;
}
