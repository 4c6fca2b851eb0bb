// Who may decide a step: its approvers (groups or user ids) and the people they delegated to,
// never the requester, never someone who already decided another stage of the request (one
// person counts once per request), never someone who handed their seat on.

import type { ApprovalStepState, Person, Refusal, WorkflowState } from './state.js';

function names(person: Person): string[] {
  return [person.id, person.name];
}

export function isApprover(step: ApprovalStepState, person: Person): boolean {
  if (step.approvers.length === 0) return true;
  return step.approvers.some((approver) => approver === person.id || approver === person.name || person.groups.includes(approver));
}

export function hasDelegatedAway(step: ApprovalStepState, person: Person): { to: string } | undefined {
  const handed = step.delegations.find((delegation) => delegation.from === person.id);
  return handed === undefined ? undefined : { to: handed.to };
}

export function isDelegate(step: ApprovalStepState, person: Person): boolean {
  return step.delegations.some((delegation) => delegation.to === person.id);
}

/** The step where this person cast a vote, other than `except`. */
export function stepVotedIn(state: WorkflowState, person: Person, except?: string): string | undefined {
  for (const step of state.steps) {
    if (step.type === 'approval' && step.id !== except && step.votes.some((vote) => vote.user_id === person.id)) return step.id;
  }
  return undefined;
}

/** Undefined when `person` may vote on `step` now; otherwise why not. */
export function checkEligible(state: WorkflowState, step: ApprovalStepState, person: Person): Refusal | undefined {
  if (state.requester !== null && names(person).includes(state.requester)) {
    return { code: 'approval.self_approval', message: 'you requested this action, so you cannot decide it (separation of duties)' };
  }
  if (step.votes.some((vote) => vote.user_id === person.id))
    return { code: 'approval.already_voted', message: `you have voted on \`${step.id}\` already` };
  const other = stepVotedIn(state, person, step.id);
  if (other !== undefined) {
    return {
      code: 'approval.separation_of_duties',
      message: `you decided \`${other}\` of this request; one person counts once per request`,
    };
  }
  const handed = hasDelegatedAway(step, person);
  if (handed !== undefined) return { code: 'approval.not_eligible', message: `you delegated \`${step.id}\` to \`${handed.to}\`` };
  if (!isApprover(step, person) && !isDelegate(step, person)) {
    return {
      code: 'approval.not_eligible',
      message: `only ${step.approvers.map((approver) => `\`${approver}\``).join(', ')} may decide \`${step.id}\``,
    };
  }
  return undefined;
}
