// PostgreSQL restarted under load, on a private cluster: two `tollgate serve` nodes keep running,
// answer clean 5xx errors (no hangs, no crash) while the database is down, report not ready, and
// recover by themselves once it is back: decisions again, live events across nodes again (LISTEN
// reconnects), every answered decision stored and the audit chain intact.

import { execFile } from 'node:child_process';
import http from 'node:http';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client } from './helpers/http.js';
import { startPrivatePostgres, type PrivatePostgres } from './helpers/private-postgres.js';
import { BIN, printedLogin, REPO, startServerProcess, type ServerProcess } from './helpers/server-process.js';
import { guideActionMix } from './helpers/action-mix.js';

const run = promisify(execFile);

const CLIENTS_PER_NODE = 6;
const BEFORE_MS = 1_500;
const DOWN_MS = 3_000;
/** Load goes on this long after the service has recovered. */
const AFTER_MS = 1_500;
/** No request may take longer than this, database down or not. */
const ANSWER_WITHIN_MS = 10_000;
/** Once PostgreSQL accepts connections again, the nodes decide again within this. */
const RECOVER_WITHIN_MS = 10_000;

const actionBody = (n: number): Record<string, unknown> => guideActionMix(n, 'restart');

interface Answer {
  node: number;
  started: number;
  ended: number;
  status: number;
  body: any;
}

function post(agent: http.Agent, base: string, key: string, body: unknown): Promise<{ status: number; body: any }> {
  const url = new URL(base);
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
        response.on('end', () => {
          let parsed: unknown = data;
          try {
            parsed = JSON.parse(data);
          } catch {
            // not JSON: kept as text, and the shape check below reports it
          }
          resolve({ status: response.statusCode!, body: parsed });
        });
        response.on('error', reject);
      },
    );
    // A request the server sits on is a hang, which the test reports instead of waiting forever.
    request.setTimeout(ANSWER_WITHIN_MS * 2, () => request.destroy(new Error('no answer')));
    request.on('error', reject);
    request.end(text);
  });
}

/** An SSE stream read in the background; `has` tells whether some text has arrived on it. */
async function openStream(base: string, token: string): Promise<{ has(text: string): boolean; close(): void }> {
  const controller = new AbortController();
  const response = await fetch(`${base}/v1/events`, { headers: { authorization: `Bearer ${token}` }, signal: controller.signal });
  expect(response.status).toBe(200);
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  void (async () => {
    for (;;) {
      const chunk = await reader.read().catch(() => ({ done: true, value: undefined }));
      if (chunk.done === true) return;
      text += decoder.decode(chunk.value);
    }
  })();
  return { has: (wanted) => text.includes(wanted), close: () => controller.abort() };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const alive = (server: ServerProcess) => server.child.exitCode === null && server.child.signalCode === null;
const isErrorBody = (body: any) => typeof body?.error?.code === 'string' && typeof body?.error?.message === 'string';

describe('PostgreSQL restarted under load', () => {
  let cluster: PrivatePostgres;
  const nodes: ServerProcess[] = [];
  let key: string;
  let token: string;

  beforeAll(async () => {
    cluster = await startPrivatePostgres();
    // The first node creates the schema and the first admin; the second joins the same database.
    nodes.push(await startServerProcess({ db: cluster.url, policy: 'examples/guide' }));
    for (let waited = 0; !/password: \S+/.test(nodes[0]!.output()) && waited < 5_000; waited += 20) await sleep(20);
    nodes.push(await startServerProcess({ db: cluster.url, policy: 'examples/guide' }));
    key = (
      await run(process.execPath, [BIN, 'keys', 'create', '--db', cluster.url, '--agent', 'restart-bot'], { cwd: REPO })
    ).stdout.trim();
    token = (await client(nodes[0]!.url)('POST', '/v1/auth/login', printedLogin(nodes[0]!.output()))).body.token;
  }, 60_000);

  afterAll(async () => {
    for (const node of nodes) await node.stop('SIGKILL');
    await cluster?.destroy();
  }, 30_000);

  it('answers errors while it is down, then recovers by itself and has lost nothing', { timeout: 60_000 }, async () => {
    const [a, b] = [nodes[0]!, nodes[1]!];
    // Watchers on both nodes, opened before the restart and kept open through it.
    const streams = [await openStream(a.url, token), await openStream(b.url, token)];

    const answers: Answer[] = [];
    const failures: string[] = [];
    const readiness: { at: number; status: number; body: any }[] = [];
    let loading = true;
    let next = 0;
    const worker = async (node: number): Promise<void> => {
      const agent = new http.Agent({ keepAlive: true });
      while (loading) {
        const started = Date.now();
        let decided = false;
        try {
          const reply = await post(agent, nodes[node]!.url, key, actionBody(next++));
          answers.push({ node, started, ended: Date.now(), ...reply });
          decided = reply.status === 201;
        } catch (error) {
          failures.push(`node ${node}: ${(error as Error).message}`);
        }
        // Errors come back fast while the database is down; a short pause keeps the count sane.
        if (!decided) await sleep(20);
      }
      agent.destroy();
    };
    const probe = async (): Promise<void> => {
      const ready = client(a.url);
      while (loading) {
        try {
          const reply = await ready('GET', '/readyz');
          readiness.push({ at: Date.now(), status: reply.status, body: reply.body });
        } catch (error) {
          failures.push(`readyz: ${(error as Error).message}`);
        }
        await sleep(100);
      }
    };
    const load = Promise.all([
      ...Array.from({ length: CLIENTS_PER_NODE }, () => worker(0)),
      ...Array.from({ length: CLIENTS_PER_NODE }, () => worker(1)),
      probe(),
    ]);

    let stopping = 0;
    let stopped = 0;
    let restarting = 0;
    let restarted = 0;
    let recovered = 0;
    try {
      await sleep(BEFORE_MS);
      stopping = Date.now();
      await cluster.stop();
      stopped = Date.now();
      await sleep(DOWN_MS);
      restarting = Date.now();
      await cluster.start();
      restarted = Date.now();
      // Recovered when both nodes have decided a request sent after the database came back.
      while (Date.now() - restarted < RECOVER_WITHIN_MS) {
        const decided = [0, 1].every((node) => answers.some((x) => x.node === node && x.started > restarted && x.status === 201));
        if (decided) {
          recovered = Date.now();
          break;
        }
        await sleep(50);
      }
      await sleep(AFTER_MS);
    } finally {
      loading = false;
      await load;
    }

    // Neither node crashed: both are the processes started before the restart.
    expect(nodes.map(alive), nodes.map((node) => node.output().slice(-3000)).join('\n----\n')).toEqual([true, true]);
    expect(failures, 'requests without an HTTP answer').toEqual([]);

    // Before the stop, every request was decided.
    const before = answers.filter((x) => x.ended < stopping);
    expect(before.length).toBeGreaterThan(20);
    expect(new Set(before.map((x) => x.status))).toEqual(new Set([201]));

    // While it was down: errors, in the standard shape, 503 (the database is unavailable).
    const down = answers.filter((x) => x.started > stopped && x.ended < restarting);
    expect(down.length).toBeGreaterThan(10);
    expect(down.filter((x) => x.status !== 503 || !isErrorBody(x.body)).map((x) => `${x.status} ${JSON.stringify(x.body)}`)).toEqual([]);
    expect(down[0]!.body.error.code).toBe('server.unavailable');

    // Throughout: decided or refused with an error body; never a 4xx, never a hang.
    const odd = answers.filter((x) => x.status !== 201 && !(x.status >= 500 && isErrorBody(x.body)));
    expect(odd.map((x) => `${x.status} ${JSON.stringify(x.body)}`)).toEqual([]);
    expect(Math.max(...answers.map((x) => x.ended - x.started))).toBeLessThan(ANSWER_WITHIN_MS);

    // Not ready while down, ready again after.
    const probedDown = readiness.filter((r) => r.at > stopped + 200 && r.at < restarting);
    expect(probedDown.length).toBeGreaterThan(5);
    expect(probedDown.every((r) => r.status === 503 && r.body?.error?.code === 'server.unavailable')).toBe(true);
    expect(readiness.at(-1)).toMatchObject({ status: 200, body: { ok: true } });

    // Recovered with no restart, and kept deciding.
    expect(recovered, `no decision within ${RECOVER_WITHIN_MS} ms of the restart`).toBeGreaterThan(0);
    const after = answers.filter((x) => x.started > recovered);
    expect(after.length).toBeGreaterThan(5);
    expect(after.filter((x) => x.status !== 201)).toEqual([]);

    // LISTEN reconnected on both nodes: a request made on one reaches a watcher on the other.
    const agents = [client(a.url, key), client(b.url, key)];
    for (const [from, to] of [
      [0, 1],
      [1, 0],
    ] as const) {
      let heard = false;
      // An event sent in the moment before the listener is back is missed by design; send again.
      for (let attempt = 0; attempt < 10 && !heard; attempt++) {
        const submitted = await agents[from]!('POST', '/v1/actions', {
          action_type: 'deploy',
          environment: 'production',
          summary: 'after',
        });
        expect(submitted.status).toBe(201);
        for (let waited = 0; waited < 1_000 && !heard; waited += 50) {
          heard = streams[to]!.has(submitted.body.approval.id);
          await sleep(50);
        }
      }
      expect(heard, `node ${to} hears requests made on node ${from} after the restart`).toBe(true);
    }
    for (const stream of streams) stream.close();

    // Every decision answered 2xx is in the database, as answered.
    const decided = answers.filter((x) => x.status === 201).map((x) => x.body as { id: string; decision: string });
    const db = new pg.Client({ connectionString: cluster.url });
    await db.connect();
    try {
      const { rows } = await db.query<{ id: string; decision: string }>('select id, decision from actions where id = any($1)', [
        decided.map((x) => x.id),
      ]);
      const stored = new Map(rows.map((row) => [row.id, row.decision]));
      expect(decided.filter((x) => stored.get(x.id) !== x.decision).map((x) => x.id)).toEqual([]);
    } finally {
      await db.end();
    }

    // The audit chain holds, by the API and by the CLI.
    const verified = await client(a.url, token)('GET', '/v1/audit/verify');
    expect(verified.body).toMatchObject({ ok: true });
    expect(verified.body.events).toBeGreaterThanOrEqual(decided.length);
    expect((await run(process.execPath, [BIN, 'audit', 'verify', '--db', cluster.url], { cwd: REPO })).stdout).toMatch(/^ok: \d+ events/);
  });
});
