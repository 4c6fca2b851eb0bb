// Routing records: which person each open stage was assigned to, and each person's open load.

import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { AssignmentRepository } from '../store.js';
import type { RepositoryContext } from './context.js';
import { prepared } from './prepared.js';

const selectByApproval = prepared('assignments by approval', (db, p) =>
  db.selectFrom('assignments').selectAll().where('tenant_id', '=', p(0)).where('approval_id', '=', p(1)).orderBy('assigned_at'),
);

/** Moves people's open counts by what just opened (+1 each) or closed (-1 each). */
async function adjustLoads(db: Kysely<Database>, tenantId: string, userIds: string[], by: 1 | -1): Promise<void> {
  const changes = new Map<string, number>();
  for (const id of userIds) changes.set(id, (changes.get(id) ?? 0) + by);
  // In one order everywhere, so two transactions moving the same people's counts cannot deadlock.
  for (const [userId, change] of [...changes].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    await db
      .insertInto('assignment_loads')
      .values({ tenant_id: tenantId, user_id: userId, open_count: Math.max(change, 0) })
      .onConflict((oc) => oc.columns(['tenant_id', 'user_id']).doUpdateSet({ open_count: sql`assignment_loads.open_count + ${change}` }))
      .execute();
  }
}

export function assignmentRepository({ db }: RepositoryContext): AssignmentRepository {
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
      for (const [tenantId, userIds] of byTenant) await adjustLoads(db, tenantId, userIds, 1);
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
      let query = db
        .updateTable('assignments')
        .set({ closed_at: at })
        .where('tenant_id', '=', tenantId)
        .where('approval_id', '=', approvalId)
        .where('closed_at', 'is', null);
      if (stepId !== null) query = query.where('step_id', '=', stepId);
      if (userId !== undefined) query = query.where('user_id', '=', userId);
      const closed = await query.returning('user_id').execute();
      await adjustLoads(
        db,
        tenantId,
        closed.map((row) => row.user_id),
        -1,
      );
    },
  };
}
