// The state of one approval request's workflow, the events that move it and the effects it asks
// the server to perform. All plain data: the state is stored as JSON, events are logged, and
// replaying the log through the reducer gives the same state.

import type { FieldBounds, TimeoutAction, WorkflowSpec } from '../policy/types.js';

export type RequestStatus = 'running' | 'approved' | 'completed' | 'denied' | 'changes_requested' | 'timed_out' | 'failed' | 'cancelled';

export type StepStatus = 'waiting' | 'active' | 'done' | 'denied' | 'changes_requested' | 'timed_out' | 'failed' | 'cancelled';

export type Verdict = 'approve' | 'deny' | 'request_changes';

/** A person as the reducer needs to know them: who they are and which groups they are in. */
export interface Person {
  id: string;
  name: string;
  groups: string[];
}

export interface VoteEntry {
  user_id: string;
  name: string;
  verdict: Verdict;
  note: string | null;
  modifications: Record<string, unknown> | null;
  at: number;
}

export interface ApprovalStepState {
  id: string;
  type: 'approval';
  status: StepStatus;
  depends_on: string[];
  /** Groups or user ids who may decide now (after escalations). */
  approvers: string[];
  require: number;
  timeout: number | null;
  on_timeout: TimeoutAction;
  /** Groups still to escalate to, in order. */
  escalate_to: string[];
  remind_before: number | null;
  distinct_from: string[];
  criteria: string[];
  modifiable: Record<string, FieldBounds>;
  votes: VoteEntry[];
  /** People who handed their seat to someone else, and to whom. */
  delegations: { from: string; to: string; note: string | null; at: number }[];
  escalations: number;
  deadline: number | null;
  remind_at: number | null;
  started_at: number | null;
  ended_at: number | null;
  /** Why the step ended, for the record: a denier's reason, "timeout", a worker's error. */
  resolution: string | null;
}

export interface WorkerStepState {
  id: string;
  type: 'worker';
  status: StepStatus;
  depends_on: string[];
  capability: string;
  /** Whether the step runs after every approval: it then executes the approved action with its grant. */
  executes: boolean;
  timeout: number | null;
  input: Record<string, unknown>;
  output: unknown;
  /** The worker whose job produced `output`; absent in states recorded before workers were named. */
  worker?: WorkerRef | null;
  started_at: number | null;
  ended_at: number | null;
  resolution: string | null;
}

export type StepState = ApprovalStepState | WorkerStepState;

/** A worker as its key names it: the approvers see who produced a step's output. */
export interface WorkerRef {
  name: string;
  key_id: string;
}

export interface WorkflowState {
  workflow: string;
  status: RequestStatus;
  steps: StepState[];
  /** The action as it now stands (an approver may have modified it within limits). */
  action: Record<string, unknown>;
  digest: string;
  /** The person the agent acts for; never an approver of this request. */
  requester: string | null;
  /** When every approval step was done: the moment the grant was issued. */
  approved_at: number | null;
  ended_at: number | null;
  resolution: string | null;
}

export type WorkflowEvent =
  | {
      type: 'start';
      workflow: WorkflowSpec;
      action: Record<string, unknown>;
      digest: string;
      requester: string | null;
      defaults: StepDefaults;
    }
  | {
      type: 'vote';
      step: string | null;
      person: Person;
      verdict: Verdict;
      note: string | null;
      modifications: Record<string, unknown> | null;
      /**
       * Fields the door that submitted the action derives from the modified ones (its copy of a
       * tool's input, its summary), so the record says what will run; applied after
       * `modifications`, and not the approver's to choose, so not checked against `modifiable`.
       */
      derived?: Record<string, unknown> | null;
      digest: string | null;
      /**
       * The answer of an MCP client's own user (elicitation), where the policy allows that: they are
       * not one of the stage's approvers, so that check is left out; the rest (one vote per person,
       * never the requester, the digest) still holds.
       */
      elicited?: boolean;
    }
  | { type: 'delegate'; step: string | null; from: Person; to: Person; note: string | null }
  | { type: 'job_completed'; step: string; output: unknown; worker?: WorkerRef }
  | { type: 'job_failed'; step: string; error: string }
  | { type: 'tick' }
  | { type: 'cancel'; reason: string };

/** Settings from the policy's `defaults` that apply where a step says nothing. */
export interface StepDefaults {
  timeout?: number;
  on_timeout?: TimeoutAction;
  escalate_to?: string[];
}

export type NotifyEvent = 'requested' | 'reminder' | 'escalated' | 'timed_out' | 'decided';

export type WorkflowEffect =
  | { type: 'dispatch_job'; step: string; capability: string; input: Record<string, unknown>; executes: boolean }
  | { type: 'notify'; event: NotifyEvent; step: string | null; approvers: string[]; detail: string }
  | { type: 'issue_grant' }
  | { type: 'finished'; status: RequestStatus; resolution: string | null }
  | { type: 'audit'; event: string; data: Record<string, unknown> };

/** Why an event was refused: nothing changed. */
export interface Refusal {
  code: string;
  message: string;
  field?: string;
}

export type Transition = { ok: true; state: WorkflowState; effects: WorkflowEffect[] } | { ok: false; refusal: Refusal };
