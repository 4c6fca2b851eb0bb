// Each person's count of open assignments, kept as assignments open and close: routing reads it
// for every new request, and counting the open rows made that read grow with the backlog.

import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('assignment_loads')
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('open_count', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('assignment_loads_pkey', ['tenant_id', 'user_id'])
    .execute();
  await sql`
    insert into assignment_loads (tenant_id, user_id, open_count)
    select tenant_id, user_id, count(*) from assignments where closed_at is null group by tenant_id, user_id
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('assignment_loads').execute();
}
