// Oversight metrics over real HTTP on SQLite and PostgreSQL: a seeded history where each warning
// must fire, beside near-misses where it must not, and the figures and Prometheus text behind them.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveConfig } from '../src/config/config.js';
import { ROLLUP_FORMAT } from '../src/services/metrics-service.js';
import { startServer, type RunningServer } from '../src/server/start.js';
import type { StoreScope } from '../src/stores/store.js';
import { ManualClock } from '../src/util/clock.js';
import { createTestDatabase, DATABASES, type TestDatabase } from './helpers/databases.js';
import { actionRecord, seedIssue, seedRequest } from './helpers/history.js';
import { client } from './helpers/http.js';

const NOW = Date.UTC(2026, 10, 25, 12);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const POLICY = 'defaults: { decision: ALLOW }\n';

type Ids = Record<'alice' | 'bob' | 'carol' | 'dave' | 'erin' | 'frank', string>;

/** Each gate holds one pattern; the `near-` gates miss its threshold by the smallest step. */
async function seed(scope: StoreScope, ids: Ids): Promise<void> {
  const at = (i: number): number => NOW - 20 * DAY + i * 60_000;
  const pair = (i: number): string => (i % 2 === 0 ? ids.bob : ids.carol);
  for (let i = 0; i < 30; i++)
    await seedRequest(scope, { gate: 'stamp', at: at(i), vote: { user: ids.alice, verdict: 'approve', afterMs: 3_000, note: 'ok' } });
  for (let i = 0; i < 40; i++)
    await seedRequest(scope, {
      gate: 'near-stamp',
      at: at(i),
      vote: { user: pair(i), verdict: 'approve', afterMs: i < 2 ? 60_000 : 3_000, note: 'ok' },
    });
  for (let i = 0; i < 50; i++)
    await seedRequest(scope, { gate: 'theater', at: at(i), vote: { user: pair(i), verdict: 'approve', afterMs: 120_000 } });
  // Outside the window: were it counted, its denial would silence the theater warning.
  await seedRequest(scope, { gate: 'theater', at: NOW - 31 * DAY, vote: { user: ids.bob, verdict: 'deny', afterMs: 120_000, note: 'no' } });
  for (let i = 0; i < 50; i++)
    await seedRequest(scope, {
      gate: 'near-theater',
      at: at(i),
      vote: { user: pair(i), verdict: 'approve', afterMs: 120_000, ...(i === 9 ? { note: 'checked the diff' } : {}) },
    });
  for (let i = 0; i < 20; i++)
    await seedRequest(scope, {
      gate: 'spof',
      at: at(i),
      vote: { user: i < 17 ? ids.dave : ids.erin, verdict: i % 5 === 0 ? 'deny' : 'approve', afterMs: 120_000, note: 'n' },
    });
  for (let i = 0; i < 20; i++)
    await seedRequest(scope, {
      gate: 'near-spof',
      at: at(i),
      vote: { user: i < 16 ? ids.dave : ids.erin, verdict: i % 5 === 0 ? 'deny' : 'approve', afterMs: 120_000, note: 'n' },
    });
  for (let i = 0; i < 10; i++)
    await seedRequest(
      scope,
      i < 3
        ? { gate: 'timeouts', at: at(i), timedOutAfterMs: HOUR }
        : { gate: 'timeouts', at: at(i), vote: { user: ids.frank, verdict: 'approve', afterMs: 120_000, note: 'n' } },
    );
  for (let i = 0; i < 10; i++)
    await seedRequest(
      scope,
      i < 2
        ? { gate: 'near-timeouts', at: at(i), timedOutAfterMs: HOUR }
        : { gate: 'near-timeouts', at: at(i), vote: { user: pair(i), verdict: 'approve', afterMs: 120_000, note: 'n' } },
    );
  await seedRequest(scope, { gate: 'slow', at: NOW - 25 * HOUR });
  await seedRequest(scope, { gate: 'near-slow', at: NOW - 23 * HOUR });
  // Agents: one with a clean record of 50, one as clean but for a miss, and `bot` (all the requests) with a reversal.
  for (let i = 0; i < 50; i++) {
    await scope.actions.insert(
      actionRecord({ agent: 'clean-bot', gate: 'defaults.decision', decision: 'ALLOW', at: at(i), status: 'executed' }),
    );
    await scope.actions.insert(
      actionRecord({ agent: 'flagged-bot', gate: 'defaults.decision', decision: 'ALLOW', at: at(i), status: 'executed' }),
    );
  }
  await seedIssue(scope, { gate: 'post-review', agent: 'flagged-bot', at: at(60), kind: 'flagged' });
  await seedIssue(scope, { gate: 'post-review', agent: 'bot', at: at(61), kind: 'reversed' });
}

describe.each(DATABASES)('oversight metrics on %s', (kind) => {
  const clock = new ManualClock(NOW);
  let database: TestDatabase;
  let server: RunningServer;
  let admin: ReturnType<typeof client>;
  let auditor: ReturnType<typeof client>;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    const policyDir = mkdtempSync(join(tmpdir(), 'tollgate-metrics-'));
    writeFileSync(join(policyDir, 'policy.yaml'), POLICY);
    server = await startServer(serveConfig({ db: database.url, policy: policyDir, port: 0, rateLimit: 0 }, {}), {
      clock,
      logger: false,
      watchPolicy: false,
      timerIntervalMs: 0,
    });
    const { auth, store } = server.services;
    const ids = {} as Ids;
    for (const name of ['alice', 'bob', 'carol', 'dave', 'erin', 'frank'] as const)
      ids[name] = (await auth.addUser({ name, password: `${name}-password`, role: 'approver', groups: ['approvers'] })).id;
    await auth.addUser({ name: 'admin', password: 'admin-password', role: 'admin', groups: [] });
    await auth.addUser({ name: 'audrey', password: 'audrey-password', role: 'auditor', groups: [] });
    await store.transaction((scope) => seed(scope, ids));
    admin = client(server.url, (await auth.login('admin', 'admin-password')).token);
    auditor = client(server.url, (await auth.login('audrey', 'audrey-password')).token);
  });

  afterAll(async () => {
    await server?.close();
    await database?.drop();
  });

  it('fires each warning on its gate or person, and none on the near-misses', async () => {
    const { status, body } = await admin('GET', '/v1/metrics?window=30d');
    expect(status).toBe(200);
    const found = body.warnings
      .map((w: { kind: string; subject: Record<string, string> }) => `${w.kind} ${w.subject.gate ?? w.subject.name}`)
      .sort();
    expect(found).toEqual([
      'approval_theater theater',
      'chronic_timeouts timeouts',
      'overload slow',
      'rubber_stamping alice',
      'rubber_stamping stamp',
      'single_point_of_failure spof',
      'single_point_of_failure stamp',
    ]);
    const theater = body.warnings.find((w: { kind: string }) => w.kind === 'approval_theater');
    expect(theater.evidence).toEqual({ decisions: 50, denials: 0, changes_requested: 0, notes: 0 });
    expect(theater.fix).toMatch(/criteria/);
    const stamp = body.warnings.find(
      (w: { kind: string; subject: { gate?: string } }) => w.kind === 'rubber_stamping' && w.subject.gate === 'stamp',
    );
    expect(stamp.evidence).toMatchObject({ decisions: 30, quick_approvals: 30, quick_approval_rate: 1, p50_ms: 3000 });
  });

  it('recommends promoting only the agent with a clean record', async () => {
    const { body } = await admin('GET', '/v1/metrics?window=30d');
    expect(body.recommendations.map((r: { kind: string; subject: { agent?: string } }) => `${r.kind} ${r.subject.agent}`)).toEqual([
      'promote_agent clean-bot',
    ]);
  });

  it('gives exact figures per gate, approver and agent, and says what they mean', async () => {
    const { body } = await admin('GET', '/v1/metrics?window=30d');
    expect(body.window).toMatchObject({ name: '30d', until: new Date(NOW).toISOString(), days: 30 });
    expect(body.definitions.approval_rate).toMatch(/approved/);
    const gate = (name: string) => body.gates.find((g: { gate: string }) => g.gate === name);
    expect(gate('stamp')).toMatchObject({
      requests: 30,
      approved: 30,
      approval_rate: 1,
      time_to_decision_ms: { p50: 3000, p90: 3000, p99: 3000 },
    });
    expect(gate('theater')).toMatchObject({ requests: 50, approved: 50, denied: 0 });
    expect(gate('timeouts')).toMatchObject({ requests: 10, timed_out: 3, decided: 10, timeout_rate: 0.3 });
    expect(gate('spof').steps).toMatchObject([
      { step: 'approval', decisions: 20, denials: 4, approvers: 2, top_approver: { name: 'dave', share: 0.85 } },
    ]);
    expect(gate('slow')).toMatchObject({ backlog: 1, oldest_pending_age_ms: 25 * HOUR });
    expect(body.totals).toMatchObject({ backlog: 2, oldest_pending_age_ms: 25 * HOUR, reversals: 1, misses: 1 });
    const alice = body.approvers.find((a: { name: string }) => a.name === 'alice');
    expect(alice).toMatchObject({ decisions: 30, approvals: 30, load_per_day: 1, quick_approval_rate: 1, gates: ['stamp'] });
    const flagged = body.agents.find((a: { agent: string }) => a.agent === 'flagged-bot');
    expect(flagged).toMatchObject({ actions: 51, ran: 51, misses: 1, miss_rate: 1 / 51 });
  });

  it('rolls closed days up ahead, waiting requests and all, and reads the same figures from them', async () => {
    const { metrics, store } = server.services;
    const range = { from: NOW - 32 * DAY, to: NOW };
    const first = await admin('GET', '/v1/metrics?window=30d');
    // Queries read rows; only the rollup task writes rollups.
    expect(await store.metrics.currentDays('default', range, ROLLUP_FORMAT)).toEqual([]);
    const firstDay = Math.floor((NOW - 31 * DAY) / DAY) * DAY;
    const lastDay = Math.floor(NOW / DAY) * DAY - DAY;
    expect(await metrics.rollUp()).toEqual({ built: (lastDay - firstDay) / DAY + 1, busy: 0 });
    const days = (await store.metrics.currentDays('default', range, ROLLUP_FORMAT)).sort((a, b) => a - b);
    expect(days[0]).toBe(firstDay);
    expect(days.at(-1)).toBe(lastDay);
    // The day of the request still waiting is rolled up too: its decision will mark the day stale.
    expect(days).toContain(Math.floor((NOW - 25 * HOUR) / DAY) * DAY);
    const second = await admin('GET', '/v1/metrics?window=30d');
    expect(second.body.gates).toEqual(first.body.gates);
    expect(second.body.approvers).toEqual(first.body.approvers);
    expect(second.body.agents).toEqual(first.body.agents);
    expect(second.body.totals).toEqual(first.body.totals);
    expect(second.body.warnings).toEqual(first.body.warnings);
    expect(await metrics.rollUp()).toEqual({ built: 0, busy: 0 });
  });

  it('narrows to one grouping and window, and refuses bad ones', async () => {
    const byApprover = await admin('GET', '/v1/metrics?window=30d&by=approver');
    expect(byApprover.body.by).toBe('approver');
    expect(byApprover.body.approvers).toHaveLength(6);
    expect(byApprover.body.gates).toBeUndefined();
    const day = await admin('GET', '/v1/metrics?window=24h&by=gate');
    expect(day.body.totals.requests).toBe(1);
    expect((await admin('GET', '/v1/metrics?window=forever')).body.error).toMatchObject({ code: 'request.invalid' });
    expect((await admin('GET', '/v1/metrics?by=planet')).status).toBe(400);
  });

  it('exposes the figures in Prometheus text, labelled by gate, approver and agent', async () => {
    const { status, body, headers } = await auditor('GET', '/metrics');
    expect(status).toBe(200);
    expect(headers.get('content-type')).toContain('text/plain; version=0.0.4');
    expect(body).toContain('# TYPE tollgate_approval_rate gauge');
    expect(body).toContain('tollgate_approval_rate{gate="stamp",window="30d"} 1\n');
    expect(body).toContain('tollgate_timeout_rate{gate="timeouts",window="30d"} 0.300000\n');
    expect(body).toContain('tollgate_time_to_decision_seconds{gate="stamp",quantile="0.5",window="30d"} 3\n');
    expect(body).toContain('tollgate_approver_decisions{approver="alice",window="30d"} 30\n');
    expect(body).toContain('tollgate_oversight_findings{kind="rubber_stamping",window="30d"} 2\n');
    expect(body).not.toMatch(/act_/);
  });
});
