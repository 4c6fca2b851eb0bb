// Votes on approval requests: eligibility and separation of duties, quorum of distinct people,
// one deny denies, request-changes sends the action back; an approval issues the grant.

import { TollgateError, notFound } from '../errors.js';
import type { ApprovalRecord, Verdict, VoteRecord } from '../stores/records.js';
import { StoreConflictError, type Store, type StoreScope } from '../stores/store.js';
import type { Clock } from '../util/clock.js';
import { newId } from '../util/ids.js';
import { appendAudit, type AuditDraft } from './audit-chain.js';
import { checkEligibility } from './eligibility.js';
import type { EventBus } from './event-bus.js';
import { newGrant } from './grants.js';
import type { UserPrincipal } from './principals.js';
import { approvalView, type ApprovalView } from './views.js';

export interface VoteInput {
  verdict: Verdict;
  note?: string;
  modifications?: Record<string, unknown>;
  /** The digest the voter saw; a vote on a changed action is refused. */
  digest?: string;
}

const MAX_NOTE = 4000;
const SINGLE_STEP = 'approval';

export class ApprovalService {
  constructor(private readonly deps: { store: Store; bus: EventBus; clock: Clock; secret: string; baseUrl: string }) {}

  async get(tenantId: string, id: string): Promise<ApprovalView> {
    const approval = await this.deps.store.approvals.get(tenantId, id);
    if (approval === undefined) throw notFound('approval', id);
    return this.view(this.deps.store, approval);
  }

  async list(tenantId: string, filter: { status?: ApprovalRecord['status'][]; limit?: number; after?: string }): Promise<ApprovalView[]> {
    const approvals = await this.deps.store.approvals.list(tenantId, filter);
    return Promise.all(approvals.map((approval) => this.view(this.deps.store, approval)));
  }

  async view(scope: StoreScope, approval: ApprovalRecord): Promise<ApprovalView> {
    const votes = await scope.votes.listByApproval(approval.tenant_id, approval.id);
    return approvalView(approval, votes, this.deps.baseUrl);
  }

  async vote(principal: UserPrincipal, approvalId: string, input: VoteInput): Promise<ApprovalView> {
    checkVoteInput(input);
    const { store, clock, bus } = this.deps;
    const tenantId = principal.tenant_id;
    const result = await retryOnConflict(() =>
      store.transaction(async (scope) => {
        const now = clock.now();
        const approval = await scope.approvals.get(tenantId, approvalId);
        if (approval === undefined) throw notFound('approval', approvalId);
        if (approval.status !== 'pending')
          throw new TollgateError('approval.closed', `this request is ${approval.status.replace('_', ' ')} already`);
        if (input.digest !== undefined && input.digest !== approval.digest) {
          throw new TollgateError('approval.stale_digest', 'the action changed since you looked at it; reload and decide again', {
            field: 'digest',
            digest: approval.digest,
          });
        }
        // Taking the row first serialises concurrent voters on PostgreSQL (the UPDATE locks it).
        if (!(await scope.approvals.update(tenantId, approvalId, approval.version, {}))) throw new ConcurrentChange();
        const version = approval.version + 1;
        const action = await scope.actions.get(tenantId, approval.action_id);
        if (action === undefined) throw notFound('action', approval.action_id);
        const eligibility = checkEligibility(principal.user, approval, action);
        if (!eligibility.ok) throw new TollgateError(eligibility.code, eligibility.message);
        if (input.modifications !== undefined) {
          throw new TollgateError('vote.invalid', 'this request allows no modifications', { field: 'modifications' });
        }
        const vote: VoteRecord = {
          id: newId('vot', now),
          tenant_id: tenantId,
          approval_id: approvalId,
          step_id: SINGLE_STEP,
          user_id: principal.user.id,
          verdict: input.verdict,
          note: input.note ?? null,
          modifications: null,
          created_at: now,
        };
        try {
          await scope.votes.insert(vote);
        } catch (error) {
          if (error instanceof StoreConflictError)
            throw new TollgateError('approval.already_voted', 'you have voted on this request already');
          throw error;
        }
        const audit: AuditDraft[] = [
          {
            type: 'vote.cast',
            actor: `user:${principal.user.id}`,
            subject: approvalId,
            data: { verdict: vote.verdict, note: vote.note, action_id: action.id },
          },
        ];
        const votes = await scope.votes.listByApproval(tenantId, approvalId);
        const outcome = tally(approval, votes);
        let decided = approval;
        if (outcome !== undefined) {
          decided = { ...approval, status: outcome.status, decided_at: now, resolution: outcome.resolution, version: version + 1 };
          if (
            !(await scope.approvals.update(tenantId, approvalId, version, {
              status: outcome.status,
              decided_at: now,
              resolution: outcome.resolution,
            }))
          ) {
            throw new ConcurrentChange();
          }
          const actionStatus = outcome.status === 'approved' ? 'approved' : outcome.status === 'denied' ? 'denied' : 'changes_requested';
          await scope.actions.transition(tenantId, action.id, ['pending'], { status: actionStatus, decided_at: now });
          audit.push({
            type: 'approval.decided',
            actor: `user:${principal.user.id}`,
            subject: approvalId,
            data: { status: outcome.status, resolution: outcome.resolution, action_id: action.id },
          });
          if (outcome.status === 'approved') {
            const grant = newGrant(this.deps.secret, tenantId, action.id, approvalId, approval.digest, now);
            await scope.grants.insert(grant);
            audit.push({
              type: 'grant.issued',
              actor: 'system',
              subject: action.id,
              data: { grant_id: grant.id, digest: grant.digest, expires_at: grant.expires_at },
            });
          }
        }
        await appendAudit(scope, tenantId, audit, now);
        return { view: approvalView(decided, votes, this.deps.baseUrl), decided: outcome !== undefined, actionId: action.id };
      }),
    );
    const at = clock.now();
    bus.publish({
      type: 'approval.voted',
      tenant_id: tenantId,
      approval_id: approvalId,
      action_id: result.actionId,
      status: result.view.status,
      at,
    });
    if (result.decided) {
      bus.publish({
        type: 'approval.decided',
        tenant_id: tenantId,
        approval_id: approvalId,
        action_id: result.actionId,
        status: result.view.status,
        at,
      });
    }
    return result.view;
  }
}

/** The request's result after these votes, or undefined while it is still open. */
function tally(approval: ApprovalRecord, votes: VoteRecord[]): { status: ApprovalRecord['status']; resolution: string | null } | undefined {
  const deny = votes.find((vote) => vote.verdict === 'deny');
  if (deny !== undefined) return { status: 'denied', resolution: deny.note };
  const changes = votes.find((vote) => vote.verdict === 'request_changes');
  if (changes !== undefined) return { status: 'changes_requested', resolution: changes.note };
  const approvers = new Set(votes.filter((vote) => vote.verdict === 'approve').map((vote) => vote.user_id));
  if (approvers.size >= approval.require) {
    const notes = votes.filter((vote) => vote.verdict === 'approve' && vote.note !== null).map((vote) => vote.note);
    return { status: 'approved', resolution: notes.length > 0 ? notes.join('\n') : null };
  }
  return undefined;
}

function checkVoteInput(input: VoteInput): void {
  if (!['approve', 'deny', 'request_changes'].includes(input.verdict)) {
    throw new TollgateError('vote.invalid', '`verdict` must be `approve`, `deny` or `request_changes`', { field: 'verdict' });
  }
  if (input.note !== undefined && (typeof input.note !== 'string' || input.note.length > MAX_NOTE)) {
    throw new TollgateError('vote.invalid', `\`note\` must be a string of at most ${MAX_NOTE} characters`, { field: 'note' });
  }
  const note = input.note?.trim() ?? '';
  if (input.verdict === 'deny' && note === '')
    throw new TollgateError('vote.invalid', 'a denial needs a reason in `note`', { field: 'note' });
  if (input.verdict === 'request_changes' && note === '') {
    throw new TollgateError('vote.invalid', 'a request for changes needs the feedback in `note`', { field: 'note' });
  }
}

/** Another writer changed the record between our read and our write. */
export class ConcurrentChange extends Error {
  constructor() {
    super('the record changed concurrently');
  }
}

/** Runs `work` again when a concurrent writer got there first (optimistic concurrency). */
export async function retryOnConflict<T>(work: () => Promise<T>, attempts = 8): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (!(error instanceof ConcurrentChange) || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));
    }
  }
}
