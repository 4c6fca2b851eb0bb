// The queries behind oversight metrics: a range's requests, votes and action counts (read from
// the tenant+created_at indexes), the queues as they stand, and the daily rollups.

import { sql } from 'kysely';
import type { MetricsCells, VoteRow } from '@tollgate/core';
import type { MetricsRepository } from '../store.js';
import { fromJson, toJson, type RepositoryContext } from './context.js';

export function metricsRepository({ db }: RepositoryContext): MetricsRepository {
  return {
    async rows(tenantId, { from, to }) {
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
        .select([
          'a.gate',
          'v.step_id',
          'v.user_id',
          'v.verdict',
          sql<number>`case when v.note is null or v.note = '' then 0 else 1 end`.as('has_note'),
          sql<number>`coalesce(s.assigned_at, ap.created_at)`.as('started_at'),
          'v.created_at',
        ])
        .where('v.tenant_id', '=', tenantId)
        .where('v.created_at', '>=', from)
        .where('v.created_at', '<', to)
        .execute();
      const actions = db
        .selectFrom('actions')
        .select(['agent', 'decision', (eb) => eb.fn.countAll<number | string>().as('count')])
        .where('tenant_id', '=', tenantId)
        .where('created_at', '>=', from)
        .where('created_at', '<', to)
        .groupBy(['agent', 'decision'])
        .execute();
      const [requestRows, voteRows, actionRows] = await Promise.all([requests, votes, actions]);
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
        })),
        actions: actionRows.map((a) => ({ agent: a.agent, decision: a.decision, count: Number(a.count) })),
      };
    },

    async current(tenantId, { from, to }) {
      const issues = db
        .selectFrom('reviews as r')
        .innerJoin('actions as a', 'a.id', 'r.action_id')
        .select(['a.gate', 'a.agent', 'r.status'])
        .where('r.tenant_id', '=', tenantId)
        .where('r.status', 'in', ['flagged', 'reversed'])
        .where('r.created_at', '>=', from)
        .where('r.created_at', '<', to)
        .execute();
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
      const [issueRows, pendingRows, assignmentRows, agentRows, userRows] = await Promise.all([
        issues,
        pending,
        assignments,
        agents,
        users,
      ]);
      return {
        issues: issueRows.map((i) => ({ gate: i.gate, agent: i.agent, kind: i.status === 'reversed' ? 'reversal' : 'flag' })),
        pending: pendingRows.map((p) => ({ gate: p.gate ?? 'unknown', created_at: Number(p.created_at) })),
        assignments: assignmentRows.map((a) => ({ approver: a.user_id, open: Number(a.open), oldest_assigned_at: Number(a.oldest) })),
        agents: agentRows.map((a) => ({ agent: a.name, level: a.level, clean_successes: a.clean_successes })),
        names: Object.fromEntries(userRows.map((u) => [u.id, u.name])),
      };
    },

    async days(tenantId, { from, to }) {
      const rows = await db
        .selectFrom('metrics_days')
        .select(['day', 'cells'])
        .where('tenant_id', '=', tenantId)
        .where('day', '>=', from)
        .where('day', '<', to)
        .execute();
      return rows.map((row) => ({ day: Number(row.day), cells: fromJson<MetricsCells>(row.cells) }));
    },

    async saveDay(tenantId, day, cells, now) {
      await db
        .insertInto('metrics_days')
        .values({ tenant_id: tenantId, day, cells: toJson(cells), created_at: now })
        .onConflict((oc) => oc.columns(['tenant_id', 'day']).doNothing())
        .execute();
    },
  };
}
