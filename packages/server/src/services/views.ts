// What the API answers about actions and approvals: records shaped for agents and people.

import { elicitationAllows, type StepState, type WorkerRef } from '@tollgate/core';
import type { ActionOutcome, ActionRecord, ApprovalRecord, StandingApprovalRecord, VoteRecord } from '../stores/records.js';

export interface ApprovalView {
  id: string;
  action_id: string;
  status: ApprovalRecord['status'];
  approvers: string[];
  require: number;
  criteria: string[];
  modifiable: Record<string, unknown> | null;
  workflow: string | null;
  digest: string;
  policy_version: string;
  requested_by: string;
  created_at: string;
  deadline: string | null;
  decided_at: string | null;
  resolution: string | null;
  votes: { user_id: string; verdict: VoteRecord['verdict']; note: string | null; step_id: string; at: string }[];
  /** The workflow's stages: who decides each, by when, and what happened. */
  steps: StepView[];
  /** The action as it now stands (an approver may have modified it within limits). */
  action: Record<string, unknown> | null;
  /** The risk tier the policy gave the action, so that a list can rank requests without reading each action. */
  risk: string | null;
  url: string;
  /** The standing approval the vote that answers with this view granted, if it asked for one. */
  standing_approval?: StandingApprovalView;
}

/** A standing approval as the API answers it: its times in ISO 8601, and whether it is live now. */
export type StandingApprovalView = Omit<StandingApprovalRecord, 'tenant_id' | 'for_ms' | 'expires_at' | 'created_at' | 'revoked_at'> & {
  expires_at: string | null;
  created_at: string;
  revoked_at: string | null;
  /** Whether it can still cover an action now: not revoked, not expired, a use left. */
  active: boolean;
  /** In a list: the approver's name (null once the person is gone). */
  approver_name?: string | null;
};

export function standingApprovalView(standing: StandingApprovalRecord, now: number): StandingApprovalView {
  const { tenant_id: _tenant, for_ms: _for, ...kept } = standing;
  return {
    ...kept,
    expires_at: iso(standing.expires_at),
    created_at: iso(standing.created_at)!,
    revoked_at: iso(standing.revoked_at),
    active:
      standing.revoked_at === null &&
      (standing.expires_at === null || standing.expires_at > now) &&
      (standing.uses_left === null || standing.uses_left > 0),
  };
}

export interface StepView {
  id: string;
  type: 'approval' | 'worker';
  status: StepState['status'];
  depends_on: string[];
  approvers?: string[];
  require?: number;
  deadline?: string | null;
  escalations?: number;
  criteria?: string[];
  modifiable?: Record<string, unknown>;
  votes?: {
    user_id: string;
    name: string;
    verdict: string;
    note: string | null;
    modifications: Record<string, unknown> | null;
    at: string;
  }[];
  delegations?: { from: string; to: string; note: string | null; at: string }[];
  capability?: string;
  output?: unknown;
  /** The worker whose job produced `output` (null while none has, or when it was not recorded). */
  worker?: WorkerRef | null;
  /** Ids of the people the stage is routed to (its inbox), while it is open. */
  assignees?: string[];
  resolution: string | null;
}

export function stepView(step: StepState): StepView {
  if (step.type === 'worker') {
    return {
      id: step.id,
      type: 'worker',
      status: step.status,
      depends_on: step.depends_on,
      capability: step.capability,
      output: step.output,
      worker: step.worker ?? null,
      resolution: step.resolution,
    };
  }
  return {
    id: step.id,
    type: 'approval',
    status: step.status,
    depends_on: step.depends_on,
    approvers: step.approvers,
    require: step.require,
    deadline: iso(step.deadline),
    escalations: step.escalations,
    criteria: step.criteria,
    modifiable: step.modifiable,
    votes: step.votes.map((vote) => ({
      user_id: vote.user_id,
      name: vote.name,
      verdict: vote.verdict,
      note: vote.note,
      modifications: vote.modifications,
      at: iso(vote.at)!,
    })),
    delegations: step.delegations.map((delegation) => ({
      from: delegation.from,
      to: delegation.to,
      note: delegation.note,
      at: iso(delegation.at)!,
    })),
    resolution: step.resolution,
  };
}

export interface ActionView {
  id: string;
  agent: string;
  action_type: string | null;
  environment: string | null;
  decision: ActionRecord['decision'];
  status: ActionRecord['status'];
  reasons: ActionRecord['evaluation']['reasons'];
  missing: ActionRecord['evaluation']['missing'];
  risk: ActionRecord['risk'];
  autonomy_level: number | null;
  policy_version: string;
  digest: string;
  revision_of: string | null;
  created_at: string;
  decided_at: string | null;
  /** The action to execute: as submitted, or as an approver modified it within limits. */
  action: Record<string, unknown>;
  /** When an approver modified the action: what the agent first submitted, and its digest. */
  submitted?: { action: Record<string, unknown>; digest: string };
  approval?: ApprovalView;
  /** The single-use execution grant, shown to the agent that owns an approved action. */
  grant?: { token: string; expires_at: string; digest: string; used: boolean };
  /** The standing approval that approved the action at once, without a new request. */
  standing_approval?: string;
  outcome?: OutcomeView;
  /** On a pending action: its rule lets an MCP client's own user answer it (POST /v1/actions/:id/elicited-vote). */
  elicitation?: 'allowed';
}

/** An outcome as the API answers it: its time in ISO 8601 like every other time. */
export type OutcomeView = Omit<ActionOutcome, 'reported_at'> & { reported_at: string };

export function outcomeView(outcome: ActionOutcome): OutcomeView;
export function outcomeView(outcome: ActionOutcome | null): OutcomeView | null;
export function outcomeView(outcome: ActionOutcome | null): OutcomeView | null {
  return outcome === null ? null : { ...outcome, reported_at: new Date(outcome.reported_at).toISOString() };
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export function approvalView(approval: ApprovalRecord, votes: VoteRecord[], baseUrl: string, risk: string | null): ApprovalView {
  return {
    id: approval.id,
    action_id: approval.action_id,
    status: approval.status,
    approvers: approval.approvers,
    require: approval.require,
    criteria: approval.criteria,
    modifiable: approval.modifiable,
    workflow: approval.workflow,
    digest: approval.digest,
    policy_version: approval.policy_version,
    requested_by: approval.requested_by,
    created_at: iso(approval.created_at)!,
    deadline: iso(approval.deadline),
    decided_at: iso(approval.decided_at),
    resolution: approval.resolution,
    votes: votes.map((vote) => ({
      user_id: vote.user_id,
      verdict: vote.verdict,
      note: vote.note,
      step_id: vote.step_id,
      at: iso(vote.created_at)!,
    })),
    steps: approval.state?.steps.map(stepView) ?? [],
    action: approval.state?.action ?? null,
    risk,
    url: `${baseUrl}/approvals/${approval.id}`,
  };
}

export function actionView(action: ActionRecord): ActionView {
  const view: ActionView = {
    id: action.id,
    agent: action.agent,
    action_type: action.action_type,
    environment: action.environment,
    decision: action.decision,
    status: action.status,
    reasons: action.evaluation.reasons,
    missing: action.evaluation.missing,
    risk: action.risk,
    autonomy_level: action.autonomy_level,
    policy_version: action.policy_version,
    digest: action.digest,
    revision_of: action.revision_of,
    created_at: iso(action.created_at)!,
    decided_at: iso(action.decided_at),
    action: action.payload,
  };
  if (action.outcome !== null) view.outcome = outcomeView(action.outcome);
  if (action.status === 'pending' && elicitationAllows(action.evaluation.route, action.risk)) view.elicitation = 'allowed';
  if (typeof action.standing_approval_id === 'string') view.standing_approval = action.standing_approval_id;
  return view;
}
