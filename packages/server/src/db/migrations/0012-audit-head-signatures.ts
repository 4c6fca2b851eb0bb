// Signed audit chain heads: each tenant's head, signed with the server's Ed25519 key from time to
// time, so that a chain cut back or rewritten with its hashes recomputed no longer verifies.
// Written once and never updated: a head is signed at most once, whichever node gets there first.

import type { Kysely } from 'kysely';

const MS = 'bigint';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('audit_head_signatures')
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('signed_at', MS, (c) => c.notNull())
    .addColumn('key_id', 'text', (c) => c.notNull())
    .addColumn('signature', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('audit_head_signatures_pkey', ['tenant_id', 'seq'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('audit_head_signatures').execute();
}
