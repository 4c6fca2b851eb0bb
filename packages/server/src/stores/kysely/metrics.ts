// The queries behind oversight metrics: a range's requests, votes, action counts and review
// findings (read from the tenant+created_at indexes), the queues as they stand, and the rollups:
// daily cells and hourly series, current while the day's log of late changes has not grown.

import { sql, type Kysely } from 'kysely';
import type { MetricsCells, MetricsRows, QuestionRow, StoredDay, VoteRow } from '@tollgate/core';
import type { Database } from '../../db/schema.js';
import type { DayRollup, MetricsRepository, TimeRange } from '../store.js';
import { fromJson, toJson, type RepositoryContext } from './context.js';

const HOUR_MS = 3_600_000;
/** Rows per insert statement: well under PostgreSQL's 65,535 parameters. */
const CHUNK = 1000;

const issueOf = (status: string | null): VoteRow['issue'] => (status === 'reversed' ? 'reversal' : status === 'flagged' ? 'flag' : null);

async function readRows(db: Kysely<Database>, tenantId: string, { from, to }: TimeRange): Promise<MetricsRows> {
  // Requests and votes join their action by primary key for its gate.
  const requests = db
    .selectFrom('approvals as ap')
    .innerJoin('actions as a', 'a.id', 'ap.action_id')
    .select(['a.gate', 'ap.workflow', 'ap.requested_by as agent', 'ap.status', 'ap.created_at', 'ap.decided_at'])
    .where('ap.tenant_id', '=', tenantId)
    .where('ap.created_at', '>=', from)
    .where('ap.created_at', '<', to)
    .execute();
  const votes = db
    .selectFrom('votes as v')
    .innerJoin('approvals as ap', 'ap.id', 'v.approval_id')
    .innerJoin('actions as a', 'a.id', 'ap.action_id')
    .leftJoin('assignments as s', (join) =>
      join.onRef('s.approval_id', '=', 'v.approval_id').onRef('s.step_id', '=', 'v.step_id').onRef('s.user_id', '=', 'v.user_id'),
    )
    // The review of the action voted on, by its primary key: what it found counts against the approvers.
    .leftJoin('reviews as r', 'r.action_id', 'ap.action_id')
    .select([
      'a.gate',
      'v.step_id',
      'v.user_id',
      'v.verdict',
      sql<number>`case when v.note is null or v.note = '' then 0 else 1 end`.as('has_note'),
      sql<number>`coalesce(s.assigned_at, ap.created_at)`.as('started_at'),
      'v.created_at',
      'r.status as review',
    ])
    .where('v.tenant_id', '=', tenantId)
    .where('v.created_at', '>=', from)
    .where('v.created_at', '<', to)
    .execute();
  // By hour as well, for series; the covering index answers it without reading table rows.
  const hour = sql<number>`created_at - created_at % ${sql.lit(HOUR_MS)}`;
  const actions = db
    .selectFrom('actions')
    .select(['agent', 'decision', hour.as('hour'), (eb) => eb.fn.countAll<number | string>().as('count')])
    .where('tenant_id', '=', tenantId)
    .where('created_at', '>=', from)
    .where('created_at', '<', to)
    .groupBy(['agent', 'decision', hour])
    .execute();
  // A review is dated with its action, so findings count in the action's range.
  const issues = db
    .selectFrom('reviews as r')
    .innerJoin('actions as a', 'a.id', 'r.action_id')
    .select(['a.gate', 'a.agent', 'r.status', 'r.created_at'])
    .where('r.tenant_id', '=', tenantId)
    .where('r.status', 'in', ['flagged', 'reversed'])
    .where('r.created_at', '>=', from)
    .where('r.created_at', '<', to)
    .execute();
  const [requestRows, voteRows, actionRows, issueRows] = await Promise.all([requests, votes, actions, issues]);
  return {
    requests: requestRows.map((r) => ({
      gate: r.gate ?? 'unknown',
      workflow: r.workflow,
      agent: r.agent,
      status: r.status,
      created_at: Number(r.created_at),
      decided_at: r.decided_at === null ? null : Number(r.decided_at),
    })),
    votes: voteRows.map((v) => ({
      gate: v.gate ?? 'unknown',
      step: v.step_id,
      approver: v.user_id,
      verdict: v.verdict as VoteRow['verdict'],
      has_note: Number(v.has_note) === 1,
      started_at: Number(v.started_at),
      created_at: Number(v.created_at),
      issue: issueOf(v.review),
    })),
    actions: actionRows.map((a) => ({ agent: a.agent, decision: a.decision, count: Number(a.count), at: Number(a.hour) })),
    issues: issueRows.map((i) => ({
      gate: i.gate,
      agent: i.agent,
      kind: i.status === 'reversed' ? 'reversal' : 'flag',
      at: Number(i.created_at),
    })),
  };
}

/** How many late changes the day has logged: the generation a rollup built now is current at. */
async function changeCount(db: Kysely<Database>, tenantId: string, day: number): Promise<number> {
  const row = await db
    .selectFrom('metrics_day_changes')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('tenant_id', '=', tenantId)
    .where('day', '=', day)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** Rollups still current: built in this format, with as many late changes logged as now. */
const CURRENT = sql<boolean>`d.generation = (select count(*) from metrics_day_changes c where c.tenant_id = d.tenant_id and c.day = d.day)`;

export function metricsRepository({ db, dialect }: RepositoryContext): MetricsRepository {
  return {
    rows: (tenantId, range) => readRows(db, tenantId, range),

    async asking(tenantId, { from, to }) {
      const questions = db
        .selectFrom('questions')
        .select(['status', 'created_at', 'answered_at'])
        .where('tenant_id', '=', tenantId)
        .where('created_at', '>=', from)
        .where('created_at', '<', to)
        .execute();
      const covered = db
        .selectFrom('actions')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('tenant_id', '=', tenantId)
        .where('created_at', '>=', from)
        .where('created_at', '<', to)
        .where('standing_approval_id', 'is not', null)
        .executeTakeFirst();
      const standing = db
        .selectFrom('standing_approvals as s')
        .leftJoin('actions as a', (join) => join.onRef('a.tenant_id', '=', 's.tenant_id').onRef('a.standing_approval_id', '=', 's.id'))
        .select(['s.id', (eb) => eb.fn.count<number | string>('a.id').as('uses')])
        .where('s.tenant_id', '=', tenantId)
        .where('s.created_at', '>=', from)
        .where('s.created_at', '<', to)
        .groupBy('s.id')
        .execute();
      const [questionRows, coveredRow, standingRows] = await Promise.all([questions, covered, standing]);
      return {
        questions: questionRows.map((q) => ({
          status: q.status as QuestionRow['status'],
          created_at: Number(q.created_at),
          answered_at: q.answered_at === null ? null : Number(q.answered_at),
        })),
        covered: Number(coveredRow?.n ?? 0),
        standing: standingRows.map((row) => ({ uses: Number(row.uses) })),
      };
    },

    async current(tenantId) {
      const pending = db
        .selectFrom('approvals as ap')
        .innerJoin('actions as a', 'a.id', 'ap.action_id')
        .select(['a.gate', 'ap.created_at'])
        .where('ap.tenant_id', '=', tenantId)
        .where('ap.status', '=', 'pending')
        .execute();
      const assignments = db
        .selectFrom('assignments')
        .select(['user_id', (eb) => eb.fn.countAll<number | string>().as('open'), (eb) => eb.fn.min('assigned_at').as('oldest')])
        .where('tenant_id', '=', tenantId)
        .where('closed_at', 'is', null)
        .groupBy('user_id')
        .execute();
      const agents = db.selectFrom('agents').select(['name', 'level', 'clean_successes']).where('tenant_id', '=', tenantId).execute();
      const users = db.selectFrom('users').select(['id', 'name']).where('tenant_id', '=', tenantId).execute();
      const [pendingRows, assignmentRows, agentRows, userRows] = await Promise.all([pending, assignments, agents, users]);
      return {
        pending: pendingRows.map((p) => ({ gate: p.gate ?? 'unknown', created_at: Number(p.created_at) })),
        assignments: assignmentRows.map((a) => ({ approver: a.user_id, open: Number(a.open), oldest_assigned_at: Number(a.oldest) })),
        agents: agentRows.map((a) => ({ agent: a.name, level: a.level, clean_successes: a.clean_successes })),
        names: Object.fromEntries(userRows.map((u) => [u.id, u.name])),
      };
    },

    async days(tenantId, { from, to }, format) {
      const rows = await db
        .selectFrom('metrics_days as d')
        .select(['d.day', 'd.cells'])
        .where('d.tenant_id', '=', tenantId)
        .where('d.day', '>=', from)
        .where('d.day', '<', to)
        .where('d.format', '=', format)
        .where(CURRENT)
        .execute();
      return rows.map((row) => ({ day: Number(row.day), cells: fromJson<MetricsCells>(row.cells) }));
    },

    async currentDays(tenantId, { from, to }, format) {
      const rows = await db
        .selectFrom('metrics_days as d')
        .select('d.day')
        .where('d.tenant_id', '=', tenantId)
        .where('d.day', '>=', from)
        .where('d.day', '<', to)
        .where('d.format', '=', format)
        .where(CURRENT)
        .execute();
      return rows.map((row) => Number(row.day));
    },

    async series(tenantId, subject, { from, to }, format) {
      const rows = await db
        .selectFrom('metrics_days as d')
        .leftJoin('metrics_series as s', (join) =>
          join
            .onRef('s.tenant_id', '=', 'd.tenant_id')
            .onRef('s.day', '=', 'd.day')
            .on('s.kind', '=', subject.kind)
            .on('s.subject', '=', subject.name),
        )
        .select(['d.day', 's.hours'])
        .where('d.tenant_id', '=', tenantId)
        .where('d.day', '>=', from)
        .where('d.day', '<', to)
        .where('d.format', '=', format)
        .where(CURRENT)
        .execute();
      return rows.map((row) => ({ day: Number(row.day), hours: row.hours === null ? null : fromJson<StoredDay>(row.hours) }));
    },

    async activity() {
      const tenants = await db.selectFrom('tenants').select('id').execute();
      return Promise.all(
        tenants.map(async ({ id }) => {
          const row = await db
            .selectFrom('actions')
            .select((eb) => eb.fn.min('created_at').as('first'))
            .where('tenant_id', '=', id)
            .executeTakeFirst();
          return { tenant_id: id, first: row?.first == null ? undefined : Number(row.first) };
        }),
      );
    },

    async rollUp(tenantId, day, format, fold, now) {
      const range = { from: day, to: day + 86_400_000 };
      const write = async (trx: Kysely<Database>, generation: number, rollup: DayRollup): Promise<void> => {
        const cells = toJson(rollup.cells);
        await trx
          .insertInto('metrics_days')
          .values({ tenant_id: tenantId, day, cells, created_at: now, generation, format })
          .onConflict((oc) => oc.columns(['tenant_id', 'day']).doUpdateSet({ cells, created_at: now, generation, format }))
          .execute();
        await trx.deleteFrom('metrics_series').where('tenant_id', '=', tenantId).where('day', '=', day).execute();
        const rows = rollup.series.map((s) => ({ tenant_id: tenantId, kind: s.kind, subject: s.subject, day, hours: toJson(s.hours) }));
        for (let i = 0; i < rows.length; i += CHUNK)
          await trx
            .insertInto('metrics_series')
            .values(rows.slice(i, i + CHUNK))
            .execute();
      };
      // The count is read before the rows: a change committed in between is either in the rows
      // (the rollup is right but looks stale, and is built again) or after them (and it is stale).
      if (dialect === 'postgres' && !db.isTransaction) {
        return db.transaction().execute(async (trx) => {
          const key = `:metrics:${tenantId}:${day}`;
          const { rows } = await sql<{
            claimed: boolean;
          }>`select pg_try_advisory_xact_lock(hashtext(current_schema() || ${key})) as claimed`.execute(trx);
          if (rows[0]?.claimed !== true) return 'busy';
          const generation = await changeCount(trx, tenantId, day);
          // Another node may have built it since this one looked.
          const built = await trx
            .selectFrom('metrics_days')
            .select(['generation', 'format'])
            .where('tenant_id', '=', tenantId)
            .where('day', '=', day)
            .executeTakeFirst();
          if (built !== undefined && Number(built.generation) === generation && built.format === format) return 'current';
          await write(trx, generation, fold(await readRows(trx, tenantId, range)));
          return 'built';
        });
      }
      // SQLite: read outside a transaction, which would hold the one connection (and the write
      // lock) for the whole read; only the write takes it.
      const generation = await changeCount(db, tenantId, day);
      const rollup = fold(await readRows(db, tenantId, range));
      if (db.isTransaction) await write(db, generation, rollup);
      else await db.transaction().execute((trx) => write(trx, generation, rollup));
      return 'built';
    },

    async prune(tenantId, before) {
      await db.deleteFrom('metrics_series').where('tenant_id', '=', tenantId).where('day', '<', before).execute();
      await db.deleteFrom('metrics_days').where('tenant_id', '=', tenantId).where('day', '<', before).execute();
      await db.deleteFrom('metrics_day_changes').where('tenant_id', '=', tenantId).where('day', '<', before).execute();
    },
  };
}
