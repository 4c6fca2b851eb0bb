// Metrics rollups built ahead and kept exact, and policies kept in the database: hourly series per
// subject beside the daily cells, a log of late changes that makes a day's rollup stale (written
// by triggers, so every writer marks them without knowing), and the shadow and promoted policies.

import { PostgresAdapter, sql, type Kysely } from 'kysely';

const MS = 'bigint';
const DAY_MS = 86_400_000;

/**
 * A change is late when it lands on a UTC day after the one its row is counted in: only then can
 * the day have been rolled up already (days are rolled up after they end). Rows are counted by
 * `created_at`; the change is dated by `decided_at`, the time the application stamped on it.
 */
const LATE = (row: string) => `(${row}.decided_at is null or ${row}.created_at < ${row}.decided_at - ${row}.decided_at % ${DAY_MS})`;

/** The days a review's finding is counted in: the action's, and those of the votes on its request. */
const REVIEW_DAYS = (row: string) => `
  select ${row}.tenant_id, ${row}.created_at - ${row}.created_at % ${DAY_MS}
  union
  select ${row}.tenant_id, v.created_at - v.created_at % ${DAY_MS}
    from votes v join approvals ap on ap.id = v.approval_id
    where ap.action_id = ${row}.action_id`;

async function createTriggers(db: Kysely<unknown>): Promise<void> {
  if (isPostgres(db)) {
    await sql
      .raw(
        `create function metrics_approval_changed() returns trigger language plpgsql as $$
        begin
          insert into metrics_day_changes (tenant_id, day) values (new.tenant_id, new.created_at - new.created_at % ${DAY_MS});
          return null;
        end $$`,
      )
      .execute(db);
    await sql
      .raw(
        `create trigger approvals_metrics_changed after update of status on approvals for each row
        when (old.status is distinct from new.status and ${LATE('new')})
        execute function metrics_approval_changed()`,
      )
      .execute(db);
    await sql
      .raw(
        `create function metrics_review_changed() returns trigger language plpgsql as $$
        begin
          insert into metrics_day_changes (tenant_id, day) ${REVIEW_DAYS('new')};
          return null;
        end $$`,
      )
      .execute(db);
    await sql
      .raw(
        `create trigger reviews_metrics_changed after update of status on reviews for each row
        when (old.status is distinct from new.status and ${LATE('new')})
        execute function metrics_review_changed()`,
      )
      .execute(db);
    return;
  }
  await sql
    .raw(
      `create trigger approvals_metrics_changed after update of status on approvals for each row
      when old.status is not new.status and ${LATE('new')}
      begin
        insert into metrics_day_changes (tenant_id, day) values (new.tenant_id, new.created_at - new.created_at % ${DAY_MS});
      end`,
    )
    .execute(db);
  await sql
    .raw(
      `create trigger reviews_metrics_changed after update of status on reviews for each row
      when old.status is not new.status and ${LATE('new')}
      begin
        insert into metrics_day_changes (tenant_id, day) ${REVIEW_DAYS('new')};
      end`,
    )
    .execute(db);
}

export async function up(db: Kysely<unknown>): Promise<void> {
  // Rollups now carry review findings and are checked against the change log: older ones are
  // rebuilt in the background rather than trusted.
  await sql`delete from metrics_days`.execute(db);
  await db.schema
    .alterTable('metrics_days')
    .addColumn('generation', MS, (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('metrics_days')
    .addColumn('format', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();

  // One row per late change to a day's figures; a rollup is current while the count it was built
  // at still holds. Append-only, so concurrent writers never wait on each other here.
  await db.schema
    .createTable('metrics_day_changes')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('day', MS, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('metrics_day_changes_tenant_day').on('metrics_day_changes').columns(['tenant_id', 'day']).execute();

  // One subject's day (tenant, gate, agent or approver) as 24 hourly tallies, for charts.
  await db.schema
    .createTable('metrics_series')
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('day', MS, (c) => c.notNull())
    .addColumn('hours', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('metrics_series_pkey', ['tenant_id', 'kind', 'subject', 'day'])
    .execute();
  await db.schema.createIndex('metrics_series_tenant_day').on('metrics_series').columns(['tenant_id', 'day']).execute();

  await createTriggers(db);

  // The shadow candidate and the promoted policy, shared by every node and kept across restarts.
  await db.schema
    .createTable('stored_policies')
    .addColumn('slot', 'text', (c) => c.notNull())
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('files', 'text', (c) => c.notNull())
    .addColumn('replaces', 'text', (c) => c.notNull())
    .addColumn('tenant_id', 'text')
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('created_at', MS, (c) => c.notNull())
    .addPrimaryKeyConstraint('stored_policies_pkey', ['slot'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('stored_policies').execute();
  await sql.raw('drop trigger if exists reviews_metrics_changed' + (isPostgres(db) ? ' on reviews' : '')).execute(db);
  await sql.raw('drop trigger if exists approvals_metrics_changed' + (isPostgres(db) ? ' on approvals' : '')).execute(db);
  if (isPostgres(db)) {
    await sql.raw('drop function if exists metrics_review_changed()').execute(db);
    await sql.raw('drop function if exists metrics_approval_changed()').execute(db);
  }
  await db.schema.dropTable('metrics_series').execute();
  await db.schema.dropTable('metrics_day_changes').execute();
  await sql`delete from metrics_days`.execute(db);
  await db.schema.alterTable('metrics_days').dropColumn('format').execute();
  await db.schema.alterTable('metrics_days').dropColumn('generation').execute();
}

function isPostgres(db: Kysely<unknown>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}
