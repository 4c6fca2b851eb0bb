// Routing records: which person each open stage was assigned to, and each person's open load.

import type { AssignmentRepository } from '../store.js';
import type { RepositoryContext } from './context.js';

export function assignmentRepository({ db }: RepositoryContext): AssignmentRepository {
  return {
    async add(assignments) {
      if (assignments.length === 0) return;
      await db
        .insertInto('assignments')
        .values(assignments)
        .onConflict((oc) => oc.columns(['approval_id', 'step_id', 'user_id']).doNothing())
        .execute();
    },

    async openCounts(tenantId, userIds) {
      const counts = new Map(userIds.map((id) => [id, 0]));
      if (userIds.length === 0) return counts;
      const rows = await db
        .selectFrom('assignments')
        .select((eb) => ['user_id', eb.fn.countAll<number | string>().as('n')])
        .where('tenant_id', '=', tenantId)
        .where('user_id', 'in', userIds)
        .where('closed_at', 'is', null)
        .groupBy('user_id')
        .execute();
      for (const row of rows) counts.set(row.user_id, Number(row.n));
      return counts;
    },

    async listByApproval(tenantId, approvalId) {
      return db
        .selectFrom('assignments')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('approval_id', '=', approvalId)
        .orderBy('assigned_at')
        .execute();
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
      await query.execute();
    },
  };
}
