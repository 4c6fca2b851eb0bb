// Indexes for the oversight metrics of questions and standing approvals: a tenant's questions by
// when they were asked, and the actions each standing approval covered (few actions have one).

import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('questions_tenant_created').on('questions').columns(['tenant_id', 'created_at']).execute();
  await db.schema
    .createIndex('actions_by_standing_approval')
    .on('actions')
    .columns(['tenant_id', 'standing_approval_id'])
    .where(sql.ref('standing_approval_id'), 'is not', null)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('actions_by_standing_approval').execute();
  await db.schema.dropIndex('questions_tenant_created').execute();
}
