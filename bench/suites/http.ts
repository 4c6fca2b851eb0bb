// HTTP suite: decisions per second and latency of POST /v1/actions on `tollgate serve` under
// autocannon, against a bare Fastify route answering a canned decision: on SQLite, and with
// `--db postgres` on PostgreSQL with one node and with two nodes sharing one database.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Suite, SuiteOptions } from '../lib/suite.js';
import { formatMs, formatRate, formatRatio, formatTable } from '../lib/table.js';
import { checkMix, measureLoad, type LoadOptions, type LoadResult } from './http/load.js';
import { printProfile, summariseProfile, type ProfileSummary } from './http/profile.js';
import { createAgentKey, createDatabase, startBare, startTollgate, type ChildServer } from './http/servers.js';

const CONNECTIONS = 50;
const TARGET_RATIO = 0.4;
const TARGET_P99_MS = 10;
/** PostgreSQL, one node: a share of the bare route's rate (a network database costs round trips). */
const TARGET_POSTGRES_RATIO = 0.25;

type Kind = 'sqlite' | 'postgres';

interface TargetResult extends LoadResult {
  target: string;
  kind?: Kind;
  /** `tollgate serve` processes sharing the load (and the database). */
  nodes?: number;
  /** CPU used, in cores: the server processes, autocannon (this process), everything else. */
  server_cpu: number | null;
  load_cpu: number;
  other_cpu: number | null;
}

/** Seconds of CPU a process has used so far (Linux /proc), or null elsewhere. */
function cpuSeconds(pid: number): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

/** Seconds of CPU the whole machine has been busy so far (Linux /proc), or null elsewhere. */
function machineCpuSeconds(): number | null {
  try {
    const ticks = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
    return (ticks.reduce((sum, t) => sum + t, 0) - idle) / 100;
  } catch {
    return null;
  }
}

/** Seconds of CPU the processes have used so far, or null if any is unknown. */
function cpuSecondsOf(servers: ChildServer[]): number | null {
  const each = servers.map((server) => cpuSeconds(server.pid));
  return each.some((seconds) => seconds === null) ? null : each.reduce<number>((sum, seconds) => sum + seconds!, 0);
}

async function measure(target: string, servers: ChildServer[], key: string | undefined, options: LoadOptions): Promise<TargetResult> {
  const spread = servers.length > 1 ? `, ${options.connections / servers.length} connections to each node` : '';
  process.stderr.write(`  ${target}: ${options.warmupS} s warm-up, ${options.durationS} s timed${spread}\n`);
  // CPU is sampled around warm-up and run together; the warm-up is short and loads the same way.
  const serverBefore = cpuSecondsOf(servers);
  const machineBefore = machineCpuSeconds();
  const loadBefore = process.cpuUsage();
  const wallBefore = performance.now();
  const result = await measureLoad(
    servers.map((server) => server.url),
    key,
    options,
  );
  const wall = (performance.now() - wallBefore) / 1000;
  const serverAfter = cpuSecondsOf(servers);
  const machineAfter = machineCpuSeconds();
  const load = process.cpuUsage(loadBefore);
  const serverCpu = serverBefore === null || serverAfter === null ? null : (serverAfter - serverBefore) / wall;
  const loadCpu = (load.user + load.system) / 1e6 / wall;
  const machineCpu = machineBefore === null || machineAfter === null ? null : (machineAfter - machineBefore) / wall;
  return {
    target,
    ...result,
    server_cpu: serverCpu,
    load_cpu: loadCpu,
    other_cpu: machineCpu === null || serverCpu === null ? null : Math.max(0, machineCpu - serverCpu - loadCpu),
  };
}

/** The databases to measure on: TOLLGATE_BENCH_DB (which `--db` sets), SQLite by default. */
function kinds(): Kind[] {
  const wanted = (process.env.TOLLGATE_BENCH_DB ?? 'sqlite').split(',').map((k) => k.trim());
  const unknown = wanted.filter((k) => k !== 'sqlite' && k !== 'postgres');
  if (unknown.length > 0)
    throw new Error(`--db (TOLLGATE_BENCH_DB) must be sqlite, postgres or both comma-separated, not ${unknown.join(', ')}`);
  return wanted as Kind[];
}

async function profileTollgate(db: string, key: string, options: LoadOptions): Promise<ProfileSummary> {
  const folder = mkdtempSync(join(tmpdir(), 'tollgate-bench-profile-'));
  const server = await startTollgate(db, ['--cpu-prof', '--cpu-prof-dir', folder]);
  try {
    process.stderr.write(`  profiling tollgate serve (${options.durationS} s, profile in ${folder})\n`);
    await measureLoad(server.url, key, options);
  } finally {
    await server.stop();
  }
  const file = readdirSync(folder).find((name) => name.endsWith('.cpuprofile'));
  if (file === undefined) throw new Error(`no .cpuprofile written in ${folder}`);
  return summariseProfile(join(folder, file));
}

/** Starts `nodes` servers on one database, one after another (the first migrates it). */
async function startNodes(db: string, nodes: number): Promise<ChildServer[]> {
  const servers: ChildServer[] = [];
  try {
    for (let i = 0; i < nodes; i++) servers.push(await startTollgate(db));
  } catch (error) {
    await Promise.all(servers.map((server) => server.stop()));
    throw error;
  }
  return servers;
}

async function runTollgate(
  kind: Kind,
  nodes: number,
  options: LoadOptions,
  profile: boolean,
): Promise<{ result: TargetResult; profile?: ProfileSummary }> {
  const database = await createDatabase(kind);
  try {
    const servers = await startNodes(database.url, nodes);
    let result: TargetResult;
    let key: string;
    try {
      key = await createAgentKey(database.url, 'bench-bot');
      for (const server of servers) {
        const wrong = await checkMix(server.url, key);
        if (wrong.length > 0) console.log(`! the policy decides the mix differently than expected:\n  ${wrong.join('\n  ')}`);
      }
      const target = kind === 'sqlite' ? 'tollgate (sqlite)' : `tollgate (postgres, ${nodes} node${nodes === 1 ? '' : 's'})`;
      result = { ...(await measure(target, servers, key, options)), kind, nodes };
    } finally {
      await Promise.all(servers.map((server) => server.stop()));
    }
    if (!profile || nodes > 1) return { result };
    return { result, profile: await profileTollgate(database.url, key, options) };
  } finally {
    await database.drop();
  }
}

const cores = (value: number | null): string => (value === null ? '-' : value.toFixed(2));
/** Server CPU per answer: steadier than the rate when the machine's speed moves between runs. */
const cpuPerAnswer = (r: TargetResult): string =>
  r.server_cpu === null || r.per_s === 0 ? '-' : `${((r.server_cpu / r.per_s) * 1e6).toFixed(0)} µs`;

function printResults(results: TargetResult[]): void {
  const bare = results[0]!;
  const rows = results.map((r) => [
    r.target,
    formatRate(r.per_s),
    formatMs(r.p50_ms),
    formatMs(r.p99_ms),
    formatMs(r.max_ms),
    `${r.errors + r.timeouts} / ${r.non_2xx}`,
    r === bare ? '' : formatRatio(r.per_s / bare.per_s),
    cores(r.server_cpu),
    cpuPerAnswer(r),
    cores(r.load_cpu),
    cores(r.other_cpu),
  ]);
  console.log(
    formatTable(
      ['target', 'decisions/s', 'p50', 'p99', 'max', 'errors / non-2xx', '÷ bare', 'server', 'server CPU each', 'autocannon', 'other'],
      rows,
    ),
  );
  console.log(
    `CPU in cores of ${cpus().length}; "server" sums the nodes; "server CPU each" is the server's CPU time per answer; "other" is the rest of the machine (PostgreSQL, and anything else running)`,
  );
}

interface TargetCheck {
  target: string;
  measured: string;
  pass: boolean | null;
}

function checkTargets(results: TargetResult[]): TargetCheck[] {
  const bare = results[0]!;
  const share = (r: TargetResult): string => `${((r.per_s / bare.per_s) * 100).toFixed(0)}%`;
  const latency = (r: TargetResult): string => {
    const failed = r.errors + r.timeouts + r.non_2xx;
    return `${formatMs(r.p99_ms)}${failed === 0 ? '' : `, ${failed} failed`}`;
  };
  const clean = (r: TargetResult): boolean => r.errors + r.timeouts + r.non_2xx === 0;
  const oneNode = results.find((r) => r.kind === 'postgres' && r.nodes === 1);
  return results.slice(1).flatMap((r): TargetCheck[] => {
    if (r.kind === 'postgres' && r.nodes === 1) {
      return [
        {
          target: `${r.target}: ≥ ${TARGET_POSTGRES_RATIO * 100}% of the bare route's decisions/s`,
          measured: share(r),
          pass: r.per_s / bare.per_s >= TARGET_POSTGRES_RATIO,
        },
        { target: `${r.target}: p99, errors`, measured: latency(r), pass: null },
      ];
    }
    if (r.kind === 'postgres') {
      return [
        {
          target: `${r.target}: more decisions/s than one node`,
          measured: oneNode === undefined ? share(r) : `${formatRatio(r.per_s / oneNode.per_s)} one node's`,
          pass: oneNode === undefined ? null : r.per_s > oneNode.per_s,
        },
        { target: `${r.target}: p99, errors`, measured: latency(r), pass: null },
      ];
    }
    return [
      {
        target: `${r.target}: ≥ ${TARGET_RATIO * 100}% of the bare route's decisions/s`,
        measured: share(r),
        pass: r.per_s / bare.per_s >= TARGET_RATIO,
      },
      { target: `${r.target}: p99 < ${TARGET_P99_MS} ms, no errors`, measured: latency(r), pass: r.p99_ms < TARGET_P99_MS && clean(r) },
    ];
  });
}

async function run(options: SuiteOptions): Promise<unknown> {
  const load: LoadOptions = options.quick
    ? { connections: CONNECTIONS, durationS: 3, warmupS: 1 }
    : { connections: CONNECTIONS, durationS: 10, warmupS: 2 };
  const databases = kinds();
  const profile = process.env.TOLLGATE_BENCH_PROFILE === '1';
  console.log(
    `POST /v1/actions, ${load.connections} connections, ${load.warmupS} s warm-up + ${load.durationS} s timed per target; ` +
      'servers in child processes, autocannon in this one (with two nodes, half the connections to each); ' +
      'mix: 80% ALLOW, 20% REQUIRE_APPROVAL, half with an idempotency key',
  );
  console.log(
    `load average before the run: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} (figures from a busy machine are low and noisy)`,
  );

  const results: TargetResult[] = [];
  const bare = await startBare();
  try {
    results.push(await measure('bare fastify route', [bare], undefined, load));
  } finally {
    await bare.stop();
  }
  const profiles: Record<string, ProfileSummary> = {};
  for (const kind of databases) {
    // PostgreSQL is what scales out: one node, then two sharing the database (each on a fresh schema).
    for (const nodes of kind === 'postgres' ? [1, 2] : [1]) {
      const measured = await runTollgate(kind, nodes, load, profile);
      results.push(measured.result);
      if (measured.profile !== undefined) profiles[kind] = measured.profile;
    }
  }

  console.log('');
  printResults(results);
  const targets = checkTargets(results);
  console.log('\ntargets');
  console.log(
    formatTable(
      ['', 'target', 'measured'],
      targets.map((t) => [t.pass === null ? 'INFO' : t.pass ? 'PASS' : 'MISS', t.target, t.measured]),
      ['left', 'left', 'right'],
    ),
  );
  for (const [kind, summary] of Object.entries(profiles)) {
    console.log(`\n== where tollgate serve (${kind}) spends its time ==`);
    printProfile(summary);
  }
  if (!profile && targets.some((t) => t.pass === false)) {
    console.log('\nset TOLLGATE_BENCH_PROFILE=1 to profile the server (node --cpu-prof) and see where the time goes');
  }
  return { connections: load.connections, duration_s: load.durationS, warmup_s: load.warmupS, results, targets, profiles };
}

const suite: Suite = {
  description: 'POST /v1/actions under autocannon vs a bare Fastify route: tollgate serve on SQLite, or --db postgres (1 and 2 nodes)',
  run,
};
export default suite;
