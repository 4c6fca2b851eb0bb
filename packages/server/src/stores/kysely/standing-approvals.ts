// Standing approvals: kept, listed, used one at a time by a conditional UPDATE, and revoked.

import type { Selectable } from 'kysely';
import type { StandingApprovalsTable } from '../../db/schema.js';
import type { StandingApprovalRecord } from '../records.js';
import type { StandingApprovalRepository } from '../store.js';
import { fromJson, pageLimit, toJson, type RepositoryContext } from './context.js';
import { insertOnce } from './insert-once.js';

function toStanding(row: Selectable<StandingApprovalsTable>): StandingApprovalRecord {
  return {
    ...row,
    constraints: fromJson<StandingApprovalRecord['constraints']>(row.constraints),
    // int8 arrives as a number already (connect-postgres.ts); integer columns may not on every driver.
    for_ms: row.for_ms === null ? null : Number(row.for_ms),
    uses: row.uses === null ? null : Number(row.uses),
    uses_left: row.uses_left === null ? null : Number(row.uses_left),
  };
}

export function standingApprovalRepository({ db }: RepositoryContext): StandingApprovalRepository {
  /** Not revoked, not expired, and a use left where uses are counted. */
  const live = (now: number) =>
    db
      .selectFrom('standing_approvals')
      .selectAll()
      .where('revoked_at', 'is', null)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
      .where((eb) => eb.or([eb('uses_left', 'is', null), eb('uses_left', '>', 0)]));

  return {
    async insert(standing) {
      await insertOnce(db, 'standing_approvals', { ...standing, constraints: toJson(standing.constraints) }, [
        { constraint: 'standing_approvals_pkey', columns: ['id'] },
      ]);
    },

    async get(tenantId, id) {
      const row = await db
        .selectFrom('standing_approvals')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .executeTakeFirst();
      return row && toStanding(row);
    },

    async list(tenantId, filter = {}) {
      let query = filter.active_at === undefined ? db.selectFrom('standing_approvals').selectAll() : live(filter.active_at);
      query = query.where('tenant_id', '=', tenantId);
      if (filter.agent !== undefined) query = query.where('agent', '=', filter.agent);
      if (typeof filter.after === 'string') query = query.where('id', '<', filter.after);
      const rows = await query.orderBy('id', 'desc').limit(pageLimit(filter.limit)).execute();
      return rows.map(toStanding);
    },

    async candidates(tenantId, agent, actionType, now) {
      const rows = await live(now)
        .where('tenant_id', '=', tenantId)
        .where('agent', '=', agent)
        .where('action_type', '=', actionType)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(50)
        .execute();
      return rows.map(toStanding);
    },

    async use(tenantId, id, now) {
      // One statement decides between racing uses: the row lock makes the second re-check `uses_left`.
      const result = await db
        .updateTable('standing_approvals')
        .set((eb) => ({ uses_left: eb('uses_left', '-', 1) }))
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
        .where((eb) => eb.or([eb('uses_left', 'is', null), eb('uses_left', '>', 0)]))
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async revoke(tenantId, id, at, by) {
      const result = await db
        .updateTable('standing_approvals')
        .set({ revoked_at: at, revoked_by: by })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },
  };
}
