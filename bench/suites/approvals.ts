// Approvals suite: full approval lifecycles per second over HTTP (submit, two votes, grant, redeem,
// outcome) and timer lag with 10,000 requests due at once, on SQLite (and PostgreSQL on request).
import type { Suite, SuiteOptions } from '../lib/suite.js';
import { formatMs, formatRate, formatTable } from '../lib/table.js';
import { measureLifecycles, REQUESTS_PER_LIFECYCLE, type LifecyclePlan, type LifecycleResult } from './approvals/lifecycles.js';
import { createDatabase, kinds, type Kind } from './approvals/setup.js';
import { measureTimerLag, type TimerResult } from './approvals/timer-lag.js';

const TIMER_REQUESTS = 10_000;
const TARGET_ALL_FIRED_MS = 5_000;

function plans(quick: boolean): LifecyclePlan[] {
  const timing = quick ? { warmupMs: 500, durationMs: 2_000 } : { warmupMs: 2_000, durationMs: 10_000 };
  return [1, 16].map((concurrency) => ({ concurrency, ...timing }));
}

interface KindResult {
  kind: Kind;
  lifecycles: LifecycleResult[];
  timers: TimerResult;
}

function report(results: KindResult[]): void {
  console.log('\nFull lifecycles (submit → 2 votes → read grant → redeem → outcome; 6 HTTP requests each)\n');
  const rows = results.flatMap(({ kind, lifecycles }) =>
    lifecycles.map((result) => [
      kind,
      String(result.concurrency),
      formatRate(result.per_second),
      formatRate(result.per_second * REQUESTS_PER_LIFECYCLE),
      formatMs(result.p50_ms),
      formatMs(result.p99_ms),
      result.server_cpu === null ? '-' : result.server_cpu.toFixed(2),
    ]),
  );
  console.log(formatTable(['db', 'at once', 'lifecycles/s', 'HTTP req/s', 'p50', 'p99', 'server cores'], rows));

  console.log('\nTimer lag (requests due at the same instant; the sweep runs every second)\n');
  console.log(
    formatTable(
      ['db', 'requests', 'created', 'fired', 'first', 'p50', 'p99', 'all fired', 'sweeping'],
      results.map(({ kind, timers }) => [
        kind,
        timers.requests.toLocaleString('en-US'),
        formatRate(timers.created_per_second),
        timers.fired.toLocaleString('en-US'),
        formatMs(timers.first_ms),
        formatMs(timers.p50_ms),
        formatMs(timers.p99_ms),
        formatMs(timers.all_ms),
        formatMs(timers.sweeping_ms),
      ]),
    ),
  );

  console.log('\nTargets\n');
  console.log(
    formatTable(
      ['target', 'measured', ''],
      results.map(({ kind, timers }) => [
        `${kind}: every one of ${timers.requests.toLocaleString('en-US')} due timers fired within ${TARGET_ALL_FIRED_MS / 1000} s`,
        formatMs(timers.all_ms),
        timers.all_ms <= TARGET_ALL_FIRED_MS && timers.left_pending === 0 ? 'PASS' : 'MISS',
      ]),
      ['left', 'right', 'left'],
    ),
  );
}

const suite: Suite = {
  description: 'approval lifecycles per second over HTTP, and timer lag with 10,000 requests due at once',
  async run(options: SuiteOptions) {
    const timerRequests = options.quick ? TIMER_REQUESTS / 5 : TIMER_REQUESTS;
    const results: KindResult[] = [];
    for (const kind of kinds()) {
      const forLifecycles = await createDatabase(kind);
      let lifecycles: LifecycleResult[];
      try {
        lifecycles = await measureLifecycles(forLifecycles, plans(options.quick));
      } finally {
        await forLifecycles.drop();
      }
      const forTimers = await createDatabase(kind);
      let timers: TimerResult;
      try {
        timers = await measureTimerLag(forTimers, timerRequests);
      } finally {
        await forTimers.drop();
      }
      results.push({ kind, lifecycles, timers });
    }
    report(results);
    return results;
  },
};

export default suite;
