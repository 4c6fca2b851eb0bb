// The agent's open actions by digest: a submission identical to one still waiting for people (or
// approved and not yet used) is answered with that one, so a retry never opens a second request.
// Partial, so the allowed, denied and finished actions (nearly all of them) cost nothing in it;
// ordered newest first within a digest, so that SQLite prefers it to the agent's time index.

import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('actions_open_digest')
    .on('actions')
    .columns(['tenant_id', 'agent', 'digest', 'created_at', 'id'])
    .where(sql.ref('status'), 'in', sql`('pending', 'approved')`)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('actions_open_digest').execute();
}
