// A person's identities in other tools (a Slack user id, an e-mail address), one user each.

import type { UserIdentityRepository } from '../notify-store.js';
import type { RepositoryContext } from './context.js';

export function userIdentityRepository({ db }: RepositoryContext): UserIdentityRepository {
  return {
    async set(tenantId, kind, value, userId, now) {
      await db
        .insertInto('user_identities')
        .values({ tenant_id: tenantId, kind, value, user_id: userId, created_at: now })
        .onConflict((oc) => oc.columns(['tenant_id', 'kind', 'value']).doUpdateSet({ user_id: userId, created_at: now }))
        .execute();
    },

    async findUser(tenantId, kind, value) {
      const row = await db
        .selectFrom('user_identities')
        .select('user_id')
        .where('tenant_id', '=', tenantId)
        .where('kind', '=', kind)
        .where('value', '=', value)
        .executeTakeFirst();
      return row?.user_id;
    },

    async ofUsers(tenantId, kind, userIds) {
      const found = new Map<string, string>();
      if (userIds.length === 0) return found;
      const rows = await db
        .selectFrom('user_identities')
        .select(['user_id', 'value'])
        .where('tenant_id', '=', tenantId)
        .where('kind', '=', kind)
        .where('user_id', 'in', userIds)
        .orderBy('created_at')
        .execute();
      for (const row of rows) found.set(row.user_id, row.value);
      return found;
    },
  };
}
