// Decisions where a shadow policy disagreed with the live one: written in batches off the
// decision path, read back grouped for the summary.

import type { Selectable } from 'kysely';
import type { ShadowDiffsTable } from '../../db/schema.js';
import type { ShadowDiffRecord } from '../records.js';
import type { ShadowDiffRepository } from '../store.js';
import type { RepositoryContext } from './context.js';

function toRecord(row: Selectable<ShadowDiffsTable>): ShadowDiffRecord {
  return {
    ...row,
    live_decision: row.live_decision as ShadowDiffRecord['live_decision'],
    shadow_decision: row.shadow_decision as ShadowDiffRecord['shadow_decision'],
    created_at: Number(row.created_at),
  };
}

export function shadowDiffRepository({ db }: RepositoryContext): ShadowDiffRepository {
  return {
    async insert(diffs) {
      if (diffs.length === 0) return;
      await db.insertInto('shadow_diffs').values(diffs).execute();
    },

    async counts(tenantId, shadowVersion, since) {
      const rows = await db
        .selectFrom('shadow_diffs')
        .select(['live_decision', 'shadow_decision', 'live_gate', 'shadow_gate', (eb) => eb.fn.countAll<number | string>().as('count')])
        .where('tenant_id', '=', tenantId)
        .where('shadow_version', '=', shadowVersion)
        .where('created_at', '>=', since)
        .groupBy(['live_decision', 'shadow_decision', 'live_gate', 'shadow_gate'])
        .execute();
      return rows.map((row) => ({ ...row, count: Number(row.count) }));
    },

    async list(tenantId, shadowVersion, { since, limit }) {
      const rows = await db
        .selectFrom('shadow_diffs')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('shadow_version', '=', shadowVersion)
        .where('created_at', '>=', since)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
      return rows.map(toRecord);
    },
  };
}
