// People's side of approval requests: reading them, voting (approve, approve with a note or
// with modifications within limits, deny with a reason, request changes) and delegating. The
// workflow reducer decides what each vote means; this service checks who is asking and stores it.

import { actionDigestOf, checkEligible, elicitationAllows, type ApprovalStepState, type Person, type WorkflowState } from '@tollgate/core';
import { personOf } from './people.js';
import { delegationCandidates, type Candidate } from './routing.js';
import { TollgateError, notFound } from '../errors.js';
import type { ApprovalRecord, AssignmentRecord, Verdict, VoteRecord } from '../stores/records.js';
import { decides } from '../stores/records.js';
import { StoreConflictError, type Store, type StoreScope } from '../stores/store.js';
import type { Clock } from '../util/clock.js';
import { newId } from '../util/ids.js';
import { appendAudit, type AuditDraft } from './audit-chain.js';
import { contextPackage, type ContextPackage } from './context-package.js';
import type { EventBus, LiveEvent } from './event-bus.js';
import type { TenantPolicies } from './tenant-policies.js';
import type { AgentPrincipal, UserPrincipal } from './principals.js';
import { approvalView, type ApprovalView, type StandingApprovalView } from './views.js';
import { checkStandingVote, standingOffer, type StandingService } from './standing-service.js';
import type { WorkflowRunner } from './workflow-runner.js';
import { retryOnConflict } from './concurrency.js';
import { followModification } from '../hooks/claude-code-action.js';

export interface VoteInput {
  verdict: Verdict;
  note?: string;
  modifications?: Record<string, unknown>;
  /** The digest the voter saw; a vote on a changed action is refused. */
  digest?: string;
  /** The stage voted on; may be left out when only one stage is open to the voter. */
  step?: string;
  /** `{ for, uses, constraints }`: approve more of the same agent's actions of this type, as bounded. */
  standing?: unknown;
}

/** An MCP client's own user's answer, asked by the proxy through elicitation and sent with its agent key. */
export interface ElicitedVoteInput {
  verdict: 'approve' | 'deny';
  /** The digest of the action the client's user was shown; required, and refused if the action changed. */
  digest: string;
  /** Who the client says answered (its own account of its user: not checked, only recorded). */
  user: string;
  note?: string;
}

/** A ticket the request opened in a ticketing system, as the API shows it. */
export interface TicketView {
  channel: string;
  type: string;
  key: string;
  url: string | null;
}

export interface DelegateInput {
  /** Name or id of the person who takes over. */
  to: string;
  note?: string;
  step?: string;
}

/** Someone a stage may be handed to, as the delegate picker shows them. */
export interface EligiblePerson {
  id: string;
  name: string;
  role: string;
  /** Directory groups and the policy bundle's groups that list them. */
  groups: string[];
  /** Open assignments: the requests waiting in their inbox now. */
  open_assignments: number;
  /** One of the stage's approvers already; `false` means only this delegation would make them one. */
  approver: boolean;
}

export interface EligibleView {
  approval_id: string;
  /** The stage the list is for; null when no stage of the request is waiting. */
  step: string | null;
  /** Who may take the stage now, the caller left out; approvers first, then by name. */
  people: EligiblePerson[];
  /** Who could take it but is out of office: a delegation to them is refused until they are back. */
  out_of_office: EligiblePerson[];
}

export class ApprovalService {
  constructor(
    private readonly deps: {
      store: Store;
      bus: EventBus;
      clock: Clock;
      runner: WorkflowRunner;
      policies: TenantPolicies;
      baseUrl: string;
      standing: StandingService;
    },
  ) {}

  async get(tenantId: string, id: string): Promise<ApprovalView> {
    const approval = await this.deps.store.approvals.get(tenantId, id);
    if (approval === undefined) throw notFound('approval', id);
    return this.view(this.deps.store, approval);
  }

  /** The request with everything its approvers need to decide (the guide's context package). */
  async detail(
    tenantId: string,
    id: string,
  ): Promise<ApprovalView & { context_package: ContextPackage; decision: Record<string, unknown>; tickets: TicketView[] }> {
    const { store } = this.deps;
    const approval = await store.approvals.get(tenantId, id);
    if (approval === undefined) throw notFound('approval', id);
    const action = await store.actions.get(tenantId, approval.action_id);
    if (action === undefined) throw notFound('action', approval.action_id);
    const view = await this.view(store, approval);
    return {
      ...view,
      context_package: await contextPackage(store, approval, action),
      decision: {
        decision: action.decision,
        reasons: action.evaluation.reasons,
        missing: action.evaluation.missing,
        risk: action.risk,
        policy_version: action.policy_version,
        agent: action.agent,
        // The standing approval an approving vote may grant here (`max_for` in ms), or null.
        standing: standingOffer(approval, action),
      },
      // Where the request is also decided: the Jira issues and ServiceNow records it opened.
      tickets: (await store.tickets.listByApproval(tenantId, id)).map((ticket) => ({
        channel: ticket.channel,
        type: ticket.channel_type,
        key: ticket.key,
        url: ticket.url,
      })),
    };
  }

  async list(tenantId: string, filter: { status?: ApprovalRecord['status'][]; limit?: number; after?: string }): Promise<ApprovalView[]> {
    const approvals = await this.deps.store.approvals.list(tenantId, filter);
    return Promise.all(approvals.map((approval) => this.view(this.deps.store, approval)));
  }

  async view(scope: StoreScope, approval: ApprovalRecord): Promise<ApprovalView> {
    const votes = await scope.votes.listByApproval(approval.tenant_id, approval.id);
    const assignments = await scope.assignments.listByApproval(approval.tenant_id, approval.id);
    const action = await scope.actions.get(approval.tenant_id, approval.action_id);
    return this.viewOf(approval, votes, assignments, action?.risk ?? null);
  }

  /** The request as seen with these votes and assignments (a new request's: none, and those routing opened). */
  viewOf(approval: ApprovalRecord, votes: VoteRecord[], assignments: AssignmentRecord[], risk: string | null): ApprovalView {
    const view = approvalView(approval, votes, this.deps.baseUrl, risk);
    for (const step of view.steps) {
      if (step.type === 'approval')
        step.assignees = assignments.filter((a) => a.step_id === step.id && a.closed_at === null).map((a) => a.user_id);
    }
    return view;
  }

  /** Requests with a stage assigned to this person and still open. */
  async assignedTo(tenantId: string, userId: string, limit = 100): Promise<ApprovalView[]> {
    const ids = await this.deps.store.assignments.openApprovalIds(tenantId, userId, limit);
    const found: ApprovalView[] = [];
    for (const id of ids) {
      const approval = await this.deps.store.approvals.get(tenantId, id);
      if (approval !== undefined && approval.status === 'pending') found.push(await this.view(this.deps.store, approval));
    }
    return found.sort((a, b) => (a.created_at < b.created_at ? 1 : -1));
  }

  /**
   * The people the caller may hand a stage to (DESIGN §4, delegate "to another eligible person"):
   * the same rule the workflow applies when the delegation is made, so the list and the refusal agree.
   */
  async eligible(principal: UserPrincipal, approvalId: string, stepId?: string): Promise<EligibleView> {
    const { store } = this.deps;
    const tenantId = principal.tenant_id;
    const approval = await store.approvals.get(tenantId, approvalId);
    if (approval === undefined) throw notFound('approval', approvalId);
    const bundle = this.deps.policies.for(tenantId).current().bundle;
    const none: EligibleView = { approval_id: approval.id, step: null, people: [], out_of_office: [] };
    // A request stored before workflows has no stages to read; it can still be delegated by name.
    if (approval.state === null) return none;
    const step = stageToHand(approval.state, stepId, personOf(principal.user, bundle));
    if (step === undefined) return none;
    const found = await delegationCandidates(store, bundle, tenantId, approval.state, step);
    const others = (list: Candidate[]): Candidate[] => list.filter((candidate) => candidate.user.id !== principal.user.id);
    const available = others(found.available);
    const away = others(found.away);
    const load = await store.assignments.openCounts(
      tenantId,
      [...available, ...away].map((candidate) => candidate.user.id),
    );
    const shown = (list: Candidate[]): EligiblePerson[] =>
      list
        .map(({ user, approver }) => ({
          id: user.id,
          name: user.name,
          role: user.role,
          groups: personOf(user, bundle).groups,
          open_assignments: load.get(user.id) ?? 0,
          approver,
        }))
        .sort((a, b) => Number(b.approver) - Number(a.approver) || a.name.localeCompare(b.name));
    return { approval_id: approval.id, step: step.id, people: shown(available), out_of_office: shown(away) };
  }

  async vote(principal: UserPrincipal, approvalId: string, input: VoteInput): Promise<ApprovalView> {
    let granted: StandingApprovalView | undefined;
    const view = await this.change(principal, approvalId, async (scope, approval, now) => {
      granted = undefined;
      // The standing part is checked before the vote is applied, so that a refusal changes nothing.
      const action = input.standing === undefined ? undefined : await scope.actions.get(approval.tenant_id, approval.action_id);
      if (input.standing !== undefined && action === undefined) throw notFound('action', approval.action_id);
      const standing = action === undefined ? undefined : checkStandingVote(approval, action, input.verdict, input.standing);
      const derived = input.modifications === undefined ? null : (derivedFields(approval, input.modifications) ?? null);
      if (input.modifications !== undefined) this.checkModifiedAction(approval, { ...input.modifications, ...derived });
      const caused: AuditDraft[] = [];
      const applied = await this.deps.runner.apply(
        scope,
        approval,
        {
          type: 'vote',
          step: input.step ?? null,
          person: personOf(principal.user, this.deps.policies.for(principal.tenant_id).current().bundle),
          verdict: input.verdict,
          note: input.note ?? null,
          modifications: input.modifications ?? null,
          derived,
          digest: input.digest ?? null,
        },
        now,
        `user:${principal.user.id}`,
        // The vote comes first on the trail: what it caused (a decision, a grant) follows it.
        { collectAudit: (drafts) => caused.push(...drafts) },
      );
      const cast = applied.approval
        .state!.steps.flatMap((step) => (step.type === 'approval' ? step.votes.map((vote) => ({ step: step.id, vote })) : []))
        .find((entry) => entry.vote.user_id === principal.user.id && entry.vote.at === now);
      const vote: VoteRecord = {
        id: newId('vot', now),
        tenant_id: approval.tenant_id,
        approval_id: approval.id,
        step_id: cast?.step ?? input.step ?? 'approval',
        user_id: principal.user.id,
        verdict: input.verdict,
        note: cast?.vote.note ?? null,
        modifications: input.modifications ?? null,
        created_at: now,
      };
      try {
        await scope.votes.insert(vote);
      } catch (error) {
        if (error instanceof StoreConflictError)
          throw new TollgateError('approval.already_voted', 'you have voted on this request already');
        throw error;
      }
      await appendAudit(
        scope,
        approval.tenant_id,
        [
          {
            type: 'vote.cast',
            actor: `user:${principal.user.id}`,
            subject: approval.id,
            data: {
              step: vote.step_id,
              verdict: vote.verdict,
              note: vote.note,
              modifications: vote.modifications,
              action_id: approval.action_id,
            },
          },
          ...caused,
        ],
        now,
      );
      if (standing !== undefined) {
        if (applied.approval.status !== 'approved') {
          throw new TollgateError('standing.approve_only', 'this vote does not approve the request, so it grants no standing approval', {
            field: 'standing',
          });
        }
        granted = await this.deps.standing.grant(scope, principal, applied.approval, action!, standing, now);
      }
      return {
        ...applied,
        live: [
          {
            type: 'approval.voted',
            tenant_id: approval.tenant_id,
            approval_id: approval.id,
            action_id: approval.action_id,
            status: applied.approval.status,
            at: now,
          },
          ...applied.live,
        ],
      };
    });
    return granted === undefined ? view : { ...view, standing_approval: granted };
  }

  /**
   * Records the answer of an MCP client's own user as a vote, for the agent that submitted the
   * action, only where the live policy's route for it says `elicitation: allowed` for its risk (and
   * the route it was decided by said so too). The voter is `elicited:<agent>`, never a person of the
   * directory: this trusts whoever controls the client, and the trail says so (`via: elicitation`).
   */
  async voteElicited(principal: AgentPrincipal, actionId: string, input: ElicitedVoteInput): Promise<ApprovalView> {
    const { store, clock, bus, policies } = this.deps;
    const result = await retryOnConflict(() =>
      store.transaction(async (scope) => {
        const now = clock.now();
        const action = await scope.actions.get(principal.tenant_id, actionId);
        if (action === undefined || action.agent !== principal.agent) throw notFound('action', actionId);
        const approval = await scope.approvals.getByAction(principal.tenant_id, action.id);
        if (approval === undefined || approval.state === null || approval.status !== 'pending')
          throw new TollgateError('approval.elicitation_not_allowed', 'this action is not waiting for an approval', { field: 'id' });
        const live = policies.for(principal.tenant_id).current().evaluate(approval.state.action, { now, actionId: action.id });
        if (!elicitationAllows(action.evaluation.route, action.risk) || !elicitationAllows(live.route, live.risk))
          throw new TollgateError(
            'approval.elicitation_not_allowed',
            "the policy does not let an MCP client's user answer this request (no `elicitation: allowed` for its rule and risk)",
          );
        const person = { id: `elicited:${principal.agent}`, name: `${input.user} (MCP client of ${principal.agent})`, groups: [] };
        const note = input.note?.trim() === '' ? undefined : input.note?.trim();
        const caused: AuditDraft[] = [];
        const applied = await this.deps.runner.apply(
          scope,
          approval,
          {
            type: 'vote',
            step: null,
            person,
            verdict: input.verdict,
            // A denial needs a reason; a client's user who declines may give none.
            note: note ?? (input.verdict === 'deny' ? `declined in the MCP client by ${input.user}` : null),
            modifications: null,
            digest: input.digest,
            elicited: true,
          },
          now,
          `agent:${principal.agent}`,
          { collectAudit: (drafts) => caused.push(...drafts) },
        );
        const cast = applied.approval.state!.steps.flatMap((step) =>
          step.type === 'approval' ? step.votes.filter((vote) => vote.user_id === person.id).map((vote) => ({ step: step.id, vote })) : [],
        )[0];
        const vote: VoteRecord = {
          id: newId('vot', now),
          tenant_id: approval.tenant_id,
          approval_id: approval.id,
          step_id: cast?.step ?? 'approval',
          user_id: person.id,
          verdict: input.verdict,
          note: cast?.vote.note ?? null,
          modifications: null,
          created_at: now,
        };
        await scope.votes.insert(vote);
        const data = { step: vote.step_id, verdict: vote.verdict, note: vote.note, action_id: approval.action_id, digest: input.digest };
        await appendAudit(
          scope,
          approval.tenant_id,
          [
            {
              type: 'vote.cast',
              actor: `agent:${principal.agent}`,
              subject: approval.id,
              data: { ...data, via: 'elicitation', client_user: input.user, voter: person.id },
            },
            ...caused,
          ],
          now,
        );
        const event: LiveEvent = {
          type: 'approval.voted',
          tenant_id: approval.tenant_id,
          approval_id: approval.id,
          action_id: approval.action_id,
          status: applied.approval.status,
          at: now,
        };
        return { view: await this.view(scope, applied.approval), live: [event, ...applied.live] };
      }),
    );
    for (const event of result.live) bus.publish(event);
    return result.view;
  }

  async delegate(principal: UserPrincipal, approvalId: string, input: DelegateInput): Promise<ApprovalView> {
    return this.change(principal, approvalId, async (scope, approval, now) => {
      const target = (await scope.users.findByName(approval.tenant_id, input.to)) ?? (await scope.users.get(approval.tenant_id, input.to));
      if (target === undefined || target.disabled_at !== null)
        throw new TollgateError('approval.invalid_delegate', `no person \`${input.to}\` to delegate to`, { field: 'to' });
      if (!decides(target.role))
        throw new TollgateError('approval.invalid_delegate', `\`${target.name}\` is an ${target.role} and cannot decide requests`, {
          field: 'to',
        });
      if (target.out_of_office)
        throw new TollgateError('approval.invalid_delegate', `\`${target.name}\` is out of office`, { field: 'to' });
      const applied = await this.deps.runner.apply(
        scope,
        approval,
        {
          type: 'delegate',
          step: input.step ?? null,
          from: personOf(principal.user, this.deps.policies.for(principal.tenant_id).current().bundle),
          to: personOf(target, this.deps.policies.for(principal.tenant_id).current().bundle),
          note: input.note ?? null,
        },
        now,
        `user:${principal.user.id}`,
      );
      const handed = applied.approval.state?.steps.find(
        (step) => step.type === 'approval' && step.delegations.some((d) => d.from === principal.user.id && d.at === now),
      );
      if (handed !== undefined) await scope.assignments.close(approval.tenant_id, approval.id, handed.id, now, principal.user.id);
      await appendAudit(
        scope,
        approval.tenant_id,
        [
          {
            type: 'approval.delegated',
            actor: `user:${principal.user.id}`,
            subject: approval.id,
            data: { to: target.id, to_name: target.name, step: input.step ?? null, note: input.note ?? null },
          },
        ],
        now,
      );
      return {
        ...applied,
        live: [
          {
            type: 'approval.requested',
            tenant_id: approval.tenant_id,
            approval_id: approval.id,
            action_id: approval.action_id,
            status: 'pending',
            at: now,
            data: { delegated_to: target.id },
          },
          ...applied.live,
        ],
      };
    });
  }

  /** A modification the policy would deny is refused before it reaches the workflow. */
  private checkModifiedAction(approval: ApprovalRecord, modifications: Record<string, unknown>): void {
    const current = approval.state?.action;
    if (current === undefined) return;
    const modified = { ...current, ...modifications };
    const decision = this.deps.policies
      .for(approval.tenant_id)
      .current()
      .evaluate(modified, { now: this.deps.clock.now(), actionId: approval.action_id });
    if (decision.decision === 'DENY') {
      const why = decision.reasons
        .filter((reason) => reason.decision === 'DENY')
        .map((reason) => reason.reason)
        .join('; ');
      throw new TollgateError('approval.modification_refused', `the policy would deny the modified action: ${why}`, {
        field: 'modifications',
        digest: actionDigestOf(modified),
      });
    }
  }

  /** Runs one change to a request in a transaction, retrying when another writer got there first. */
  private async change(
    principal: UserPrincipal,
    approvalId: string,
    work: (scope: StoreScope, approval: ApprovalRecord, now: number) => Promise<{ approval: ApprovalRecord; live: LiveEvent[] }>,
  ): Promise<ApprovalView> {
    if (!decides(principal.user.role))
      throw new TollgateError('approval.not_eligible', `${principal.user.role}s can read approvals but not decide them`);
    if (principal.user.disabled_at !== null) throw new TollgateError('approval.not_eligible', 'this user is disabled');
    const { store, clock, bus } = this.deps;
    const result = await retryOnConflict(() =>
      store.transaction(async (scope) => {
        const approval = await scope.approvals.get(principal.tenant_id, approvalId);
        if (approval === undefined) throw notFound('approval', approvalId);
        const changed = await work(scope, approval, clock.now());
        return { view: await this.view(scope, changed.approval), live: changed.live };
      }),
    );
    for (const event of result.live) bus.publish(event);
    return result.view;
  }
}

/**
 * The stage a delegation list is for, none once the request is decided: the one named, or the only
 * one waiting, or the only waiting one the caller may decide (the choice a delegation without
 * `step` makes).
 */
/**
 * What the door that submitted the action derives from a modification of it (the Claude Code hook:
 * the tool input it will run and the summary), so that the modified action says what will run.
 */
function derivedFields(approval: ApprovalRecord, modifications: Record<string, unknown>): Record<string, unknown> | undefined {
  const action = approval.state?.action;
  return action === undefined ? undefined : followModification(action, modifications);
}

function stageToHand(state: WorkflowState, name: string | undefined, caller: Person): ApprovalStepState | undefined {
  if (state.status !== 'running') return undefined;
  const stages = state.steps.filter((step): step is ApprovalStepState => step.type === 'approval');
  if (name !== undefined) {
    const step = stages.find((candidate) => candidate.id === name);
    if (step === undefined)
      throw new TollgateError('approval.unknown_step', `this request has no approval step \`${name}\``, { field: 'querystring.step' });
    if (step.status !== 'active')
      throw new TollgateError(
        'approval.step_not_active',
        `step \`${name}\` is ${step.status === 'waiting' ? 'not open yet' : step.status.replace('_', ' ')}`,
        { field: 'querystring.step' },
      );
    return step;
  }
  const active = stages.filter((step) => step.status === 'active');
  if (active.length <= 1) return active[0];
  const mine = active.filter((step) => checkEligible(state, step, caller) === undefined);
  if (mine.length === 1) return mine[0];
  throw new TollgateError(
    'approval.step_required',
    `name the stage: ${(mine.length === 0 ? active : mine).map((step) => `\`${step.id}\``).join(' or ')}`,
    { field: 'querystring.step' },
  );
}
