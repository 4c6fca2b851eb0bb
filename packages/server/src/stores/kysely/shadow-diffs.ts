// Decisions where a shadow policy disagreed with the live one (written in batches off the
// decision path, read back grouped for the summary), and the shadow and promoted policies
// themselves, kept in the database so every node and every restart sees them.

import type { Selectable } from 'kysely';
import type { ShadowDiffsTable } from '../../db/schema.js';
import type { ShadowDiffRecord } from '../records.js';
import type { PolicyFile } from '@tollgate/core';
import type { ShadowDiffRepository, StoredPolicy } from '../store.js';
import { fromJson, toJson, type RepositoryContext } from './context.js';

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

    async getPolicy(slot) {
      const row = await db.selectFrom('stored_policies').selectAll().where('slot', '=', slot).executeTakeFirst();
      if (row === undefined) return undefined;
      return {
        slot: row.slot as StoredPolicy['slot'],
        version: row.version,
        files: fromJson<PolicyFile[]>(row.files),
        replaces: fromJson<string[]>(row.replaces),
        tenant_id: row.tenant_id,
        actor: row.actor,
        created_at: Number(row.created_at),
      };
    },

    async putPolicy(policy) {
      const values = {
        version: policy.version,
        files: toJson(policy.files),
        replaces: toJson(policy.replaces),
        tenant_id: policy.tenant_id,
        actor: policy.actor,
        created_at: policy.created_at,
      };
      await db
        .insertInto('stored_policies')
        .values({ slot: policy.slot, ...values })
        .onConflict((oc) => oc.column('slot').doUpdateSet(values))
        .execute();
    },

    async deletePolicy(slot) {
      const result = await db.deleteFrom('stored_policies').where('slot', '=', slot).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
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
