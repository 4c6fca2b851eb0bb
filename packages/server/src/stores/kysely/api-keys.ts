// API keys agents authenticate with; only their hashes are stored.

import type { Selectable } from 'kysely';
import type { ApiKeysTable } from '../../db/schema.js';
import type { ApiKey, KeyKind } from '../records.js';
import type { ApiKeyRepository } from '../store.js';
import { fromJson, toJson, type RepositoryContext } from './context.js';
import { insertOnce } from './insert-once.js';

function toApiKey(row: Selectable<ApiKeysTable>): ApiKey {
  return {
    id: row.id,
    tenant_id: row.tenant_id,
    agent: row.agent,
    kind: row.kind as KeyKind,
    capabilities: fromJson<string[]>(row.capabilities),
    key_hash: row.key_hash,
    prefix: row.prefix,
    created_at: row.created_at,
    revoked_at: row.revoked_at,
    last_used_at: row.last_used_at,
  };
}

export function apiKeyRepository({ db }: RepositoryContext): ApiKeyRepository {
  return {
    async insert(key) {
      await insertOnce(db, 'api_keys', { ...key, capabilities: toJson(key.capabilities) }, [
        { constraint: 'api_keys_key_hash_key', columns: ['key_hash'] },
        { constraint: 'api_keys_pkey', columns: ['id'] },
      ]);
    },

    async findByHash(keyHash) {
      const row = await db.selectFrom('api_keys').selectAll().where('key_hash', '=', keyHash).executeTakeFirst();
      return row && toApiKey(row);
    },

    async list(tenantId) {
      const rows = await db
        .selectFrom('api_keys')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      return rows.map(toApiKey);
    },

    async revoke(tenantId, id, at) {
      // Only the first revocation counts, so the recorded time is when the key stopped working.
      const result = await db
        .updateTable('api_keys')
        .set({ revoked_at: at })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async touch(id, at) {
      // Requests finish out of order; the time only moves forward.
      await db
        .updateTable('api_keys')
        .set({ last_used_at: at })
        .where('id', '=', id)
        .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', at)]))
        .execute();
    },
  };
}
