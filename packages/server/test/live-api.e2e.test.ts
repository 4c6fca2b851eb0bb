// The control plane's live parts over real HTTP: SSE events, policy hot reload, approval
// deadlines on an injected clock, rate limits, the OpenAPI document, health, export and tamper
// detection of the audit trail.

import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveConfig } from '../src/config/config.js';
import { startServer, type RunningServer } from '../src/server/start.js';
import { ManualClock } from '../src/util/clock.js';
import { client } from './helpers/http.js';

const POLICY = `
defaults: { decision: ALLOW, timeout: 30m, on_timeout: deny }
rules:
  - name: production-approval
    match: { environment: production, action_type: [deploy, scale, delete] }
    decision: REQUIRE_APPROVAL
`;

async function start(folder: string, policyDir: string, clock: ManualClock, rateLimit = 0): Promise<RunningServer> {
  const config = serveConfig({ db: join(folder, 'tollgate.db'), policy: policyDir, port: 0, rateLimit }, {});
  return startServer(config, { clock, logger: false, watchPolicy: false, timerIntervalMs: 0 });
}

describe('the live API', () => {
  const clock = new ManualClock(Date.UTC(2026, 10, 25, 12));
  let folder: string;
  let policyDir: string;
  let server: RunningServer;
  let admin: ReturnType<typeof client>;
  let adminToken: string;
  let agent: ReturnType<typeof client>;

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'tollgate-live-'));
    policyDir = join(folder, 'policy');
    mkdirSync(policyDir);
    writeFileSync(join(policyDir, 'policy.yaml'), POLICY);
    server = await start(folder, policyDir, clock);
    await server.services.auth.addUser({ name: 'admin', password: 'admin-password', role: 'admin', groups: ['approvers'] });
    const login = await client(server.url)('POST', '/v1/auth/login', { name: 'admin', password: 'admin-password' });
    adminToken = login.body.token;
    admin = client(server.url, adminToken);
    agent = client(server.url, (await server.services.auth.createKey('deploy-bot')).secret);
  });

  afterAll(async () => {
    await server?.close();
  });

  it('streams new and decided requests over SSE', async () => {
    const controller = new AbortController();
    const response = await fetch(`${server.url}/v1/events`, {
      headers: { authorization: `Bearer ${adminToken}` },
      signal: controller.signal,
    });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const until = async (pattern: RegExp): Promise<void> => {
      while (!pattern.test(text)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before ${pattern}`);
        text += decoder.decode(value);
      }
    };
    await until(/: connected/);
    const submitted = await agent('POST', '/v1/actions', { action_type: 'deploy', environment: 'production' });
    await until(/event: approval\.requested/);
    expect(text).toContain(submitted.body.approval.id);
    await admin('POST', `/v1/approvals/${submitted.body.approval.id}/votes`, { verdict: 'approve' });
    await until(/event: approval\.decided/);
    controller.abort();
  });

  it('reloads a changed policy and keeps the old one when the new one is broken', async () => {
    const before = (await admin('GET', '/v1/policy')).body.version;
    writeFileSync(
      join(policyDir, 'policy.yaml'),
      `${POLICY}\n  - name: no-drops\n    match: { action_type: drop_database }\n    decision: DENY\n`,
    );
    const reloaded = await admin('POST', '/v1/policy/reload');
    expect(reloaded.status).toBe(200);
    expect(reloaded.body.changed).toBe(true);
    expect(reloaded.body.version).not.toBe(before);
    expect((await agent('POST', '/v1/actions', { action_type: 'drop_database' })).body.decision).toBe('DENY');

    writeFileSync(join(policyDir, 'policy.yaml'), 'rules:\n  - name: broken\n    match: { amount: { gtt: 1 } }\n    decision: DENY\n');
    const refused = await admin('POST', '/v1/policy/reload');
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('policy.invalid');
    expect(refused.body.error.details.diagnostics[0]).toMatchObject({ code: 'policy.unknown_operator', line: 3 });
    // The previous version keeps serving.
    expect((await admin('GET', '/v1/policy')).body.version).toBe(reloaded.body.version);
    expect((await agent('POST', '/v1/actions', { action_type: 'drop_database' })).body.decision).toBe('DENY');
    const versions = (await admin('GET', '/v1/policy')).body.versions.map((entry: { version: string }) => entry.version);
    expect(versions).toEqual([before, reloaded.body.version]);
    writeFileSync(join(policyDir, 'policy.yaml'), POLICY);
    expect((await admin('POST', '/v1/policy/reload')).status).toBe(200);
  });

  it('times out a request at its deadline, as a timeout and not as a person’s denial', async () => {
    const submitted = await agent('POST', '/v1/actions', { action_type: 'scale', environment: 'production' });
    expect(submitted.body.approval.deadline).toBe(new Date(clock.now() + 30 * 60_000).toISOString());
    clock.advance(29 * 60_000);
    expect(await server.services.timers.sweep()).toBe(0);
    clock.advance(2 * 60_000);
    expect(await server.services.timers.sweep()).toBe(1);
    expect(await server.services.timers.sweep()).toBe(0);
    const seen = await agent('GET', `/v1/actions/${submitted.body.id}`);
    expect(seen.body.status).toBe('timed_out');
    expect(seen.body.approval.status).toBe('timed_out');
    expect(seen.body.approval.votes).toEqual([]);
    const late = await admin('POST', `/v1/approvals/${submitted.body.approval.id}/votes`, { verdict: 'approve' });
    expect(late.body.error.code).toBe('approval.closed');
    const events = await admin('GET', `/v1/audit?subject=${submitted.body.approval.id}`);
    expect(events.body.events.map((event: { type: string; actor: string }) => [event.type, event.actor])).toContainEqual([
      'approval.timed_out',
      'system',
    ]);
  });

  it('fires a deadline that passed while the server was down, once', async () => {
    const submitted = await agent('POST', '/v1/actions', { action_type: 'delete', environment: 'production' });
    await server.close();
    clock.advance(31 * 60_000);
    server = await start(folder, policyDir, clock);
    expect(await server.services.timers.sweep()).toBe(1);
    expect(await server.services.timers.sweep()).toBe(0);
    admin = client(server.url, adminToken);
    agent = client(server.url, (await server.services.auth.createKey('deploy-bot')).secret);
    expect((await agent('GET', `/v1/actions/${submitted.body.id}`)).body.status).toBe('timed_out');
  });

  it('publishes its API as OpenAPI and answers health checks', async () => {
    const openapi = await client(server.url)('GET', '/openapi.json');
    expect(openapi.body.openapi).toBe('3.1.0');
    for (const path of ['/v1/actions', '/v1/actions/{id}', '/v1/approvals/{id}/votes', '/v1/audit/verify', '/v1/auth/login']) {
      expect(Object.keys(openapi.body.paths)).toContain(path);
    }
    expect((await client(server.url)('GET', '/healthz')).body).toEqual({ ok: true });
    expect((await client(server.url)('GET', '/readyz')).body.ok).toBe(true);
  });

  it('exports the audit trail and detects an edited event', async () => {
    const jsonl = await fetch(`${server.url}/v1/audit/export?format=jsonl`, { headers: { authorization: `Bearer ${adminToken}` } });
    const lines = (await jsonl.text()).trim().split('\n');
    const head = (await admin('GET', '/v1/audit/verify')).body.head;
    expect(lines).toHaveLength(head.seq);
    expect(JSON.parse(lines[0]!).seq).toBe(1);
    const csv = await fetch(`${server.url}/v1/audit/export?format=csv`, { headers: { authorization: `Bearer ${adminToken}` } });
    const rows = (await csv.text()).trim().split('\n');
    expect(rows[0]).toBe('seq,id,created_at,type,actor,subject,data,prev_hash,hash');

    const db = new Database(join(folder, 'tollgate.db'));
    db.prepare('update audit_events set data = \'{"decision":"ALLOW"}\' where seq = 3 and tenant_id = \'default\'').run();
    db.close();
    const broken = (await admin('GET', '/v1/audit/verify')).body;
    expect(broken.ok).toBe(false);
    expect(broken.problems).toContainEqual(expect.objectContaining({ seq: 3, code: 'audit.hash_mismatch' }));
  });
});

describe('rate limits', () => {
  it('answers 429 once a key exceeds its requests per second', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'tollgate-rate-'));
    const policyDir = join(folder, 'policy');
    mkdirSync(policyDir);
    writeFileSync(join(policyDir, 'policy.yaml'), POLICY);
    const server = await start(folder, policyDir, new ManualClock(), 5);
    try {
      const agent = client(server.url, (await server.services.auth.createKey('busy-bot')).secret);
      const replies = await Promise.all(Array.from({ length: 12 }, () => agent('POST', '/v1/actions', { action_type: 'read' })));
      const limited = replies.filter((reply) => reply.status === 429);
      expect(limited.length).toBeGreaterThan(0);
      expect(limited[0]!.body.error.code).toBe('request.rate_limited');
      expect(replies.filter((reply) => reply.status === 201).length).toBeLessThanOrEqual(5);
    } finally {
      await server.close();
    }
  });
});
