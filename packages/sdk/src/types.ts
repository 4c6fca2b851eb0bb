// The shapes the Tollgate HTTP API exchanges with agents: the action an agent proposes and the
// view of it that the server answers with.

export type Decision = 'ALLOW' | 'REVIEW' | 'REQUIRE_APPROVAL' | 'DENY';

export type ActionStatus =
  | 'allowed'
  | 'review'
  | 'pending'
  | 'approved'
  | 'denied'
  | 'changes_requested'
  | 'timed_out'
  | 'executed'
  | 'failed'
  | 'reversed'
  | 'cancelled';

/**
 * An action an agent proposes. `action_type` (or its alias `action`) is required; the other
 * reserved fields are optional, and every other field is an attribute policies may test.
 */
export interface Action {
  action_type?: string;
  action?: string;
  environment?: string;
  capability?: string;
  summary?: string;
  reasoning?: string;
  confidence?: number;
  signals?: Record<string, boolean> | string[];
  context?: Record<string, unknown>;
  reversible?: boolean;
  idempotency_key?: string;
  /** The id of an action that people sent back with a request for changes. */
  revision_of?: string;
  [attribute: string]: unknown;
}

/** One contribution to a decision: a rule, an environment default, an escalation trigger… */
export interface DecisionReason {
  kind: string;
  name: string;
  decision: Decision;
  reason: string;
  facts?: unknown[];
  risk?: string;
}

export interface ApprovalVote {
  user_id: string;
  verdict: 'approve' | 'deny' | 'request_changes';
  note: string | null;
  step_id: string;
  at: string;
}

export interface ApprovalView {
  id: string;
  action_id: string;
  status: string;
  approvers: string[];
  require: number;
  criteria: string[];
  digest: string;
  deadline: string | null;
  decided_at: string | null;
  /** The deciding note: the reason of a denial, the feedback of a request for changes. */
  resolution: string | null;
  votes: ApprovalVote[];
  /** Where people decide. */
  url: string;
  [field: string]: unknown;
}

export interface GrantView {
  token: string;
  digest: string;
  expires_at: string;
  used: boolean;
}

export interface OutcomeView {
  status: 'succeeded' | 'failed';
  detail?: string;
  compensation?: Record<string, unknown>;
  /** ISO 8601, like every time the server answers. */
  reported_at?: string;
}

/** What the server answers about an action. */
export interface ActionView {
  id: string;
  agent: string;
  action_type: string | null;
  environment: string | null;
  decision: Decision;
  status: ActionStatus;
  reasons: DecisionReason[];
  missing: { path: string; needed_by: string }[];
  risk: string | null;
  autonomy_level: number | null;
  policy_version: string;
  /** `sha256:` and the hex digest of the action's canonical JSON, as the server stored it. */
  digest: string;
  revision_of: string | null;
  created_at: string;
  decided_at: string | null;
  /** The action as stored: with `agent`, and `action` turned into `action_type`. */
  action: Record<string, unknown>;
  approval?: ApprovalView;
  /** The single-use execution grant, shown to the owning agent once the action is approved. */
  grant?: GrantView;
  outcome?: OutcomeView;
  /** On a pending action: its rule lets an MCP client's own user answer it in the client (elicitation). */
  elicitation?: 'allowed';
}

/** How to undo an executed action: `{ capability }` for a worker job or `{ webhook }` for a signed call. */
export type Compensation = Record<string, unknown>;

export interface OutcomeReport {
  status: 'succeeded' | 'failed';
  detail?: string;
  compensation?: Compensation;
}

/** A question for a person (`POST /v1/questions`). */
export interface Question {
  question: string;
  /** One to twenty distinct choices; without them the question is answered in free text. */
  choices?: string[];
  /** Several choices may be picked. */
  multiple?: boolean;
  /** With `choices`: a written answer is allowed too. */
  free_text?: boolean;
  /** Shown to whoever answers. */
  context?: Record<string, unknown>;
  urgency?: 'low' | 'normal' | 'high';
}

/** What a person answered, and who. */
export interface QuestionAnswer {
  choices: string[];
  text: string | null;
  answered_by: { id: string; name: string | null };
  answered_at: string;
}

/** A question as the server answers it. */
export interface QuestionView {
  id: string;
  status: 'pending' | 'answered' | 'expired';
  agent: string;
  question: string;
  choices: string[] | null;
  multiple: boolean;
  free_text: boolean;
  context: Record<string, unknown>;
  urgency: 'low' | 'normal' | 'high';
  approvers: string[];
  escalated: boolean;
  created_at: string;
  deadline: string | null;
  answer: QuestionAnswer | null;
}

/** `ask()`'s answer: the person's answer, with the question's id. */
export interface Answered extends QuestionAnswer {
  question_id: string;
}
