// Full approval lifecycles per second over HTTP against a server in a child process: submit a
// REQUIRE_APPROVAL action, two votes by two people (require: 2), read the grant, redeem it, report
// the outcome — several lifecycles at once.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { percentile } from '../../lib/stats.js';
import { jsonClient, type JsonClient } from './json-client.js';
import type { BenchDatabase } from './setup.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const CHILD = fileURLToPath(new URL('./child-server.ts', import.meta.url));
/** HTTP requests in one lifecycle. */
export const REQUESTS_PER_LIFECYCLE = 6;

export interface LifecyclePlan {
  concurrency: number;
  warmupMs: number;
  durationMs: number;
}

export interface LifecycleResult {
  concurrency: number;
  lifecycles: number;
  seconds: number;
  per_second: number;
  p50_ms: number;
  p99_ms: number;
  /** Cores of CPU the server process used while timed (null off Linux). */
  server_cpu: number | null;
}

interface Credentials {
  url: string;
  agent: string;
  people: [string, string];
}

interface Child {
  credentials: Credentials;
  pid: number;
  stop(): Promise<void>;
}

async function startChild(database: BenchDatabase): Promise<Child> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, database.url, database.policy], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(child, 'exit');
  const credentials = await new Promise<Credentials>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start in 30 s:\n${output}`)), 30_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const line = output.split('\n').find((text) => text.startsWith('{'));
      if (line === undefined) return;
      clearTimeout(timer);
      resolve(JSON.parse(line) as Credentials);
    });
    void exited.then(([code]) => {
      clearTimeout(timer);
      reject(new Error(`the server exited with ${String(code)}:\n${output}`));
    });
  });
  return {
    credentials,
    pid: child.pid!,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

function expectStatus(step: string, reply: { status: number; body: any }, status: number): void {
  if (reply.status !== status) throw new Error(`${step}: expected ${status}, got ${reply.status} ${JSON.stringify(reply.body)}`);
}

/** One whole lifecycle; throws at the first answer that is not the expected one. */
async function lifecycle(http: JsonClient, who: Credentials, n: number): Promise<void> {
  const action = { action_type: 'deploy', environment: 'production', summary: `deploy build ${n}`, build: n };
  const submitted = await http('POST', '/v1/actions', who.agent, action);
  expectStatus('submit', submitted, 201);
  if (submitted.body.decision !== 'REQUIRE_APPROVAL') throw new Error(`submit: decided ${submitted.body.decision}`);
  const { id } = submitted.body as { id: string };
  const approvalId = submitted.body.approval.id as string;
  for (const person of who.people)
    expectStatus('vote', await http('POST', `/v1/approvals/${approvalId}/votes`, person, { verdict: 'approve' }), 201);
  const approved = await http('GET', `/v1/actions/${id}`, who.agent);
  expectStatus('read', approved, 200);
  if (approved.body.status !== 'approved' || approved.body.grant === undefined) throw new Error(`read: ${approved.body.status}, no grant`);
  const { token, digest } = approved.body.grant as { token: string; digest: string };
  expectStatus('redeem', await http('POST', '/v1/grants/redeem', who.agent, { grant: token, digest }), 200);
  const outcome = await http('POST', `/v1/actions/${id}/outcome`, who.agent, { status: 'succeeded', detail: 'rolled out' });
  expectStatus('outcome', outcome, 200);
  if (outcome.body.status !== 'executed') throw new Error(`outcome: ${outcome.body.status}`);
}

function cpuSeconds(pid: number): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

async function drive(http: JsonClient, who: Credentials, plan: LifecyclePlan, pid: number): Promise<LifecycleResult> {
  const started = performance.now();
  const measureFrom = started + plan.warmupMs;
  const measureTo = measureFrom + plan.durationMs;
  const latencies: number[] = [];
  let counter = 0;
  let cpuBefore: number | null = null;
  const cpuTimer = setTimeout(() => (cpuBefore = cpuSeconds(pid)), plan.warmupMs);
  const loop = async (): Promise<void> => {
    while (performance.now() < measureTo) {
      const begin = performance.now();
      await lifecycle(http, who, counter++);
      const end = performance.now();
      // Counted by when they finish, so lifecycles straddling the window's edges are neither lost nor doubled.
      if (end >= measureFrom && end <= measureTo) latencies.push(end - begin);
    }
  };
  await Promise.all(Array.from({ length: plan.concurrency }, loop));
  clearTimeout(cpuTimer);
  const cpuAfter = cpuSeconds(pid);
  const seconds = plan.durationMs / 1000;
  const sorted = Float64Array.from(latencies).sort();
  return {
    concurrency: plan.concurrency,
    lifecycles: latencies.length,
    seconds,
    per_second: latencies.length / seconds,
    p50_ms: percentile(sorted, 50),
    p99_ms: percentile(sorted, 99),
    server_cpu: cpuBefore === null || cpuAfter === null ? null : (cpuAfter - cpuBefore) / seconds,
  };
}

/** Starts the server on `database`, runs each plan one after another, stops it. */
export async function measureLifecycles(database: BenchDatabase, plans: LifecyclePlan[]): Promise<LifecycleResult[]> {
  const child = await startChild(database);
  const http = jsonClient(child.credentials.url, Math.max(...plans.map((plan) => plan.concurrency)));
  try {
    const results: LifecycleResult[] = [];
    for (const plan of plans) {
      process.stderr.write(
        `  ${database.kind}: ${plan.concurrency} at once, ${plan.warmupMs / 1000} s warm-up, ${plan.durationMs / 1000} s timed\n`,
      );
      results.push(await drive(http, child.credentials, plan, child.pid));
    }
    return results;
  } finally {
    http.close();
    await child.stop();
  }
}
