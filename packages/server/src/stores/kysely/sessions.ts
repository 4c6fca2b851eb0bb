// Login sessions of people; only the token's hash is stored.

import type { Selectable } from 'kysely';
import type { SessionsTable } from '../../db/schema.js';
import type { Session } from '../records.js';
import type { SessionRepository } from '../store.js';
import type { RepositoryContext } from './context.js';
import { insertOnce } from './insert-once.js';

function toSession(row: Selectable<SessionsTable>): Session {
  return {
    token_hash: row.token_hash,
    tenant_id: row.tenant_id,
    user_id: row.user_id,
    created_at: row.created_at,
    expires_at: row.expires_at,
  };
}

export function sessionRepository({ db }: RepositoryContext): SessionRepository {
  return {
    async insert(session) {
      await insertOnce(db, 'sessions', toSession(session), [{ constraint: 'sessions_pkey', columns: ['token_hash'] }]);
    },

    async findByHash(tokenHash) {
      const row = await db.selectFrom('sessions').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
      return row && toSession(row);
    },

    async delete(tokenHash) {
      await db.deleteFrom('sessions').where('token_hash', '=', tokenHash).execute();
    },

    async deleteByUser(tenantId, userId) {
      const result = await db.deleteFrom('sessions').where('tenant_id', '=', tenantId).where('user_id', '=', userId).executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    async deleteExpired(now) {
      const result = await db.deleteFrom('sessions').where('expires_at', '<=', now).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
