// Metrics suite: oversight metrics and time series for a 30-day window over 100k and 1M stored
// actions, on SQLite and PostgreSQL (TOLLGATE_BENCH_DB narrows it), from the store's queries to the
// figures: before any rollup, the background rollup of the closed days, the first answer after a
// restart (a new connection) and later ones. On PostgreSQL the tables are vacuumed and analyzed
// after the bulk load, as autovacuum would have done by the time a table holds a month of actions.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { PolicyService } from '../../packages/server/src/services/policy-service.js';
import { TenantPolicies } from '../../packages/server/src/services/tenant-policies.js';
import { MetricsService } from '../../packages/server/src/services/metrics-service.js';
import { SimulationService } from '../../packages/server/src/services/simulation-service.js';
import { ManualClock } from '../../packages/server/src/util/clock.js';
import { openStore } from '../../packages/server/src/stores/open-store.js';
import type { Store } from '../../packages/server/src/stores/store.js';
import type { Suite, SuiteOptions } from '../lib/suite.js';
import { formatMs, formatRate, formatTable } from '../lib/table.js';
import { seedHistory, TENANT } from './metrics/seed.js';

const DAY = 86_400_000;
const TARGET_MS = 1000;
const RUNS = 5;
const POSTGRES_URL = process.env.TOLLGATE_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
type Kind = 'sqlite' | 'postgres';

interface Timing {
  first_ms: number;
  warm_ms: number;
  warm_max_ms: number;
}

interface Measure {
  kind: Kind;
  actions: number;
  in_window: number;
  requests: number;
  votes: number;
  /** A query with no rollup stored at all (a database that was never rolled up): every day read row by row. */
  rows_only_ms: number;
  /** The background task rolling up every closed day of the history, and how many days it built. */
  build_ms: number;
  built: number;
  /** The task's work on the next day: rolling up the one day that closed. */
  next_day_ms: number;
  /** GET /v1/metrics?window=30d after a restart (a new connection): first, then median and worst of RUNS. */
  metrics: Timing;
  /** GET /v1/metrics/series?window=30d, by day and by hour. */
  series_day: Timing;
  series_hour: Timing;
  seed_s: number;
  /** Replaying the window against a candidate policy (`policy simulate`). */
  simulate_s: number;
  replayed: number;
}

function kinds(): Kind[] {
  const wanted = (process.env.TOLLGATE_BENCH_DB ?? 'sqlite,postgres').split(',').map((k) => k.trim());
  if (wanted.some((k) => k !== 'sqlite' && k !== 'postgres')) throw new Error('TOLLGATE_BENCH_DB must be sqlite, postgres or both');
  return wanted as Kind[];
}

async function postgres(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

interface BenchDatabase {
  /** The `--db` value. */
  url: string;
  /**
   * After a bulk load: on PostgreSQL, what autovacuum does to tables that grew this much (the
   * visibility map that lets index-only scans skip the table, and the planner's statistics).
   */
  settle(): Promise<void>;
  drop(): Promise<void>;
}

/** A fresh database. */
async function create(kind: Kind): Promise<BenchDatabase> {
  if (kind === 'sqlite') {
    const folder = mkdtempSync(join(tmpdir(), 'tollgate-bench-metrics-'));
    return {
      url: join(folder, 'tollgate.db'),
      settle: async () => undefined,
      drop: async () => rmSync(folder, { recursive: true, force: true }),
    };
  }
  const schema = `tollgate_bench_${randomBytes(6).toString('hex')}`;
  await postgres(`create schema ${schema}`);
  return {
    url: `${POSTGRES_URL}?schema=${schema}`,
    settle: () => postgres(`vacuum analyze ${['actions', 'approvals', 'votes', 'reviews'].map((t) => `${schema}.${t}`).join(', ')}`),
    drop: () => postgres(`drop schema if exists ${schema} cascade`),
  };
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function elapsed<T>(work: () => Promise<T>): Promise<[number, T]> {
  const started = performance.now();
  const result = await work();
  return [performance.now() - started, result];
}

/** The first answer, then the median and worst of RUNS more. */
async function timing(work: () => Promise<unknown>): Promise<Timing> {
  const [first] = await elapsed(work);
  const warm: number[] = [];
  for (let run = 0; run < RUNS; run++) warm.push((await elapsed(work))[0]);
  return { first_ms: first, warm_ms: median(warm), warm_max_ms: Math.max(...warm) };
}

const CANDIDATE = `
defaults: { decision: ALLOW }
rules:
  - name: big-refunds
    match: { action_type: refund, amount_usd: { gt: 2500 } }
    decision: REQUIRE_APPROVAL
    approvers: [finance]
`;

const POLICY = [{ path: 'policy.yaml', text: 'defaults: { decision: ALLOW }\n' }];

/**
 * Measures one size: a query on rows alone, the rollup of every closed day (as the background task
 * does it at start), then, on a new connection as after a restart, the metrics and series queries,
 * and last the next day's rollup.
 */
async function measure(url: string, seeded: Store, now: number): Promise<Omit<Measure, 'kind' | 'actions' | 'seed_s'>> {
  const clock = new ManualClock(now);
  const policies = TenantPolicies.load({ files: PolicyService.load({ files: POLICY }, clock) }, clock);
  const service = (store: Store) => new MetricsService({ store, clock, policies });
  // With rollups of earlier sizes cleared, so that every day of the window is read row by row.
  await seeded.metrics.prune(TENANT, now + DAY);
  const [rowsOnly] = await elapsed(() => service(seeded).compute(TENANT, '30d'));
  const [build, { built }] = await elapsed(() => service(seeded).rollUp());
  const store = await openStore(url);
  try {
    const metrics = service(store);
    const metricsTiming = await timing(() => metrics.compute(TENANT, '30d'));
    const seriesDay = await timing(() => metrics.series(TENANT, { window: '30d', bucket: 'day' }));
    const seriesHour = await timing(() => metrics.series(TENANT, { window: '30d', bucket: 'hour' }));
    const { tenant } = (await metrics.compute(TENANT, '30d')).figures;
    const replayStarted = performance.now();
    // The bench measures the replay itself, so the server's time limit does not apply here.
    const replay = await new SimulationService({ store, clock, limits: { timeMs: 3_600_000 } }).simulate(
      TENANT,
      [{ path: 'policy.yaml', text: CANDIDATE }],
      { since: '30d' },
    );
    const simulate_s = (performance.now() - replayStarted) / 1000;
    clock.advance(DAY);
    const [nextDay] = await elapsed(() => metrics.rollUp());
    return {
      simulate_s,
      replayed: replay.replayed,
      in_window: tenant.actions,
      requests: tenant.requests,
      votes: tenant.votes.decisions,
      rows_only_ms: rowsOnly,
      build_ms: build,
      built,
      next_day_ms: nextDay,
      metrics: metricsTiming,
      series_day: seriesDay,
      series_hour: seriesHour,
    };
  } finally {
    await store.close();
  }
}

async function runKind(kind: Kind, sizes: number[], spanDays: number): Promise<Measure[]> {
  const { url, settle, drop } = await create(kind);
  const store = await openStore(url);
  const results: Measure[] = [];
  try {
    await store.migrate();
    await store.tenants.ensure({ id: TENANT, name: TENANT, created_at: 0 });
    // Noon: the window's first and last days are half days, read row by row, as on most queries.
    const now = Date.UTC(2026, 10, 25, 12);
    const total = sizes[sizes.length - 1]!;
    // One history of `total` actions; smaller sizes are measured on its prefix (its first days).
    let seeded = 0;
    for (const size of sizes) {
      const started = performance.now();
      const from = seeded;
      await seedHistory(store, { from, to: size, total, since: now - spanDays * DAY, until: now }, (done) => {
        process.stderr.write(`\r  ${kind}: seeded ${(from + done).toLocaleString('en')} of ${size.toLocaleString('en')} actions`);
      });
      process.stderr.write('\n');
      await settle();
      const seedS = (performance.now() - started) / 1000;
      seeded = size;
      // The prefix ends at the size's last action, so "now" is there and the window is full.
      const end = now - spanDays * DAY + Math.floor((spanDays * DAY * size) / total);
      results.push({ kind, actions: size, seed_s: seedS, ...(await measure(url, store, end)) });
    }
  } finally {
    await store.close();
    await drop();
  }
  return results;
}

const pass = (t: Timing): string => (Math.max(t.first_ms, t.warm_max_ms) < TARGET_MS ? 'PASS' : 'MISS');

const suite: Suite = {
  description: 'oversight metrics for a 30-day window over 100k and 1M stored actions (SQLite, PostgreSQL)',
  async run(options: SuiteOptions) {
    const sizes = options.quick ? [10_000, 100_000] : [100_000, 1_000_000];
    // The history spans 30 days at the largest size, so the 30-day window holds all of it: the
    // worst case for a window query.
    const spanDays = 30;
    const results: Measure[] = [];
    for (const kind of kinds()) results.push(...(await runKind(kind, sizes, spanDays)));
    const size = (r: Measure) => [r.kind, r.actions.toLocaleString('en')];
    console.log('\nRolling up closed days ahead (the background task at start, then once a day)\n');
    console.log(
      formatTable(
        [
          'db',
          'stored actions',
          'in window',
          'requests',
          'votes',
          'rows only (no rollups)',
          'build at start',
          'days',
          'next day',
          'seeded in',
        ],
        results.map((r) => [
          ...size(r),
          r.in_window.toLocaleString('en'),
          r.requests.toLocaleString('en'),
          r.votes.toLocaleString('en'),
          formatMs(r.rows_only_ms),
          formatMs(r.build_ms),
          String(r.built),
          formatMs(r.next_day_ms),
          `${r.seed_s.toFixed(0)} s`,
        ]),
      ),
    );
    console.log(`\nQueries for window=30d after a restart (a new connection): first answer, then median and worst of ${RUNS}\n`);
    const row = (r: Measure, name: string, t: Timing) => [
      ...size(r),
      name,
      formatMs(t.first_ms),
      formatMs(t.warm_ms),
      formatMs(t.warm_max_ms),
      pass(t),
    ];
    console.log(
      formatTable(
        ['db', 'stored actions', 'query', 'first', 'warm p50', 'warm max', `< ${TARGET_MS} ms`],
        results.flatMap((r) => [
          row(r, 'GET /v1/metrics', r.metrics),
          row(r, 'GET /v1/metrics/series bucket=day', r.series_day),
          row(r, 'GET /v1/metrics/series bucket=hour', r.series_hour),
        ]),
        ['left', 'right', 'left'],
      ),
    );
    console.log('\nReplaying the window against a candidate policy (policy simulate)\n');
    console.log(
      formatTable(
        ['db', 'replayed', 'took', 'actions/s'],
        results.map((r) => [
          r.kind,
          r.replayed.toLocaleString('en'),
          `${r.simulate_s.toFixed(1)} s`,
          formatRate(r.replayed / r.simulate_s),
        ]),
      ),
    );
    return results;
  },
};

export default suite;
