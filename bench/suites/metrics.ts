// Metrics suite: oversight metrics for a 30-day window over 100k and 1M stored actions, on
// SQLite and PostgreSQL (TOLLGATE_BENCH_DB narrows it), from the store's queries to the figures.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { PolicyService } from '../../packages/server/src/services/policy-service.js';
import { MetricsService } from '../../packages/server/src/services/metrics-service.js';
import { compileCandidate, SimulationService } from '../../packages/server/src/services/simulation-service.js';
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

interface Measure {
  kind: Kind;
  actions: number;
  in_window: number;
  requests: number;
  votes: number;
  /** The first answer, which rolls up every settled day of the window. */
  cold_ms: number;
  /** Later answers: rollups for settled days, rows for the rest. */
  warm_ms: number;
  warm_max_ms: number;
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

async function open(kind: Kind): Promise<{ store: Store; drop(): Promise<void> }> {
  if (kind === 'sqlite') {
    const folder = mkdtempSync(join(tmpdir(), 'tollgate-bench-metrics-'));
    const store = await openStore(join(folder, 'tollgate.db'));
    return { store, drop: async () => rmSync(folder, { recursive: true, force: true }) };
  }
  const schema = `tollgate_bench_${randomBytes(6).toString('hex')}`;
  await postgres(`create schema ${schema}`);
  const store = await openStore(`${POSTGRES_URL}?schema=${schema}`);
  return { store, drop: () => postgres(`drop schema if exists ${schema} cascade`) };
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** The first answer (cold: it rolls up the settled days), then the median and worst of RUNS. */
const CANDIDATE = `
defaults: { decision: ALLOW }
rules:
  - name: big-refunds
    match: { action_type: refund, amount_usd: { gt: 2500 } }
    decision: REQUIRE_APPROVAL
    approvers: [finance]
`;

async function measure(store: Store, now: number): Promise<Omit<Measure, 'kind' | 'actions' | 'seed_s'>> {
  const clock = new ManualClock(now);
  const policies = PolicyService.load({ files: [{ path: 'policy.yaml', text: 'defaults: { decision: ALLOW }\n' }] }, clock);
  const metrics = new MetricsService({ store, clock, policies });
  const started = performance.now();
  const first = await metrics.compute(TENANT, '30d');
  const cold = performance.now() - started;
  const warm: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const at = performance.now();
    await metrics.compute(TENANT, '30d');
    warm.push(performance.now() - at);
  }
  const { tenant } = first.figures;
  const replayStarted = performance.now();
  const replay = await new SimulationService({ store, clock }).simulate(
    TENANT,
    compileCandidate([{ path: 'policy.yaml', text: CANDIDATE }]),
    {
      since: '30d',
    },
  );
  const simulate_s = (performance.now() - replayStarted) / 1000;
  return {
    simulate_s,
    replayed: replay.replayed,
    in_window: tenant.actions,
    requests: tenant.requests,
    votes: tenant.votes.decisions,
    cold_ms: cold,
    warm_ms: median(warm),
    warm_max_ms: Math.max(...warm),
  };
}

async function runKind(kind: Kind, sizes: number[], spanDays: number): Promise<Measure[]> {
  const { store, drop } = await open(kind);
  const results: Measure[] = [];
  try {
    await store.migrate();
    await store.tenants.ensure({ id: TENANT, name: TENANT, created_at: 0 });
    const now = Date.UTC(2026, 10, 25);
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
      const seedS = (performance.now() - started) / 1000;
      seeded = size;
      // The prefix ends at the size's last action, so "now" is there and the window is full.
      const end = now - spanDays * DAY + Math.floor((spanDays * DAY * size) / total);
      results.push({ kind, actions: size, seed_s: seedS, ...(await measure(store, end)) });
    }
  } finally {
    await store.close();
    await drop();
  }
  return results;
}

const suite: Suite = {
  description: 'oversight metrics for a 30-day window over 100k and 1M stored actions (SQLite, PostgreSQL)',
  async run(options: SuiteOptions) {
    const sizes = options.quick ? [10_000, 100_000] : [100_000, 1_000_000];
    // The history spans 30 days at the largest size, so the 30-day window holds all of it: the
    // worst case for a window query.
    const spanDays = 30;
    const results: Measure[] = [];
    for (const kind of kinds()) results.push(...(await runKind(kind, sizes, spanDays)));
    console.log(
      `\nGET /v1/metrics?window=30d as the service computes it (store queries and core math); warm: median and worst of ${RUNS}\n`,
    );
    console.log(
      formatTable(
        [
          'db',
          'stored actions',
          'in window',
          'requests',
          'votes',
          'first (rolls up)',
          'warm p50',
          'warm max',
          `< ${TARGET_MS} ms`,
          'seeded in',
        ],
        results.map((r) => [
          r.kind,
          r.actions.toLocaleString('en'),
          r.in_window.toLocaleString('en'),
          r.requests.toLocaleString('en'),
          r.votes.toLocaleString('en'),
          formatMs(r.cold_ms),
          formatMs(r.warm_ms),
          formatMs(r.warm_max_ms),
          r.warm_max_ms < TARGET_MS ? 'PASS' : 'MISS',
          `${r.seed_s.toFixed(0)} s`,
        ]),
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
