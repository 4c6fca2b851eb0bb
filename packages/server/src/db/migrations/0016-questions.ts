// Agents' questions to people: what was asked (with its choices and context), who may answer,
// when it times out, and the answer with who gave it. A person's inbox reads the pending ones of
// a tenant newest first (ids sort by time); the sweeper reads the pending ones whose deadline has passed.

import { sql, type Kysely } from 'kysely';

const MS = 'bigint';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('questions')
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('agent', 'text', (c) => c.notNull())
    .addColumn('question', 'text', (c) => c.notNull())
    .addColumn('choices', 'text')
    .addColumn('multiple', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('free_text', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('context', 'text', (c) => c.notNull())
    .addColumn('urgency', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('approvers', 'text', (c) => c.notNull())
    .addColumn('escalated', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('deadline', MS)
    .addColumn('created_at', MS, (c) => c.notNull())
    .addColumn('answered_at', MS)
    .addColumn('answer', 'text')
    .addColumn('answered_by', 'text')
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('questions_pkey', ['tenant_id', 'id'])
    .execute();
  await db.schema.createIndex('questions_by_status').on('questions').columns(['tenant_id', 'status', 'id']).execute();
  await db.schema.createIndex('questions_due').on('questions').columns(['deadline']).where(sql.ref('status'), '=', 'pending').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('questions').execute();
}
