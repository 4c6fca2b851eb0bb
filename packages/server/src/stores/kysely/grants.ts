// Single-use execution grants issued for approved actions.

import type { Selectable } from 'kysely';
import type { GrantsTable } from '../../db/schema.js';
import type { GrantRecord } from '../records.js';
import type { GrantRepository } from '../store.js';
import type { RepositoryContext } from './context.js';
import { insertOnce } from './insert-once.js';

function toGrant(row: Selectable<GrantsTable>): GrantRecord {
  return {
    id: row.id,
    tenant_id: row.tenant_id,
    action_id: row.action_id,
    approval_id: row.approval_id,
    digest: row.digest,
    token_hash: row.token_hash,
    created_at: row.created_at,
    expires_at: row.expires_at,
    used_at: row.used_at,
  };
}

export function grantRepository({ db }: RepositoryContext): GrantRepository {
  return {
    async insert(grant) {
      await insertOnce(db, 'grants', toGrant(grant), [
        { constraint: 'grants_token_hash_key', columns: ['token_hash'] },
        { constraint: 'grants_pkey', columns: ['id'] },
      ]);
    },

    async findByTokenHash(tenantId, tokenHash) {
      const row = await db
        .selectFrom('grants')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('token_hash', '=', tokenHash)
        .executeTakeFirst();
      return row && toGrant(row);
    },

    /** The newest grant for the action, should it have been granted more than once. */
    async getByAction(tenantId, actionId) {
      const row = await db
        .selectFrom('grants')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('action_id', '=', actionId)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .executeTakeFirst();
      return row && toGrant(row);
    },

    async markUsed(tenantId, id, at) {
      // The `used_at is null` condition makes the single UPDATE the arbiter between racing uses.
      const result = await db
        .updateTable('grants')
        .set({ used_at: at })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .where('used_at', 'is', null)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },
  };
}
