// Multi-stage workflows: each approval request keeps its workflow state and the log of events
// that produced it, and worker steps become leased jobs.

import type { Kysely } from 'kysely';

const MS = 'bigint';

export async function up(db: Kysely<unknown>): Promise<void> {
  // The reducer's state as JSON; the request's other columns stay the queryable summary of it.
  await db.schema.alterTable('approvals').addColumn('state', 'text').execute();

  await db.schema
    .createTable('approval_events')
    .addColumn('approval_id', 'text', (c) => c.notNull().references('approvals.id'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('at', MS, (c) => c.notNull())
    .addPrimaryKeyConstraint('approval_events_pkey', ['approval_id', 'seq'])
    .execute();

  await db.schema
    .createTable('jobs')
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
    // Null for compensation jobs, which undo an executed action rather than run a workflow step.
    .addColumn('approval_id', 'text', (c) => c.references('approvals.id'))
    .addColumn('action_id', 'text', (c) => c.notNull().references('actions.id'))
    .addColumn('step_id', 'text', (c) => c.notNull())
    .addColumn('capability', 'text', (c) => c.notNull())
    .addColumn('executes', 'integer', (c) => c.notNull())
    .addColumn('input', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('max_attempts', 'integer', (c) => c.notNull())
    .addColumn('worker', 'text')
    .addColumn('lease_until', MS)
    .addColumn('output', 'text')
    .addColumn('error', 'text')
    .addColumn('created_at', MS, (c) => c.notNull())
    .addColumn('updated_at', MS, (c) => c.notNull())
    .addPrimaryKeyConstraint('jobs_pkey', ['id'])
    .addUniqueConstraint('jobs_approval_step_key', ['approval_id', 'step_id'])
    .execute();
  // Who each open stage was routed to, so that routing can balance the load across a group.
  await db.schema
    .createTable('assignments')
    .addColumn('approval_id', 'text', (c) => c.notNull().references('approvals.id'))
    .addColumn('step_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
    .addColumn('assigned_at', MS, (c) => c.notNull())
    .addColumn('closed_at', MS)
    .addPrimaryKeyConstraint('assignments_pkey', ['approval_id', 'step_id', 'user_id'])
    .execute();
  await db.schema.createIndex('assignments_tenant_user_open').on('assignments').columns(['tenant_id', 'user_id', 'closed_at']).execute();

  // Workers ask for the oldest available job of their capability.
  await db.schema.createIndex('jobs_capability_status_created').on('jobs').columns(['capability', 'status', 'created_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('assignments').execute();
  await db.schema.dropTable('jobs').execute();
  await db.schema.dropTable('approval_events').execute();
  await db.schema.alterTable('approvals').dropColumn('state').execute();
}
