// Oversight metrics and shadow policies: each action's gate (the rule that decided it) kept in a
// column so windows group without parsing JSON, indexes that cover the window queries, daily
// rollups of settled days, and the decisions where a shadow policy disagreed with the live one.

import { PostgresAdapter, sql, type Kysely } from 'kysely';

const MS = 'bigint';
/**
 * Fills `gate` for rows written before this migration, in one statement per dialect, by the rule
 * of core's `gateOf` as it was when this migration was released: the name of the first reason
 * whose decision is the action's, else the approval route's source, else `default`.
 */
export async function backfillGates(db: Kysely<unknown>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`
      update actions set gate = coalesce(
        (select r.value->>'name' from jsonb_array_elements(actions.evaluation::jsonb->'reasons') with ordinality as r(value, i)
          where r.value->>'decision' = actions.decision order by r.i limit 1),
        actions.evaluation::jsonb->'route'->>'source',
        'default')
      where gate is null`.execute(db);
    return;
  }
  await sql`
    update actions set gate = coalesce(
      (select json_extract(r.value, '$.name') from json_each(actions.evaluation, '$.reasons') as r
        where json_extract(r.value, '$.decision') = actions.decision order by r.key limit 1),
      json_extract(actions.evaluation, '$.route.source'),
      'default')
    where gate is null`.execute(db);
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('actions').addColumn('gate', 'text').execute();
  await backfillGates(db);
  // Per-agent counts over a range read only this index (no table rows).
  await db.schema
    .createIndex('actions_tenant_created_agent_decision')
    .on('actions')
    .columns(['tenant_id', 'created_at', 'agent', 'decision'])
    .execute();
  await db.schema.createIndex('votes_tenant_created').on('votes').columns(['tenant_id', 'created_at']).execute();

  // One settled day of a tenant's metrics, folded into cells (JSON): a month reads thirty rows.
  await db.schema
    .createTable('metrics_days')
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
    .addColumn('day', MS, (c) => c.notNull())
    .addColumn('cells', 'text', (c) => c.notNull())
    .addColumn('created_at', MS, (c) => c.notNull())
    .addPrimaryKeyConstraint('metrics_days_pkey', ['tenant_id', 'day'])
    .execute();

  await db.schema
    .createTable('shadow_diffs')
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
    .addColumn('action_id', 'text', (c) => c.notNull())
    .addColumn('agent', 'text', (c) => c.notNull())
    .addColumn('action_type', 'text')
    .addColumn('environment', 'text')
    .addColumn('live_version', 'text', (c) => c.notNull())
    .addColumn('shadow_version', 'text', (c) => c.notNull())
    .addColumn('live_decision', 'text', (c) => c.notNull())
    .addColumn('shadow_decision', 'text', (c) => c.notNull())
    .addColumn('live_gate', 'text', (c) => c.notNull())
    .addColumn('shadow_gate', 'text', (c) => c.notNull())
    .addColumn('created_at', MS, (c) => c.notNull())
    .addPrimaryKeyConstraint('shadow_diffs_pkey', ['id'])
    .execute();
  await db.schema
    .createIndex('shadow_diffs_tenant_version_created')
    .on('shadow_diffs')
    .columns(['tenant_id', 'shadow_version', 'created_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('shadow_diffs').execute();
  await db.schema.dropTable('metrics_days').execute();
  await db.schema.dropIndex('votes_tenant_created').execute();
  await db.schema.dropIndex('actions_tenant_created_agent_decision').execute();
  await db.schema.alterTable('actions').dropColumn('gate').execute();
}
