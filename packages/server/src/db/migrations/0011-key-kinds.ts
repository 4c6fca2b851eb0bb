// Keys say what they may do: an agent key submits actions, a worker key takes the jobs of the
// capabilities it names (never those of its own agent's actions). A job remembers the key that
// holds its lease, so the output it settles is known to come from that key.

import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // Every key made before this was an agent key.
  await db.schema
    .alterTable('api_keys')
    .addColumn('kind', 'text', (c) => c.notNull().defaultTo('agent'))
    .execute();
  // JSON array of capability names; empty for agent keys.
  await db.schema
    .alterTable('api_keys')
    .addColumn('capabilities', 'text', (c) => c.notNull().defaultTo('[]'))
    .execute();
  // Null while queued, and for leases taken before keys had kinds.
  await db.schema.alterTable('jobs').addColumn('worker_key_id', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('jobs').dropColumn('worker_key_id').execute();
  await db.schema.alterTable('api_keys').dropColumn('capabilities').execute();
  await db.schema.alterTable('api_keys').dropColumn('kind').execute();
}
