// Indexes for reads that otherwise grew with a tenant's history. SQLite plans without statistics:
// given only a tenant-led index it walks every row of the tenant, and it prefers an index that
// already sorts as asked over one that narrows more.
// - A request's votes and assignments, read for every answer, vote and closing stage (0.2 ms a
//   read after 5,000 requests, and growing).
// - A person's open assignments (their inbox), newest request first: the index now also sorts by
//   request, so it is chosen over the per-request one, which would walk the tenant's assignments.
// - Precedents for an approval's context: the latest decided actions of the same type and
//   environment, which walked the tenant's actions newest first until enough matched (for a rare
//   action type, all of them).

import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('votes_tenant_approval').on('votes').columns(['tenant_id', 'approval_id', 'created_at']).execute();
  await db.schema
    .createIndex('assignments_tenant_approval')
    .on('assignments')
    .columns(['tenant_id', 'approval_id', 'assigned_at'])
    .execute();
  await db.schema.dropIndex('assignments_tenant_user_open').execute();
  await db.schema
    .createIndex('assignments_tenant_user_open')
    .on('assignments')
    .columns(['tenant_id', 'user_id', 'closed_at', 'approval_id'])
    .execute();
  await db.schema
    .createIndex('actions_tenant_type_environment_created')
    .on('actions')
    .columns(['tenant_id', 'action_type', 'environment', 'created_at', 'id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('actions_tenant_type_environment_created').execute();
  await db.schema.dropIndex('assignments_tenant_user_open').execute();
  await db.schema.createIndex('assignments_tenant_user_open').on('assignments').columns(['tenant_id', 'user_id', 'closed_at']).execute();
  await db.schema.dropIndex('assignments_tenant_approval').execute();
  await db.schema.dropIndex('votes_tenant_approval').execute();
}
