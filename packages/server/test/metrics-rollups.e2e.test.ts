// Rollups built ahead must not change a figure. A history made through the real API over eight
// days (a moved clock), rolled up, then changed days later — a late vote, a reversal, flags on
// actions approved on another day — and every answer (GET /v1/metrics and /v1/metrics/series) is
// compared with the same figures computed straight from the rows, before and after the stale days
// are rebuilt, on SQLite and PostgreSQL. Also: the series' shape and refusals, the rollup task at
// start, and two nodes rolling up one PostgreSQL at once.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  cellsFromRows,
  computeMetrics,
  emptyTally,
  mergeTally,
  seriesFigures,
  seriesFromRows,
  subjectKey,
  type Subject,
} from '@tollgate/core';
import { serveConfig } from '../src/config/config.js';
import { localOutbound } from './helpers/local-outbound.js';
import { MetricsService, ROLLUP_FORMAT } from '../src/services/metrics-service.js';
import { PolicyService } from '../src/services/policy-service.js';
import { TenantPolicies } from '../src/services/tenant-policies.js';
import { startServer, type RunningServer } from '../src/server/start.js';
import { openStore } from '../src/stores/open-store.js';
import { ManualClock } from '../src/util/clock.js';
import { createTestDatabase, DATABASES, type TestDatabase } from './helpers/databases.js';
import { client } from './helpers/http.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const DAY0 = Date.UTC(2026, 9, 1);
const at = (day: number, hour: number, minute = 0): number => DAY0 + day * DAY + hour * HOUR + minute * MIN;
const iso = (ms: number): string => new Date(ms).toISOString();
const TENANT = 'default';

const POLICY = `
defaults: { decision: ALLOW }
rules:
  - name: refunds
    match: { action_type: refund }
    decision: REQUIRE_APPROVAL
    approvers: [finance]
  - name: deploys
    match: { action_type: deploy }
    decision: REVIEW
`;

type Client = ReturnType<typeof client>;

describe.each(DATABASES)('metrics rollups on %s', (kind) => {
  const clock = new ManualClock(DAY0);
  let database: TestDatabase;
  let policyDir: string;
  let server: RunningServer;
  let hook: Server;
  let hookUrl: string;
  let bot: Client;
  let ops: Client;
  /** Ids of the history's actions and requests, by name. */
  const made: Record<string, { id: string; approval?: string }> = {};

  const start = (timerIntervalMs: number) =>
    startServer(
      { ...serveConfig({ db: database.url, policy: policyDir, port: 0, rateLimit: 0 }, {}), settings: localOutbound() },
      {
        clock,
        logger: false,
        watchPolicy: false,
        timerIntervalMs,
      },
    );

  /** A signed-in client for a person, at the clock's time (sessions expire as the clock moves). */
  async function as(name: string): Promise<Client> {
    return client(server.url, (await server.services.auth.login(name, `${name}-password`)).token);
  }

  async function act(name: string, agent: Client, body: Record<string, unknown>, when: number): Promise<void> {
    clock.set(when);
    const reply = await agent('POST', '/v1/actions', body);
    expect(reply.status).toBe(201);
    made[name] = { id: reply.body.id, ...(reply.body.approval === undefined ? {} : { approval: reply.body.approval.id }) };
  }

  async function vote(person: string, name: string, verdict: string, when: number, note?: string): Promise<void> {
    clock.set(when);
    const reply = await (
      await as(person)
    )('POST', `/v1/approvals/${made[name]!.approval}/votes`, {
      verdict,
      ...(note === undefined ? {} : { note }),
    });
    expect(reply.status).toBe(201);
  }

  async function review(name: string, verdict: 'flag' | 'reverse', when: number): Promise<void> {
    clock.set(when);
    const reply = await (await as('admin'))('POST', `/v1/actions/${made[name]!.id}/review`, { verdict, note: 'found later' });
    expect(reply.status).toBe(200);
  }

  /** What the metrics of the window are, computed from the rows alone. */
  async function raw(windowMs: number) {
    const { store } = server.services;
    const now = clock.now();
    const since = now - windowMs;
    const rows = await store.metrics.rows(TENANT, { from: since, to: now });
    const current = await store.metrics.current(TENANT);
    return computeMetrics({ ...current, cells: cellsFromRows(rows) }, { since, until: now, now });
  }

  /** The series points the rows alone give. */
  async function rawSeries(subject: Subject, windowMs: number, size: number) {
    const now = clock.now();
    const from = Math.floor((now - windowMs) / size) * size;
    const rows = await server.services.store.metrics.rows(TENANT, { from, to: now });
    const hours = seriesFromRows(rows).get(subjectKey(subject)) ?? new Map();
    const points = [];
    for (let start = from; start < now; start += size) {
      const end = Math.min(start + size, now);
      const tally = emptyTally();
      for (const [hour, found] of hours) if (hour >= start && hour < end) mergeTally(tally, found);
      points.push({ start: iso(start), end: iso(end), ...seriesFigures(subject.kind, tally) });
    }
    return { from: iso(from), to: iso(now), points };
  }

  const SUBJECTS: { query: string; subject: () => Promise<Subject> }[] = [
    { query: '', subject: async () => ({ kind: 'tenant', name: '' }) },
    { query: '&gate=refunds', subject: async () => ({ kind: 'gate', name: 'refunds' }) },
    { query: '&agent=ops', subject: async () => ({ kind: 'agent', name: 'ops' }) },
    {
      query: '&approver=alice',
      subject: async () => ({ kind: 'approver', name: (await server.services.store.users.findByName(TENANT, 'alice'))!.id }),
    },
  ];

  /** Every answer equals what the rows say, for several windows, subjects and buckets. */
  async function expectExact(): Promise<void> {
    const reader = await as('audrey');
    for (const [window, ms] of [
      ['30d', 30 * DAY],
      ['7d', 7 * DAY],
      ['36h', 36 * HOUR],
    ] as const) {
      const { figures } = await server.services.metrics.compute(TENANT, window);
      expect(figures).toEqual(await raw(ms));
      for (const { query, subject } of SUBJECTS)
        for (const [bucket, size] of [
          ['day', DAY],
          ['hour', HOUR],
        ] as const) {
          const reply = await reader('GET', `/v1/metrics/series?window=${window}&bucket=${bucket}${query}`);
          expect(reply.status).toBe(200);
          expect(reply.body).toEqual({ window, bucket, ...(await rawSeries(await subject(), ms, size)) });
        }
    }
    const http = await reader('GET', '/v1/metrics?window=30d');
    expect(http.body.totals).toEqual(JSON.parse(JSON.stringify((await raw(30 * DAY)).tenant)));
  }

  const currentDays = () =>
    server.services.store.metrics
      .currentDays(TENANT, { from: DAY0, to: at(9, 0) }, ROLLUP_FORMAT)
      .then((days) => days.sort((a, b) => a - b));
  const days = (...list: number[]) => list.map((d) => at(d, 0));

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    policyDir = mkdtempSync(join(tmpdir(), 'tollgate-rollups-'));
    writeFileSync(join(policyDir, 'policy.yaml'), POLICY);
    hook = createServer((_request, response) => response.writeHead(204).end());
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
    hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/undo`;
    server = await start(0);
    const { auth } = server.services;
    for (const name of ['alice', 'bob']) await auth.addUser({ name, password: `${name}-password`, role: 'approver', groups: ['finance'] });
    await auth.addUser({ name: 'admin', password: 'admin-password', role: 'admin', groups: [] });
    await auth.addUser({ name: 'audrey', password: 'audrey-password', role: 'auditor', groups: [] });
    bot = client(server.url, (await auth.createKey('bot')).secret);
    ops = client(server.url, (await auth.createKey('ops')).secret);

    // Eight days of history, each made at its own time.
    for (let d = 0; d < 8; d++) {
      await act(`A${d}`, bot, { action_type: 'refund', amount_usd: 10 * (d + 1) }, at(d, 9));
      await vote(d % 2 === 0 ? 'alice' : 'bob', `A${d}`, 'approve', at(d, 9, 5 + d));
      // Each day's its own refund (the same one, still pending, would be that one again).
      await act(`B${d}`, ops, { action_type: 'refund', amount_usd: 500, order: `o-${d}` }, at(d, 10));
      if (d % 3 === 0) await vote('bob', `B${d}`, 'deny', at(d, 10, 45), 'too much');
      if (d % 3 === 1) await vote('bob', `B${d}`, 'request_changes', at(d, 10, 30), 'add the order');
      await act(`C${d}`, ops, { action_type: 'deploy', service: 'api' }, at(d, 11));
      clock.set(at(d, 11, 10));
      expect(
        (await ops('POST', `/v1/actions/${made[`C${d}`]!.id}/outcome`, { status: 'succeeded', compensation: { webhook: hookUrl } })).status,
      ).toBe(200);
      await act(`D${d}`, bot, { action_type: 'read', table: 'orders' }, at(d, 12));
    }
    // Requests decided on a later day than they were made, inside the history.
    // (A refund of its own: A6, of the same amount, is approved and not yet run.)
    await act('E3', bot, { action_type: 'refund', amount_usd: 70, order: 'o-late' }, at(3, 23, 50));
    await vote('alice', 'E3', 'approve', at(4, 0, 20));
    await vote('alice', 'B5', 'approve', at(6, 8));
    clock.set(at(9, 12));
  });

  afterAll(async () => {
    await server?.close();
    hook?.close();
    await database?.drop();
  });

  it('reads rows until closed days are rolled up, then reads the rollups, with the same figures', async () => {
    expect(await currentDays()).toEqual([]);
    await expectExact();
    if (kind === 'postgres') {
      // A second node on the same database rolls up at the same moment: every day is built once.
      const store = await openStore(database.url);
      try {
        const other = new MetricsService({
          store,
          clock,
          policies: TenantPolicies.load({ files: PolicyService.load({ files: [{ path: 'p.yaml', text: POLICY }] }, clock) }, clock),
        });
        const [one, two] = await Promise.all([server.services.metrics.rollUp(), other.rollUp()]);
        expect(one.built + two.built).toBe(9);
      } finally {
        await store.close();
      }
    } else expect(await server.services.metrics.rollUp()).toEqual({ built: 9, busy: 0 });
    expect(await currentDays()).toEqual(days(0, 1, 2, 3, 4, 5, 6, 7, 8));
    await expectExact();
    expect(await server.services.metrics.rollUp()).toEqual({ built: 0, busy: 0 });
  });

  it('marks the days a late vote, a reversal or a flag changes, reads them from rows until rebuilt, and rebuilds only those', async () => {
    // B2 waited a week; C3 is reversed; A1 (approved by bob) and E3 (made on day 3, approved by alice
    // on day 4) are flagged: each changes a closed day's figures.
    await vote('alice', 'B2', 'approve', at(9, 13));
    await review('C3', 'reverse', at(9, 13, 5));
    await review('A1', 'flag', at(9, 13, 10));
    await review('E3', 'flag', at(9, 13, 15));
    clock.set(at(9, 14));
    expect(await currentDays()).toEqual(days(0, 5, 6, 7, 8));
    await expectExact();
    expect(await server.services.metrics.rollUp()).toEqual({ built: 4, busy: 0 });
    expect(await currentDays()).toEqual(days(0, 1, 2, 3, 4, 5, 6, 7, 8));
    await expectExact();

    const reader = await as('audrey');
    const tenant = (await reader('GET', '/v1/metrics/series?window=10d&bucket=day')).body.points;
    const day3 = tenant.find((p: { start: string }) => p.start === iso(at(3, 0)));
    // Day 3: 2 allowed or reviewed + 2 approved ran; C3 reversed, E3 flagged.
    expect(day3).toMatchObject({ requests: 3, decisions: 3, reversal_rate: 0.25, miss_rate: 0.25 });
    const alice = (await reader('GET', '/v1/metrics/series?window=10d&bucket=day&approver=alice')).body.points;
    // Alice approved A4 and E3 on day 4; E3 was flagged.
    expect(alice.find((p: { start: string }) => p.start === iso(at(4, 0)))).toMatchObject({
      requests: 2,
      decisions: 2,
      approval_rate: 1,
      timeout_rate: null,
      miss_rate: 0.5,
      reversal_rate: 0,
    });
    const day2 = (await reader('GET', '/v1/metrics/series?window=10d&bucket=day&gate=refunds')).body.points;
    expect(day2.find((p: { start: string }) => p.start === iso(at(2, 0)))).toMatchObject({ requests: 2, decisions: 2, approval_rate: 1 });
  });

  it('answers a series with one point per bucket and null where there is nothing to count', async () => {
    clock.set(at(9, 14, 30));
    const reader = await as('audrey');
    const { status, body } = await reader('GET', '/v1/metrics/series?window=3d&bucket=hour&agent=bot');
    expect(status).toBe(200);
    expect(body).toMatchObject({ window: '3d', bucket: 'hour', from: iso(at(6, 14)), to: iso(at(9, 14, 30)) });
    expect(body.points).toHaveLength(73);
    expect(body.points.at(-1)).toMatchObject({ start: iso(at(9, 14)), end: iso(at(9, 14, 30)) });
    const quiet = body.points.find((p: { start: string }) => p.start === iso(at(6, 15)));
    expect(quiet).toEqual({
      start: iso(at(6, 15)),
      end: iso(at(6, 16)),
      requests: 0,
      decisions: 0,
      approval_rate: null,
      time_to_decision_ms: { p50: null, p90: null, p99: null },
      timeout_rate: null,
      reversal_rate: null,
      miss_rate: null,
    });
    const nine = body.points.find((p: { start: string }) => p.start === iso(at(7, 9)));
    expect(nine).toMatchObject({ requests: 1, decisions: 1, approval_rate: 1, time_to_decision_ms: { p50: 12 * MIN } });
  });

  it('refuses bad series queries naming the parameter, and lists the route in /openapi.json', async () => {
    const reader = await as('audrey');
    const refused = async (query: string) => (await reader('GET', `/v1/metrics/series?${query}`)).body.error;
    expect(await refused('bucket=week')).toMatchObject({ code: 'request.invalid', details: { field: 'querystring.bucket' } });
    expect(await refused('window=forever')).toMatchObject({ code: 'request.invalid', details: { field: 'window' } });
    expect(await refused('window=60d&bucket=hour')).toMatchObject({ code: 'request.invalid', details: { field: 'window' } });
    expect(await refused('gate=refunds&agent=bot')).toMatchObject({ code: 'request.invalid', details: { field: 'agent' } });
    expect(await refused('planet=mars')).toMatchObject({ code: 'request.invalid', details: { field: 'querystring.planet' } });
    expect((await client(server.url)('GET', '/v1/metrics/series')).status).toBe(401);
    const openapi = await client(server.url)('GET', '/openapi.json');
    const route = openapi.body.paths['/v1/metrics/series'].get;
    expect(route.parameters.map((p: { name: string }) => p.name).sort()).toEqual(['agent', 'approver', 'bucket', 'gate', 'window']);
    expect(Object.keys(route.responses['200'].content['application/json'].schema.properties.points.items.properties)).toEqual([
      'start',
      'end',
      'requests',
      'decisions',
      'approval_rate',
      'time_to_decision_ms',
      'timeout_rate',
      'reversal_rate',
      'miss_rate',
    ]);
  });

  it('rolls up at start what changed while it was down', async () => {
    await review('A6', 'flag', at(9, 15));
    expect(await currentDays()).not.toContain(at(6, 0));
    await server.close();
    server = await start(20);
    await vi.waitFor(async () => expect(await currentDays()).toEqual(days(0, 1, 2, 3, 4, 5, 6, 7, 8)), { timeout: 10_000 });
    await expectExact();
  });
});
