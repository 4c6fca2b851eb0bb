// The repositories a transaction's work is given. Writes that many transactions make to the same
// few rows wait for the commit: audit events, then open counts, each in one order (tenants' audit
// heads by tenant, then counts by tenant and person) so that concurrent transactions cannot
// deadlock. Counts come after the heads: a busy approver's count row is as contended as the head,
// and taken first it would be held while waiting for the head, so the two queues would add up.
// A group commit (and a timer sweep) also holds the inserts of new records and the events logged
// for requests it updates (held-inserts.ts), and reads a tenant's people and open counts once.

import type { User } from '../records.js';
import type { StoreScope, TransactionOptions } from '../store.js';
import { ACTION_KEYS, actionRow } from './actions.js';
import { APPROVAL_EVENT_KEYS, approvalEventRow } from './approval-events.js';
import { APPROVAL_KEYS, approvalRow } from './approvals.js';
import { ASSIGNMENT_KEYS, LoadChanges, assignmentRepository } from './assignments.js';
import { HeldInserts, type HeldTable } from './held-inserts.js';
import { REVIEW_KEYS, reviewRow } from './reviews.js';
import { bufferedAudit } from './audit-buffer.js';
import type { RepositoryContext } from './context.js';
import { createScope } from './scope.js';

export interface TransactionScope {
  scope: StoreScope;
  /** Writes what waited; call after the work, before committing. */
  finish(): Promise<void>;
}

export function transactionScope(context: RepositoryContext, options: TransactionOptions = {}): TransactionScope {
  const base = createScope(context);
  const loads = new LoadChanges();
  const audit = bufferedAudit(base.audit);
  const repositories = { ...base, assignments: assignmentRepository(context, loads), audit };
  const finishShared = async (): Promise<void> => {
    await audit.flush();
    await loads.apply(context.db);
  };
  if (options.holdInserts !== true) return { scope: repositories, finish: finishShared };

  const held = new HeldInserts(context.db);
  /** Requests inserted by this transaction: nothing else can refer to them yet. */
  const newApprovals = new Set<string>();
  /**
   * Requests whose version this transaction moved on (the update checked the version it read):
   * the events it logs for them take the new version numbers, which nobody else can take.
   */
  const updatedApprovals = new Set<string>();
  const people = new Map<string, Promise<User[]>>();
  const loadsRead = new Map<string, number>();

  /** A statement on `tables` only: it needs their held rows (and those they refer to) written, not the rest. */
  const touching =
    <Args extends unknown[], Result>(tables: HeldTable[], statement: (...args: Args) => Promise<Result>) =>
    async (...args: Args): Promise<Result> => {
      await held.flush(tables);
      return statement(...args);
    };

  // What a held insert or a read of other tables does instead; every other call first writes
  // what is held, since it may read or refer to it.
  const instead: { [Name in keyof StoreScope]?: Partial<StoreScope[Name]> } = {
    reviews: { insert: async (review) => held.hold('reviews', reviewRow(review), REVIEW_KEYS) },
    approvals: {
      insert: async (approval) => {
        newApprovals.add(approval.id);
        held.hold('approvals', approvalRow(approval), APPROVAL_KEYS);
      },
      // Touches requests only: their events and assignments may stay held (a timer sweep so
      // writes the events of every request it ticks in one statement).
      update: async (tenantId, id, version, patch) => {
        await held.flush(['approvals']);
        const written = await repositories.approvals.update(tenantId, id, version, patch);
        if (written) updatedApprovals.add(id);
        return written;
      },
    },
    approvalEvents: {
      append: async (event) => {
        if (!newApprovals.has(event.approval_id) && !updatedApprovals.has(event.approval_id)) {
          await held.flush();
          return repositories.approvalEvents.append(event);
        }
        held.hold('approval_events', approvalEventRow(event), APPROVAL_EVENT_KEYS);
      },
    },
    actions: {
      insert: async (action) => held.hold('actions', actionRow(action), ACTION_KEYS),
      transition: touching(['actions'], repositories.actions.transition),
      transitionMany: touching(['actions'], repositories.actions.transitionMany),
    },
    assignments: {
      // A new request has no assignments yet, so holding its own cannot hide a conflict.
      add: async (assignments) => {
        if (!assignments.every((assignment) => newApprovals.has(assignment.approval_id))) {
          await held.flush();
          return repositories.assignments.add(assignments);
        }
        const seen = new Set<string>();
        for (const assignment of assignments) {
          const key = `${assignment.approval_id}\u0000${assignment.step_id}\u0000${assignment.user_id}`;
          if (seen.has(key)) continue;
          seen.add(key);
          held.hold('assignments', assignment, ASSIGNMENT_KEYS);
          loads.add(assignment.tenant_id, assignment.user_id, 1);
        }
      },
      close: touching(['assignments'], repositories.assignments.close),
      closeMany: touching(['assignments'], repositories.assignments.closeMany),
      // Counts read once per person in the transaction; what it opened and closed is added each time.
      openCounts: async (tenantId, userIds) => {
        const unread = userIds.filter((id) => !loadsRead.has(`${tenantId}\u0000${id}`));
        if (unread.length > 0) {
          const read = await repositories.assignments.openCounts(tenantId, unread);
          for (const id of unread) loadsRead.set(`${tenantId}\u0000${id}`, read.get(id)! - loads.of(tenantId, id));
        }
        return new Map(userIds.map((id) => [id, loadsRead.get(`${tenantId}\u0000${id}`)! + loads.of(tenantId, id)]));
      },
    },
    // People are read once per tenant in the transaction (routing asks for every new request).
    users: {
      list: (tenantId) => {
        let listed = people.get(tenantId);
        if (listed === undefined) people.set(tenantId, (listed = repositories.users.list(tenantId)));
        return listed;
      },
      get: (tenantId, id) => repositories.users.get(tenantId, id),
      findByName: (tenantId, name) => repositories.users.findByName(tenantId, name),
    },
    // Buffered until the commit, after everything held.
    audit: repositories.audit,
  };

  const scope: Record<string, Record<string, unknown>> = {};
  for (const [name, repository] of Object.entries(repositories)) {
    const own = (instead as Record<string, Record<string, unknown> | undefined>)[name] ?? {};
    scope[name] = Object.fromEntries(
      Object.entries(repository).map(([method, fn]) => {
        if (typeof fn !== 'function') return [method, fn];
        if (own[method] !== undefined) return [method, own[method]];
        return [
          method,
          async (...args: unknown[]) => {
            // Any other change to people in this transaction makes the list read again.
            if (name === 'users') people.clear();
            await held.flush();
            return (fn as (...args: unknown[]) => unknown)(...args);
          },
        ];
      }),
    );
  }

  return {
    scope: scope as unknown as StoreScope,
    async finish() {
      await held.flush();
      await finishShared();
    },
  };
}
