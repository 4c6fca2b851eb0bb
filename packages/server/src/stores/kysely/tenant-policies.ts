// Each tenant's stored policies (the shadow candidate; a policy promoted or pushed over its policy
// files or its starter policy) and the versions its live policy has had, shared by every node.

import type { PolicyFile } from '@tollgate/core';
import type { Selectable } from 'kysely';
import type { TenantPoliciesTable } from '../../db/schema.js';
import type { PolicyVersionSource, StoredPolicy, TenantPolicyRepository } from '../store.js';
import { fromJson, toJson, type RepositoryContext } from './context.js';

function toStored(row: Selectable<TenantPoliciesTable>): StoredPolicy {
  return {
    tenant_id: row.tenant_id,
    slot: row.slot as StoredPolicy['slot'],
    version: row.version,
    files: fromJson<PolicyFile[]>(row.files),
    replaces: fromJson<string[]>(row.replaces),
    actor: row.actor,
    created_at: Number(row.created_at),
    source: row.source === 'pushed' ? 'pushed' : 'promoted',
  };
}

export function tenantPolicyRepository({ db }: RepositoryContext): TenantPolicyRepository {
  return {
    async get(tenantId, slot) {
      const row = await db
        .selectFrom('tenant_policies')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('slot', '=', slot)
        .executeTakeFirst();
      return row && toStored(row);
    },

    async heads() {
      const rows = await db.selectFrom('tenant_policies').select(['tenant_id', 'slot', 'version', 'created_at']).execute();
      return rows.map((row) => ({ ...row, slot: row.slot as StoredPolicy['slot'], created_at: Number(row.created_at) }));
    },

    async put(policy) {
      const values = {
        version: policy.version,
        files: toJson(policy.files),
        replaces: toJson(policy.replaces),
        actor: policy.actor,
        created_at: policy.created_at,
        source: policy.source ?? 'promoted',
      };
      await db
        .insertInto('tenant_policies')
        .values({ tenant_id: policy.tenant_id, slot: policy.slot, ...values })
        .onConflict((oc) => oc.columns(['tenant_id', 'slot']).doUpdateSet(values))
        .execute();
    },

    async delete(tenantId, slot) {
      const result = await db.deleteFrom('tenant_policies').where('tenant_id', '=', tenantId).where('slot', '=', slot).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },

    async recordVersion(tenantId, version, source, files, now) {
      const inserted = await db
        .insertInto('policy_versions')
        .values({ tenant_id: tenantId, version, source, files: toJson(files), first_live_at: now, last_live_at: now })
        .onConflict((oc) => oc.columns(['tenant_id', 'version']).doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0) return true;
      await db
        .updateTable('policy_versions')
        .set({ last_live_at: now })
        .where('tenant_id', '=', tenantId)
        .where('version', '=', version)
        .where('last_live_at', '<', now)
        .execute();
      return false;
    },

    async versions(tenantId, limit) {
      const rows = await db
        .selectFrom('policy_versions')
        .select(['version', 'source', 'first_live_at', 'last_live_at'])
        .where('tenant_id', '=', tenantId)
        .orderBy('first_live_at', 'desc')
        .orderBy('version')
        .limit(limit)
        .execute();
      return rows.map((row) => ({
        version: row.version,
        source: row.source as PolicyVersionSource,
        first_live_at: Number(row.first_live_at),
        last_live_at: Number(row.last_live_at),
      }));
    },
  };
}
