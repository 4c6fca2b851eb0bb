// Tenants: the isolation boundary every other record belongs to.

import type { Tenant } from '../records.js';
import type { TenantRepository } from '../store.js';
import type { RepositoryContext } from './context.js';

export function tenantRepository({ db }: RepositoryContext): TenantRepository {
  return {
    async ensure(tenant) {
      // DO NOTHING rather than check-then-insert, so two processes ensuring one tenant both succeed.
      await db
        .insertInto('tenants')
        .values({ id: tenant.id, name: tenant.name, created_at: tenant.created_at })
        .onConflict((oc) => oc.column('id').doNothing())
        .execute();
    },

    async list() {
      const rows = await db.selectFrom('tenants').selectAll().orderBy('id').execute();
      return rows.map((row) => ({ id: row.id, name: row.name, created_at: Number(row.created_at) }));
    },

    async get(id) {
      const row = await db.selectFrom('tenants').selectAll().where('id', '=', id).executeTakeFirst();
      return row === undefined ? undefined : ({ id: row.id, name: row.name, created_at: row.created_at } satisfies Tenant);
    },
  };
}
