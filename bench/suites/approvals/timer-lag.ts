// Timer lag: many approval requests fall due at the same instant (an injected clock jumps past
// their deadline) and the server's own once-a-second sweep fires them; how long until every one has.
import { percentile } from '../../lib/stats.js';
import { serveConfig } from '../../../packages/server/src/config/config.js';
import { startServer } from '../../../packages/server/src/server/start.js';
import { ManualClock } from '../../../packages/server/src/util/clock.js';
import { jsonClient } from './json-client.js';
import type { BenchDatabase } from './setup.js';

const CREATE_CONCURRENCY = 32;
/** The policy's `defaults.timeout`. */
const TIMEOUT_MS = 60_000;
const GIVE_UP_MS = 120_000;

export interface TimerResult {
  requests: number;
  created_per_second: number;
  fired: number;
  /** From the moment every deadline passed to the first, median, 99th percentile and last firing. */
  first_ms: number;
  p50_ms: number;
  p99_ms: number;
  all_ms: number;
  /** From the first firing to the last: the sweeping itself, without the wait for the next tick. */
  sweeping_ms: number;
  /** Approval requests still pending afterwards (must be 0). */
  left_pending: number;
}

export async function measureTimerLag(database: BenchDatabase, requests: number): Promise<TimerResult> {
  const clock = new ManualClock(Date.now());
  const config = serveConfig({ db: database.url, policy: database.policy, port: 0, host: '127.0.0.1', rateLimit: 0 }, {});
  // The default sweep interval (1 s), as `tollgate serve` runs it.
  const server = await startServer(config, { clock, logger: false, watchPolicy: false });
  const http = jsonClient(server.url, CREATE_CONCURRENCY);
  try {
    const agent = (await server.services.auth.createKey('bench-bot')).secret;
    process.stderr.write(`  ${database.kind}: creating ${requests} requests due at the same instant\n`);
    const createdAt = performance.now();
    let next = 0;
    const create = async (): Promise<void> => {
      for (let n = next++; n < requests; n = next++) {
        const reply = await http('POST', '/v1/actions', agent, { action_type: 'deploy', environment: 'production', build: n });
        if (reply.status !== 201 || reply.body.status !== 'pending')
          throw new Error(`create: ${reply.status} ${JSON.stringify(reply.body)}`);
      }
    };
    await Promise.all(Array.from({ length: CREATE_CONCURRENCY }, create));
    const createdPerSecond = requests / ((performance.now() - createdAt) / 1000);

    const fired: number[] = [];
    const seen = new Set<string>();
    let allFired: () => void = () => undefined;
    const done = new Promise<void>((resolve) => (allFired = resolve));
    const unsubscribe = server.services.bus.subscribe(undefined, (event) => {
      if (event.type !== 'approval.timed_out' || event.approval_id === undefined || seen.has(event.approval_id)) return;
      seen.add(event.approval_id);
      fired.push(performance.now());
      if (fired.length === requests) allFired();
    });
    process.stderr.write(`  ${database.kind}: every deadline passes now; waiting for the sweep\n`);
    const due = performance.now();
    clock.advance(TIMEOUT_MS + 1_000);
    const gaveUp = new Promise<void>((resolve) => setTimeout(resolve, GIVE_UP_MS).unref());
    await Promise.race([done, gaveUp]);
    unsubscribe();
    const pending = await server.services.store.approvals.list('default', { status: ['pending'], limit: 1000 });
    const lags = Float64Array.from(fired.map((at) => at - due)).sort();
    return {
      requests,
      created_per_second: createdPerSecond,
      fired: fired.length,
      first_ms: lags[0] ?? Number.NaN,
      p50_ms: percentile(lags, 50),
      p99_ms: percentile(lags, 99),
      all_ms: fired.length === requests ? lags[lags.length - 1]! : Number.POSITIVE_INFINITY,
      sweeping_ms: fired.length === 0 ? Number.NaN : lags[lags.length - 1]! - lags[0]!,
      left_pending: pending.length,
    };
  } finally {
    http.close();
    await server.close();
  }
}
