// A request's votes and assignments are read by (tenant, request) on every answer, vote and
// closing stage. Without an index led by both, SQLite chose the tenant's index and read every vote
// or assignment the tenant ever had: each read grew with the history (0.2 ms after 5,000 requests).

import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('votes_tenant_approval').on('votes').columns(['tenant_id', 'approval_id', 'created_at']).execute();
  await db.schema
    .createIndex('assignments_tenant_approval')
    .on('assignments')
    .columns(['tenant_id', 'approval_id', 'assigned_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('assignments_tenant_approval').execute();
  await db.schema.dropIndex('votes_tenant_approval').execute();
}
