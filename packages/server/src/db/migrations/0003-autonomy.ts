// Graduated autonomy and post-execution review: each agent's level and track record, and the
// queue of executed actions waiting for a person to look at them.

import type { Kysely } from 'kysely';

const MS = 'bigint';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('agents')
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('level', 'integer', (c) => c.notNull())
    .addColumn('level_since', MS, (c) => c.notNull())
    // Successes without an issue since the level was last set: what promotion counts.
    .addColumn('clean_successes', 'integer', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('created_at', MS, (c) => c.notNull())
    .addPrimaryKeyConstraint('agents_pkey', ['tenant_id', 'name'])
    .execute();

  // The track record per action class (action_type × environment) and level.
  await db.schema
    .createTable('agent_records')
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
    .addColumn('agent', 'text', (c) => c.notNull())
    .addColumn('action_type', 'text', (c) => c.notNull())
    .addColumn('environment', 'text', (c) => c.notNull())
    .addColumn('level', 'integer', (c) => c.notNull())
    .addColumn('successes', 'integer', (c) => c.notNull())
    .addColumn('failures', 'integer', (c) => c.notNull())
    .addColumn('denials', 'integer', (c) => c.notNull())
    .addColumn('reversals', 'integer', (c) => c.notNull())
    .addColumn('flags', 'integer', (c) => c.notNull())
    .addColumn('updated_at', MS, (c) => c.notNull())
    .addPrimaryKeyConstraint('agent_records_pkey', ['tenant_id', 'agent', 'action_type', 'environment', 'level'])
    .execute();

  await db.schema
    .createTable('reviews')
    .addColumn('action_id', 'text', (c) => c.notNull().references('actions.id'))
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('created_at', MS, (c) => c.notNull())
    .addColumn('due_at', MS)
    .addColumn('reviewer', 'text')
    .addColumn('note', 'text')
    .addColumn('decided_at', MS)
    .addColumn('reversal', 'text')
    .addColumn('version', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('reviews_pkey', ['action_id'])
    .execute();
  await db.schema.createIndex('reviews_tenant_status_created').on('reviews').columns(['tenant_id', 'status', 'created_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('reviews').execute();
  await db.schema.dropTable('agent_records').execute();
  await db.schema.dropTable('agents').execute();
}
