// A decision answered is a decision kept: load a real `tollgate serve`, kill it mid-load (SIGKILL,
// then a graceful SIGTERM), restart on the same database and find every answered action intact.

import { execFile } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, DATABASES, type TestDatabase } from './helpers/databases.js';
import { client } from './helpers/http.js';
import { BIN, printedLogin, REPO, startServerProcess, type ServerProcess } from './helpers/server-process.js';
import { guideActionMix } from './helpers/action-mix.js';

const run = promisify(execFile);
const tollgate = (...args: string[]) => run(process.execPath, [BIN, ...args], { cwd: REPO });

const CLIENTS = 16;
/** The signal comes once this much time has passed and this many actions were answered… */
const SIGNAL_AFTER_MS = 1_000;
const SIGNAL_AFTER_ANSWERS = 200;
/** …or at the latest after this long, on a slow machine; the clients stop soon after it. */
const SIGNAL_BY_MS = 4_000;
const MAX_REQUESTS = 20_000;
/** How long a graceful shutdown may take once the signal has arrived. */
const SHUTDOWN_MS = 5_000;

const actionBody = (n: number): Record<string, unknown> => guideActionMix(n, 'crash');

interface Answered {
  id: string;
  decision: string;
  status: string;
  approval?: string;
}

interface LoadResult {
  answered: Answered[];
  /** Requests sent that got no HTTP answer (the connection failed). */
  unanswered: Record<string, unknown>[];
  statuses: Map<number, number>;
  /** Error codes of the requests refused with 503 while the server was closing. */
  refusals: string[];
  errors: Map<string, number>;
}

const bump = <K>(map: Map<K, number>, key: K): void => {
  map.set(key, (map.get(key) ?? 0) + 1);
};

/** One POST over a keep-alive agent; resolves with the status and parsed body. */
function post(agent: http.Agent, url: URL, key: string, body: unknown): Promise<{ status: number; body: any }> {
  const text = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: '/v1/actions',
        method: 'POST',
        agent,
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) },
      },
      (response) => {
        let data = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (data += chunk));
        response.on('end', () => resolve({ status: response.statusCode!, body: data === '' ? undefined : JSON.parse(data) }));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(text);
  });
}

/**
 * CLIENTS loopback clients on their own keep-alive connections submit actions until the server
 * goes away after `interrupt`, which runs mid-load (see SIGNAL_*). The clients hang up when done.
 */
async function load(base: string, key: string, interrupt: () => void): Promise<LoadResult> {
  const url = new URL(base);
  const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });
  const result: LoadResult = { answered: [], unanswered: [], statuses: new Map(), errors: new Map(), refusals: [] };
  const started = Date.now();
  let next = 0;
  let interrupted = false;
  const timer = setInterval(() => {
    const elapsed = Date.now() - started;
    if ((elapsed >= SIGNAL_AFTER_MS && result.answered.length >= SIGNAL_AFTER_ANSWERS) || elapsed >= SIGNAL_BY_MS) {
      clearInterval(timer);
      interrupted = true;
      interrupt();
    }
  }, 10);
  const worker = async (): Promise<void> => {
    while (Date.now() - started < SIGNAL_BY_MS + 1_000 && next < MAX_REQUESTS) {
      const body = actionBody(next++);
      try {
        const reply = await post(agent, url, key, body);
        bump(result.statuses, reply.status);
        if (reply.status === 503)
          result.refusals.push((reply.body as { error?: { code?: string } })?.error?.code ?? JSON.stringify(reply.body));
        if (reply.status === 201) {
          const { id, decision, status, approval } = reply.body as Answered & { approval?: { id: string } };
          result.answered.push({ id, decision, status, ...(approval === undefined ? {} : { approval: approval.id }) });
        }
      } catch (error) {
        bump(result.errors, (error as NodeJS.ErrnoException).code ?? String(error));
        result.unanswered.push(body);
        // The server is going away and refuses new connections: stop rather than spin.
        if (interrupted) return;
      }
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, worker));
  clearInterval(timer);
  agent.destroy();
  return result;
}

/** Runs `work` on every item, `width` at a time. */
async function inParallel<T>(items: T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

async function waitForOutput(server: ServerProcess, pattern: RegExp): Promise<void> {
  for (let waited = 0; !pattern.test(server.output()); waited += 20) {
    if (waited > 5_000) throw new Error(`expected ${pattern} in the server output:\n${server.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The exit code, or 'running' if the process has not exited within `ms`. */
async function exitWithin(server: ServerProcess, ms: number): Promise<number | string | null> {
  const { child } = server;
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode ?? child.signalCode;
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    once(child, 'exit').then(([code, signal]) => (code as number | null) ?? (signal as string)),
    new Promise<string>((resolve) => (timer = setTimeout(() => resolve('running'), ms))),
  ]);
  clearTimeout(timer);
  return outcome;
}

describe.each(DATABASES)('crash durability on %s', (kind) => {
  let database: TestDatabase;
  let server: ServerProcess | undefined;
  let key: string;
  let login: { name: string; password: string };

  const start = async (): Promise<ServerProcess> => {
    server = await startServerProcess({ db: database.url, policy: 'examples/guide' });
    return server;
  };
  /** The server a test starts from: the one running, or a new one if an earlier test ended it. */
  const running = (): Promise<ServerProcess> =>
    server !== undefined && server.child.exitCode === null && server.child.signalCode === null ? Promise.resolve(server) : start();

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    const first = await start();
    await waitForOutput(first, /password: \S+/);
    login = printedLogin(first.output());
    key = (await tollgate('keys', 'create', '--db', database.url, '--agent', 'crash-bot')).stdout.trim();
  });

  afterAll(async () => {
    await server?.stop('SIGKILL');
    await database?.drop();
  }, 30_000);

  /** After a restart: every answered action is stored as answered, and the audit chain holds. */
  async function expectDurable(url: string, answered: Answered[]): Promise<void> {
    const agent = client(url, key);
    const missing: string[] = [];
    const wrong: string[] = [];
    await inParallel(answered, CLIENTS, async (expected) => {
      const reply = await agent('GET', `/v1/actions/${expected.id}`);
      if (reply.status !== 200) {
        missing.push(`${expected.id}: ${reply.status}`);
        return;
      }
      const { decision, status, approval } = reply.body as { decision: string; status: string; approval?: { id: string; status: string } };
      if (decision !== expected.decision || status !== expected.status) wrong.push(`${expected.id}: ${decision}/${status}`);
      if (expected.decision === 'REQUIRE_APPROVAL' && (approval?.id !== expected.approval || approval?.status !== 'pending'))
        wrong.push(`${expected.id}: approval ${JSON.stringify(approval)}`);
    });
    expect(missing, `answered actions missing after the restart, of ${answered.length}`).toEqual([]);
    expect(wrong).toEqual([]);

    const session = await client(url)('POST', '/v1/auth/login', login);
    expect(session.status).toBe(200);
    const admin = client(url, session.body.token);
    // The last pending approvals answered, as people see them, each with its audit event.
    for (const expected of answered.filter((a) => a.approval !== undefined).slice(-10)) {
      const approval = await admin('GET', `/v1/approvals/${expected.approval}`);
      expect(approval.status).toBe(200);
      expect(approval.body).toMatchObject({ status: 'pending', action_id: expected.id });
      const trail = await admin('GET', `/v1/audit?subject=${expected.id}`);
      expect(trail.body.events.map((e: { type: string }) => e.type)).toContain('action.decided');
    }
    const verified = await admin('GET', '/v1/audit/verify');
    expect(verified.status).toBe(200);
    expect(verified.body).toMatchObject({ ok: true });
    const decisions = answered.length + answered.filter((a) => a.approval !== undefined).length;
    expect(verified.body.events).toBeGreaterThanOrEqual(decisions);

    const cli = await tollgate('audit', 'verify', '--db', database.url);
    expect(cli.stdout).toMatch(/^ok: \d+ events/);
  }

  /** An agent retrying an unanswered request with its idempotency key gets one stored decision. */
  async function expectRetriesSettle(url: string, unanswered: Record<string, unknown>[]): Promise<void> {
    const agent = client(url, key);
    for (const body of unanswered.filter((b) => b.idempotency_key !== undefined)) {
      const first = await agent('POST', '/v1/actions', body);
      expect(first.status, JSON.stringify(first.body)).toBe(201);
      const again = await agent('POST', '/v1/actions', body);
      expect(again.body.id).toBe(first.body.id);
    }
  }

  it('keeps every answered decision when the process is killed mid-load (SIGKILL)', { timeout: 30_000 }, async () => {
    const victim = await running();
    const result = await load(victim.url, key, () => victim.child.kill('SIGKILL'));
    expect(await exitWithin(victim, SHUTDOWN_MS)).toBe('SIGKILL');
    // Before the kill every request was answered, and answered well.
    expect([...result.statuses.keys()]).toEqual([201]);
    expect(result.answered.length).toBeGreaterThanOrEqual(12);
    expect(result.answered.some((a) => a.decision === 'ALLOW')).toBe(true);
    expect(result.answered.some((a) => a.decision === 'REQUIRE_APPROVAL')).toBe(true);

    const restarted = await start();
    await expectDurable(restarted.url, result.answered);
    await expectRetriesSettle(restarted.url, result.unanswered);
  });

  it('answers or refuses cleanly on SIGTERM mid-load, exits 0 and loses nothing', { timeout: 30_000 }, async () => {
    const target = await running();
    const result = await load(target.url, key, () => target.child.kill('SIGTERM'));
    expect(await exitWithin(target, SHUTDOWN_MS), target.output()).toBe(0);
    // While closing, the server answers 503 to requests it will not take; nothing fails otherwise.
    expect([...result.statuses.keys()].filter((status) => status !== 201 && status !== 503)).toEqual([]);
    // Refusals come in the API's error format, so a client or balancer knows to retry.
    expect(result.refusals.filter((code) => code !== 'server.unavailable')).toEqual([]);
    expect(result.answered.length).toBeGreaterThanOrEqual(12);
    // Requests still unread on a keep-alive connection when it is closed see a reset; an agent
    // retries them with their idempotency key (below), so only connection failures may occur.
    const failures = [...result.errors.keys()].filter((code) => !['ECONNREFUSED', 'ECONNRESET'].includes(code));
    expect(failures, JSON.stringify(Object.fromEntries(result.errors))).toEqual([]);

    const restarted = await start();
    await expectDurable(restarted.url, result.answered);
    await expectRetriesSettle(restarted.url, result.unanswered);
  });

  // A request in flight when SIGTERM arrives is answered with `connection: close`, so a client
  // that keeps its connection alive does not hold the process open.
  it('exits promptly on SIGTERM while a client keeps the connection of an in-flight request', { timeout: 30_000 }, async () => {
    const target = await running();
    const url = new URL(target.url);
    const agent = new http.Agent({ keepAlive: true });
    try {
      const text = JSON.stringify(actionBody(1));
      const answer = new Promise<{ status: number; connection: string | undefined }>((resolve, reject) => {
        const request = http.request(
          {
            host: url.hostname,
            port: url.port,
            path: '/v1/actions',
            method: 'POST',
            agent,
            headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'content-length': text.length },
          },
          (response) => {
            response.resume();
            response.on('end', () => resolve({ status: response.statusCode!, connection: response.headers.connection }));
          },
        );
        request.on('error', reject);
        // The server has the headers and part of the body: the request is in flight at the signal.
        request.write(text.slice(0, 10));
        setTimeout(() => target.child.kill('SIGTERM'), 200);
        setTimeout(() => request.end(text.slice(10)), 400);
      });
      expect((await answer).status).toBe(201);
      expect(await exitWithin(target, 3_000)).toBe(0);
    } finally {
      agent.destroy();
      await exitWithin(target, SHUTDOWN_MS);
    }
  });
});
