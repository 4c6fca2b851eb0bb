// Routing records: which person each open stage was assigned to, and each person's open load.

import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { AssignmentRepository } from '../store.js';
import type { RepositoryContext } from './context.js';
import type { UniqueKey } from './insert-once.js';
import { prepared } from './prepared.js';

const selectByApproval = prepared('assignments by approval', (db, p) =>
  db.selectFrom('assignments').selectAll().where('tenant_id', '=', p(0)).where('approval_id', '=', p(1)).orderBy('assigned_at'),
);

export const ASSIGNMENT_KEYS: Array<UniqueKey<'assignments'>> = [
  { constraint: 'assignments_pkey', columns: ['approval_id', 'step_id', 'user_id'] },
];

/**
 * Changes to people's open counts made inside a transaction, applied as it commits. Applied in
 * one order (tenant, then person) by every transaction, they cannot deadlock: a timer sweep that
 * closes a hundred requests of two people would otherwise lock their rows in the order of its
 * requests, and two sweeps on two nodes would take them in opposite orders.
 */
export class LoadChanges {
  readonly #changes = new Map<string, { tenantId: string; userId: string; change: number }>();

  add(tenantId: string, userId: string, change: number): void {
    const key = `${tenantId}\u0000${userId}`;
    const entry = this.#changes.get(key);
    if (entry === undefined) this.#changes.set(key, { tenantId, userId, change });
    else entry.change += change;
  }

  /** The pending change of one person's count. */
  of(tenantId: string, userId: string): number {
    return this.#changes.get(`${tenantId}\u0000${userId}`)?.change ?? 0;
  }

  async apply(db: Kysely<Database>): Promise<void> {
    const entries = [...this.#changes.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    this.#changes.clear();
    for (const [, { tenantId, userId, change }] of entries) {
      if (change === 0) continue;
      await db
        .insertInto('assignment_loads')
        .values({ tenant_id: tenantId, user_id: userId, open_count: Math.max(change, 0) })
        .onConflict((oc) => oc.columns(['tenant_id', 'user_id']).doUpdateSet({ open_count: sql`assignment_loads.open_count + ${change}` }))
        .execute();
    }
  }
}

/**
 * Inside a transaction, `loads` collects the open-count changes for the transaction to apply at
 * commit; outside one, each call applies its own.
 */
export function assignmentRepository({ db }: RepositoryContext, loads?: LoadChanges): AssignmentRepository {
  const adjust = async (tenantId: string, userIds: string[], by: 1 | -1): Promise<void> => {
    const changes = loads ?? new LoadChanges();
    for (const userId of userIds) changes.add(tenantId, userId, by);
    if (loads === undefined) await changes.apply(db);
  };
  const closeAll = async (tenantId: string, approvalIds: readonly string[], stepId: string | null, at: number, userId?: string) => {
    if (approvalIds.length === 0) return;
    let query = db
      .updateTable('assignments')
      .set({ closed_at: at })
      .where('tenant_id', '=', tenantId)
      .where('approval_id', 'in', [...approvalIds])
      .where('closed_at', 'is', null);
    if (stepId !== null) query = query.where('step_id', '=', stepId);
    if (userId !== undefined) query = query.where('user_id', '=', userId);
    const closed = await query.returning('user_id').execute();
    await adjust(
      tenantId,
      closed.map((row) => row.user_id),
      -1,
    );
  };
  return {
    async add(assignments) {
      if (assignments.length === 0) return;
      const added = await db
        .insertInto('assignments')
        .values(assignments)
        .onConflict((oc) => oc.columns(['approval_id', 'step_id', 'user_id']).doNothing())
        .returning(['tenant_id', 'user_id'])
        .execute();
      const byTenant = new Map<string, string[]>();
      for (const row of added) byTenant.set(row.tenant_id, [...(byTenant.get(row.tenant_id) ?? []), row.user_id]);
      for (const [tenantId, userIds] of byTenant) await adjust(tenantId, userIds, 1);
    },

    async openCounts(tenantId, userIds) {
      const counts = new Map(userIds.map((id) => [id, 0]));
      if (userIds.length === 0) return counts;
      const rows = await db
        .selectFrom('assignment_loads')
        .select(['user_id', 'open_count'])
        .where('tenant_id', '=', tenantId)
        .where('user_id', 'in', userIds)
        .execute();
      for (const row of rows) counts.set(row.user_id, Number(row.open_count));
      // What this transaction opened and closed already counts.
      if (loads !== undefined) for (const id of userIds) counts.set(id, counts.get(id)! + loads.of(tenantId, id));
      return counts;
    },

    async listByApproval(tenantId, approvalId) {
      return (await selectByApproval(db, tenantId, approvalId)).rows;
    },

    async openApprovalIds(tenantId, userId, limit) {
      const rows = await db
        .selectFrom('assignments')
        .select('approval_id')
        .distinct()
        .where('tenant_id', '=', tenantId)
        .where('user_id', '=', userId)
        .where('closed_at', 'is', null)
        .orderBy('approval_id', 'desc')
        .limit(limit)
        .execute();
      return rows.map((row) => row.approval_id);
    },

    async close(tenantId, approvalId, stepId, at, userId) {
      await closeAll(tenantId, [approvalId], stepId, at, userId);
    },

    async closeMany(tenantId, approvalIds, stepId, at) {
      await closeAll(tenantId, approvalIds, stepId, at);
    },
  };
}
