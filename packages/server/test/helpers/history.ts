// Builds recorded histories straight through the store: actions decided by a named gate, their
// approval requests, votes and reviews, each at a chosen time, for metrics tests and benches.

import type { Decision } from '@tollgate/core';
import type {
  ActionRecord,
  ActionStatus,
  ApprovalRecord,
  ApprovalStatus,
  ReviewRecord,
  VoteRecord,
  Verdict,
} from '../../src/stores/records.js';
import type { StoreScope } from '../../src/stores/store.js';
import { newId } from '../../src/util/ids.js';

const STATUS_OF: Record<Decision, ActionStatus> = { ALLOW: 'allowed', REVIEW: 'review', REQUIRE_APPROVAL: 'pending', DENY: 'denied' };

export function actionRecord(input: {
  tenant?: string;
  agent?: string;
  gate: string;
  decision: Decision;
  at: number;
  status?: ActionStatus;
  payload?: Record<string, unknown>;
}): ActionRecord {
  const id = newId('act', input.at);
  const agent = input.agent ?? 'bot';
  return {
    id,
    tenant_id: input.tenant ?? 'default',
    agent,
    action_type: 'task',
    environment: 'production',
    capability: null,
    payload: input.payload ?? { agent, action_type: 'task', environment: 'production' },
    digest: `sha256:${id}`,
    idempotency_key: null,
    decision: input.decision,
    status: input.status ?? STATUS_OF[input.decision],
    evaluation: {
      decision: input.decision,
      reasons: [{ kind: 'rule', name: input.gate, decision: input.decision, reason: '', facts: [] }],
      missing: [],
      risk: null,
      policy_version: 'sha256:seed',
      autonomy_level: null,
    },
    risk: null,
    autonomy_level: null,
    policy_version: 'sha256:seed',
    revision_of: null,
    created_at: input.at,
    decided_at: input.decision === 'REQUIRE_APPROVAL' ? null : input.at,
    outcome: null,
  };
}

export function approvalRecord(action: ActionRecord, status: ApprovalStatus, decidedAt: number | null): ApprovalRecord {
  return {
    id: newId('apr', action.created_at),
    tenant_id: action.tenant_id,
    action_id: action.id,
    digest: action.digest,
    policy_version: action.policy_version,
    status,
    approvers: ['approvers'],
    require: 1,
    criteria: [],
    modifiable: null,
    workflow: null,
    requested_by: action.agent,
    created_at: action.created_at,
    deadline: null,
    decided_at: decidedAt,
    resolution: status === 'timed_out' ? 'timeout' : null,
    version: 0,
    state: null,
  };
}

const APPROVAL_STATUS: Record<Verdict, ApprovalStatus> = { approve: 'approved', deny: 'denied', request_changes: 'changes_requested' };
const ACTION_STATUS: Record<Verdict, ActionStatus> = { approve: 'approved', deny: 'denied', request_changes: 'changes_requested' };

/** One request on `gate` created at `at`, decided by one vote after `afterMs` (or left open / timed out). */
export async function seedRequest(
  scope: StoreScope,
  input: {
    gate: string;
    at: number;
    agent?: string;
    tenant?: string;
    vote?: { user: string; verdict: Verdict; afterMs: number; note?: string; step?: string };
    timedOutAfterMs?: number;
  },
): Promise<{ action: ActionRecord; approval: ApprovalRecord; vote?: VoteRecord }> {
  const { vote } = input;
  const status: ApprovalStatus =
    vote !== undefined ? APPROVAL_STATUS[vote.verdict] : input.timedOutAfterMs !== undefined ? 'timed_out' : 'pending';
  const decidedAt =
    vote !== undefined ? input.at + vote.afterMs : input.timedOutAfterMs !== undefined ? input.at + input.timedOutAfterMs : null;
  const action = actionRecord({
    gate: input.gate,
    decision: 'REQUIRE_APPROVAL',
    at: input.at,
    status: vote !== undefined ? ACTION_STATUS[vote.verdict] : status === 'timed_out' ? 'timed_out' : 'pending',
    ...(input.agent === undefined ? {} : { agent: input.agent }),
    ...(input.tenant === undefined ? {} : { tenant: input.tenant }),
  });
  const approval = approvalRecord(action, status, decidedAt);
  await scope.actions.insert(action);
  await scope.approvals.insert(approval);
  if (vote === undefined) return { action, approval };
  const record: VoteRecord = {
    id: newId('vot', decidedAt!),
    tenant_id: action.tenant_id,
    approval_id: approval.id,
    step_id: vote.step ?? 'approval',
    user_id: vote.user,
    verdict: vote.verdict,
    note: vote.note ?? null,
    modifications: null,
    created_at: decidedAt!,
  };
  await scope.votes.insert(record);
  return { action, approval, vote: record };
}

/** An executed action whose review found a problem: a flag (miss) or a reversal. */
export async function seedIssue(
  scope: StoreScope,
  input: { gate: string; agent: string; at: number; kind: 'flagged' | 'reversed' },
): Promise<void> {
  const action = actionRecord({
    gate: input.gate,
    agent: input.agent,
    decision: 'REVIEW',
    at: input.at,
    status: input.kind === 'reversed' ? 'reversed' : 'executed',
  });
  await scope.actions.insert(action);
  const review: ReviewRecord = {
    action_id: action.id,
    tenant_id: action.tenant_id,
    status: input.kind,
    reason: input.gate,
    created_at: input.at,
    due_at: null,
    reviewer: null,
    note: null,
    decided_at: input.at + 60_000,
    reversal: null,
    version: 0,
  };
  await scope.reviews.insert(review);
}
