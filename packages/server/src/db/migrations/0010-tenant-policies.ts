// Policies per tenant (DESIGN §2: every policy belongs to one tenant):
// - stored policies (a shadow candidate, a promoted or pushed policy) are kept per tenant; the
//   single-slot table of 0006 served every tenant the same policy, so one tenant's admin could
//   change what every other tenant was decided by. Rows stored before belong to `default`.
// - the versions a tenant's policy has had, shared by every node and kept across restarts.

import { sql, type Kysely } from 'kysely';

const MS = 'bigint';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('tenant_policies')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('slot', 'text', (c) => c.notNull())
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('files', 'text', (c) => c.notNull())
    .addColumn('replaces', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('created_at', MS, (c) => c.notNull())
    // For the promoted slot: `promoted` (from a shadow) or `pushed` (made live at once).
    .addColumn('source', 'text', (c) => c.notNull().defaultTo('promoted'))
    .addPrimaryKeyConstraint('tenant_policies_pkey', ['tenant_id', 'slot'])
    .execute();
  await sql`insert into tenant_policies (tenant_id, slot, version, files, replaces, actor, created_at)
    select coalesce(tenant_id, 'default'), slot, version, files, replaces, actor, created_at from stored_policies`.execute(db);
  await db.schema.dropTable('stored_policies').execute();

  await db.schema
    .createTable('policy_versions')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('version', 'text', (c) => c.notNull())
    // files, promoted, pushed or starter: where the version came from when it first went live.
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('files', 'text', (c) => c.notNull())
    .addColumn('first_live_at', MS, (c) => c.notNull())
    .addColumn('last_live_at', MS, (c) => c.notNull())
    .addPrimaryKeyConstraint('policy_versions_pkey', ['tenant_id', 'version'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('policy_versions').execute();
  await db.schema
    .createTable('stored_policies')
    .addColumn('slot', 'text', (c) => c.notNull())
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('files', 'text', (c) => c.notNull())
    .addColumn('replaces', 'text', (c) => c.notNull())
    .addColumn('tenant_id', 'text')
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('created_at', MS, (c) => c.notNull())
    .addPrimaryKeyConstraint('stored_policies_pkey', ['slot'])
    .execute();
  await sql`insert into stored_policies (slot, version, files, replaces, tenant_id, actor, created_at)
    select slot, version, files, replaces, tenant_id, actor, created_at from tenant_policies where tenant_id = 'default'`.execute(db);
  await db.schema.dropTable('tenant_policies').execute();
}
