// Sign-ins:
// - Failed sign-ins per person's name, in the database so that every node counts the same
//   guesses: kept in each process, a name locked on one node could still be guessed on the
//   others, as many times over as there were nodes behind the balancer.
// - A person's sessions by (tenant, person): a new password or a disabled account ends them all,
//   which read every session of every tenant.

import type { Kysely } from 'kysely';

const MS = 'bigint';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('sign_in_failures')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    // Lowercased: names differing only in case count together.
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('failures', 'integer', (c) => c.notNull())
    .addColumn('window_ends_at', MS, (c) => c.notNull())
    .addPrimaryKeyConstraint('sign_in_failures_pkey', ['tenant_id', 'name'])
    .execute();
  // Ended windows are deleted from time to time, found by this.
  await db.schema.createIndex('sign_in_failures_window_ends_at').on('sign_in_failures').column('window_ends_at').execute();
  await db.schema.createIndex('sessions_tenant_user').on('sessions').columns(['tenant_id', 'user_id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('sessions_tenant_user').execute();
  await db.schema.dropTable('sign_in_failures').execute();
}
