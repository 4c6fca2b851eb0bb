// Routing inside a group: an open stage is assigned to the eligible members with the fewest open
// assignments, skipping people who are out of office, the requester, auditors and anyone who
// decided another stage. Everyone eligible may still decide; assignment says whose inbox it is in.
// Also who a stage may be handed to, for the delegate picker.

import { checkEligible, type ApprovalStepState, type PolicyBundle, type WorkflowState } from '@tollgate/core';
import { bundleMembers, personOf } from './people.js';
import type { ApprovalRecord, AssignmentRecord, User } from '../stores/records.js';
import { decides } from '../stores/records.js';
import type { StoreScope } from '../stores/store.js';
import type { AuditDraft } from './audit-chain.js';

/** The people who could decide `step` now, from its approvers and delegates. */
export async function eligiblePeople(
  scope: StoreScope,
  bundle: PolicyBundle,
  approval: ApprovalRecord,
  state: WorkflowState,
  step: ApprovalStepState,
): Promise<User[]> {
  const named = [...step.approvers, ...step.delegations.map((delegation) => delegation.to), ...bundleMembers(bundle, step.approvers)];
  // One read of the tenant's people, matched here: by group, then by id or name, in that order.
  const people = await scope.users.list(approval.tenant_id);
  const wanted = new Set(named);
  const found = new Map<string, User>();
  for (const user of people) if (user.groups.some((group) => wanted.has(group))) found.set(user.id, user);
  for (const name of named) {
    const user = people.find((person) => person.id === name) ?? people.find((person) => person.name === name);
    if (user !== undefined) found.set(user.id, user);
  }
  if (step.approvers.length === 0) for (const user of people) if (decides(user.role)) found.set(user.id, user);
  return [...found.values()].filter(
    (user) => user.disabled_at === null && decides(user.role) && checkEligible(state, step, personOf(user, bundle)) === undefined,
  );
}

export interface Candidate {
  user: User;
  /** Already one of the stage's deciders (by group, name or an earlier delegation); the others may take it only by delegation. */
  approver: boolean;
}

/**
 * The people `step` may be handed to, by the rule the workflow applies to a delegation: anyone
 * who could decide it if it were theirs. Not being one of its approvers is what delegation fixes;
 * every other refusal stands (the requester, a vote on this request already, a seat handed on),
 * as do the service's own (disabled, auditor). Out-of-office people are returned apart, because
 * a delegation to them is refused until they are back.
 */
export async function delegationCandidates(
  scope: StoreScope,
  bundle: PolicyBundle,
  tenantId: string,
  state: WorkflowState,
  step: ApprovalStepState,
): Promise<{ available: Candidate[]; away: Candidate[] }> {
  const available: Candidate[] = [];
  const away: Candidate[] = [];
  for (const user of await scope.users.list(tenantId)) {
    if (user.disabled_at !== null || !decides(user.role)) continue;
    const refusal = checkEligible(state, step, personOf(user, bundle));
    const handedOn = step.delegations.some((delegation) => delegation.from === user.id);
    if (refusal !== undefined && (refusal.code !== 'approval.not_eligible' || handedOn)) continue;
    (user.out_of_office ? away : available).push({ user, approver: refusal === undefined });
  }
  return { available, away };
}

/** Assigns the stage to the least-loaded available people; returns the assignments and audit entries for what it did. */
export async function assignStep(
  scope: StoreScope,
  bundle: PolicyBundle,
  approval: ApprovalRecord,
  state: WorkflowState,
  stepId: string,
  now: number,
): Promise<{ assigned: AssignmentRecord[]; audit: AuditDraft[] }> {
  const step = state.steps.find((candidate): candidate is ApprovalStepState => candidate.id === stepId && candidate.type === 'approval');
  if (step === undefined || step.status !== 'active') return { assigned: [], audit: [] };
  const eligible = await eligiblePeople(scope, bundle, approval, state, step);
  const available = eligible.filter((user) => !user.out_of_office);
  const load = await scope.assignments.openCounts(
    approval.tenant_id,
    available.map((user) => user.id),
  );
  const chosen = [...available]
    .sort((a, b) => load.get(a.id)! - load.get(b.id)! || a.name.localeCompare(b.name))
    .slice(0, Math.max(step.require, 1));
  const assigned: AssignmentRecord[] = chosen.map((user) => ({
    approval_id: approval.id,
    step_id: step.id,
    user_id: user.id,
    tenant_id: approval.tenant_id,
    assigned_at: now,
    closed_at: null,
  }));
  await scope.assignments.add(assigned);
  const audit: AuditDraft[] = [
    {
      type: 'approval.assigned',
      actor: 'system',
      subject: approval.id,
      data: { step: step.id, to: chosen.map((user) => user.name), load: chosen.map((user) => load.get(user.id)) },
    },
  ];
  if (available.length < step.require) {
    const away = eligible.length - available.length;
    audit.push({
      type: 'approval.understaffed',
      actor: 'system',
      subject: approval.id,
      data: { step: step.id, require: step.require, available: available.length, out_of_office: away },
    });
  }
  return { assigned, audit };
}
