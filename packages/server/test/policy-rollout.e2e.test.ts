// Trying a policy before it goes live, over real HTTP, the CLI and both databases: simulating a
// stricter and a looser candidate on a recorded history gives exact counts; a shadow policy
// records its differences without enforcing them, and promoting it switches the live policy. The
// shadow and the promotion are kept in the database: they survive restarts and reach every node,
// until the policy files change.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadPolicy } from '@tollgate/core';
import { main } from '../src/cli/main.js';
import { serveConfig } from '../src/config/config.js';
import { startServer, type RunningServer } from '../src/server/start.js';
import { createTestDatabase, DATABASES, type TestDatabase } from './helpers/databases.js';
import { client } from './helpers/http.js';
import { startTestServer, type Authed, type TestServer } from './helpers/in-process.js';

const LIVE = `
defaults: { decision: ALLOW, approvers: [approvers] }
rules:
  - name: big-refunds
    match: { action_type: refund, amount_usd: { gt: 1000 } }
    decision: REQUIRE_APPROVAL
    approvers: [finance]
  - name: prod-deletes
    match: { action_type: delete, environment: production }
    decision: DENY
`;

/** Stricter: refunds over 500 need finance (5 more), and staging deletes get reviewed (5). */
const STRICTER = `
defaults: { decision: ALLOW, approvers: [approvers] }
rules:
  - name: big-refunds
    match: { action_type: refund, amount_usd: { gt: 500 } }
    decision: REQUIRE_APPROVAL
    approvers: [finance]
  - name: prod-deletes
    match: { action_type: delete, environment: production }
    decision: DENY
  - name: staging-deletes
    match: { action_type: delete, environment: staging }
    decision: REVIEW
`;

/** Looser: refunds up to 1500 pass (5 fewer), production deletes go to ops instead of being refused (5). */
const LOOSER = `
defaults: { decision: ALLOW, approvers: [approvers] }
rules:
  - name: big-refunds
    match: { action_type: refund, amount_usd: { gt: 1500 } }
    decision: REQUIRE_APPROVAL
    approvers: [finance]
  - name: prod-deletes
    match: { action_type: delete, environment: production }
    decision: REQUIRE_APPROVAL
    approvers: [ops]
`;

const files = (text: string) => [{ path: 'policy.yaml', text }];

/** 20 refunds of 100…2000 and 5 deletes each in production and staging. */
async function recordHistory(agent: Authed): Promise<void> {
  for (let i = 1; i <= 20; i++) {
    const reply = await agent('POST', '/v1/actions', { action_type: 'refund', environment: 'production', amount_usd: i * 100 });
    expect(reply.status).toBe(201);
  }
  for (const environment of ['production', 'staging'])
    for (let i = 0; i < 5; i++) await agent('POST', '/v1/actions', { action_type: 'delete', environment, target: `row-${i}` });
}

function cliIo() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) }, out, err };
}

describe.each(DATABASES)('policy simulation and shadow on %s', (kind) => {
  let database: TestDatabase;
  let server: TestServer;
  let admin: Authed;
  let agent: Authed;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    server = await startTestServer(database.url, { 'policy.yaml': LIVE });
    admin = await server.person('admin', 'admin');
    agent = await server.agent('refund-bot');
    await recordHistory(agent);
  });

  afterAll(async () => {
    await server?.close();
    await database?.drop();
  });

  it('counts what a stricter candidate changes, by rule, with the approval load per group', async () => {
    const { status, body } = await admin('POST', '/v1/policy/simulate', { files: files(STRICTER), since: '1d' });
    expect(status).toBe(200);
    expect(body).toMatchObject({ replayed: 30, changed: 10, stricter: 10, looser: 0, unchanged: 20 });
    expect(body.decisions.before).toEqual({ ALLOW: 15, REVIEW: 0, REQUIRE_APPROVAL: 10, DENY: 5 });
    expect(body.decisions.after).toEqual({ ALLOW: 5, REVIEW: 5, REQUIRE_APPROVAL: 15, DENY: 5 });
    expect(body.changes.map((c: any) => [c.from, c.to, c.count])).toEqual([
      ['ALLOW', 'REQUIRE_APPROVAL', 5],
      ['ALLOW', 'REVIEW', 5],
    ]);
    expect(body.by_rule.map((r: any) => [r.direction, r.rule, r.count])).toEqual([
      ['stricter', 'big-refunds', 5],
      ['stricter', 'staging-deletes', 5],
    ]);
    const finance = body.approval_load.groups.find((g: any) => g.group === 'finance');
    expect(finance).toMatchObject({ before: 10, after: 15, delta: 5 });
    const amounts = body.by_rule[0].examples.map((e: any) => e.action_type);
    expect(amounts).toEqual(['refund', 'refund', 'refund', 'refund', 'refund']);
  });

  it('counts what a looser candidate changes, and moves load from finance to ops', async () => {
    const { body } = await admin('POST', '/v1/policy/simulate', { files: files(LOOSER), since: '1d' });
    expect(body).toMatchObject({ replayed: 30, changed: 10, stricter: 0, looser: 10 });
    expect(body.by_rule.map((r: any) => [r.direction, r.rule, r.count])).toEqual([
      ['looser', 'big-refunds', 5],
      ['looser', 'prod-deletes', 5],
    ]);
    const load = Object.fromEntries(body.approval_load.groups.map((g: any) => [g.group, [g.before, g.after]]));
    expect(load).toEqual({ finance: [10, 5], ops: [0, 5] });
    expect(body.approval_load).toMatchObject({ before: 10, after: 10 });
  });

  it('answers a candidate that does not load with its diagnostics', async () => {
    const { status, body } = await admin('POST', '/v1/policy/simulate', {
      files: files('rules: [{ name: x, match: {}, decision: MAYBE }]'),
    });
    expect(status).toBe(422);
    expect(body.error.code).toBe('policy.invalid');
    expect(body.error.details.diagnostics.length).toBeGreaterThan(0);
  });

  it('prints the same counts from the CLI, straight on the database', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-candidate-'));
    writeFileSync(join(dir, 'policy.yaml'), STRICTER);
    const { io, out } = cliIo();
    expect(await main(['node', 'tollgate', 'policy', 'simulate', '--candidate', dir, '--since', '1d', '--db', database.url], io)).toBe(0);
    expect(out.join('\n')).toContain('changed 10 (stricter 10, looser 0), unchanged 20');
    expect(out.join('\n')).toMatch(/finance: 10 → 15 \(\+5;/);
    const json = cliIo();
    expect(
      await main(['node', 'tollgate', 'policy', 'simulate', '--candidate', dir, '--since', '1d', '--db', database.url, '--json'], json.io),
    ).toBe(0);
    expect(JSON.parse(json.out.join('\n'))).toMatchObject({ replayed: 30, stricter: 10 });
  });

  it('shadows a candidate without enforcing it, then promotes it with an audit event', async () => {
    expect((await admin('GET', '/v1/policy/shadow')).body.error.code).toBe('shadow.not_set');
    const set = await admin('PUT', '/v1/policy/shadow', { files: files(STRICTER) });
    expect(set.status).toBe(200);
    const liveVersion = set.body.live_version;

    const refund = await agent('POST', '/v1/actions', { action_type: 'refund', environment: 'production', amount_usd: 700 });
    expect(refund.body.decision).toBe('ALLOW');
    const staging = await agent('POST', '/v1/actions', { action_type: 'delete', environment: 'staging', target: 'x' });
    expect(staging.body.decision).toBe('ALLOW');
    await agent('POST', '/v1/actions', { action_type: 'refund', environment: 'production', amount_usd: 100 });

    const summary = await admin('GET', '/v1/policy/shadow');
    expect(summary.body).toMatchObject({
      version: set.body.version,
      live_version: liveVersion,
      evaluated: 3,
      differed: 2,
      stored: { total: 2, stricter: 2, looser: 0 },
    });
    expect(summary.body.changes.map((c: any) => [c.from, c.to, c.shadow_rule, c.count]).sort()).toEqual([
      ['ALLOW', 'REQUIRE_APPROVAL', 'big-refunds', 1],
      ['ALLOW', 'REVIEW', 'staging-deletes', 1],
    ]);
    expect(summary.body.examples.map((e: any) => e.action_id).sort()).toEqual([refund.body.id, staging.body.id].sort());

    const promoted = await admin('POST', '/v1/policy/shadow/promote');
    expect(promoted.status).toBe(200);
    expect(promoted.body).toMatchObject({ version: set.body.version, previous: liveVersion });
    expect((await admin('GET', '/v1/policy')).body.version).toBe(set.body.version);
    expect((await agent('POST', '/v1/actions', { action_type: 'refund', environment: 'production', amount_usd: 700 })).body.decision).toBe(
      'REQUIRE_APPROVAL',
    );
    const audit = await admin('GET', '/v1/audit?type=policy.promoted');
    const event = (audit.body.events ?? audit.body).find((e: any) => e.type === 'policy.promoted');
    expect(event.data).toMatchObject({ version: set.body.version, previous_version: liveVersion, stricter: 2, looser: 0 });
    expect((await admin('GET', '/v1/policy/shadow')).status).toBe(404);
  });

  it('lets only admins load or drop a shadow, and refuses one that does not load', async () => {
    const approver = await server.person('ann', 'approver', { groups: ['finance'] });
    expect((await approver('PUT', '/v1/policy/shadow', { files: files(LOOSER) })).status).toBe(403);
    expect((await admin('PUT', '/v1/policy/shadow', { files: files('rules: 3') })).status).toBe(422);
    expect((await admin('PUT', '/v1/policy/shadow', { files: files(LOOSER) })).status).toBe(200);
    expect((await admin('DELETE', '/v1/policy/shadow')).status).toBe(204);
    expect((await admin('DELETE', '/v1/policy/shadow')).body.error.code).toBe('shadow.not_set');
  });

  it('says in GET /v1/policy whether a shadow runs, so that a page need not ask for one that does not', async () => {
    const approver = await server.person('abe', 'approver', { groups: ['finance'] });
    expect((await approver('GET', '/v1/policy')).body.shadow).toBeNull();
    const set = await admin('PUT', '/v1/policy/shadow', { files: files(LOOSER) });
    const shown = (await approver('GET', '/v1/policy')).body.shadow;
    expect(shown.version).toBe(set.body.version);
    expect(new Date(shown.loaded_at).toISOString()).toBe(shown.loaded_at);
    expect((await admin('DELETE', '/v1/policy/shadow')).status).toBe(204);
    expect((await approver('GET', '/v1/policy')).body.shadow).toBeNull();
  });
});

describe('tollgate serve --shadow', () => {
  it('starts with the shadow loaded, and refuses to start on a shadow that does not load', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'tollgate-shadow-'));
    for (const [name, text] of Object.entries({ 'live.yaml': LIVE, 'shadow.yaml': STRICTER, 'broken.yaml': 'rules: 3' }))
      writeFileSync(join(folder, name), text);
    const config = (shadow: string) =>
      serveConfig(
        { db: join(folder, 'tollgate.db'), policy: join(folder, 'live.yaml'), shadow: join(folder, shadow), port: 0, rateLimit: 0 },
        {},
      );
    await expect(startServer(config('broken.yaml'), { logger: false, watchPolicy: false, timerIntervalMs: 0 })).rejects.toThrow(
      /does not load/,
    );
    const server = await startServer(config('shadow.yaml'), { logger: false, watchPolicy: false, timerIntervalMs: 0 });
    try {
      await server.services.auth.addUser({ name: 'admin', password: 'admin-password', role: 'admin', groups: [] });
      const admin = client(server.url, (await server.services.auth.login('admin', 'admin-password')).token);
      const agent = client(server.url, (await server.services.auth.createKey('refund-bot')).secret);
      expect((await agent('POST', '/v1/actions', { action_type: 'refund', amount_usd: 700 })).body.decision).toBe('ALLOW');
      const { body } = await admin('GET', '/v1/policy/shadow');
      expect(body).toMatchObject({
        evaluated: 1,
        differed: 1,
        changes: [{ from: 'ALLOW', to: 'REQUIRE_APPROVAL', shadow_rule: 'big-refunds', count: 1 }],
      });
    } finally {
      await server.close();
    }
  });
});

const versionOf = (text: string): string => {
  const loaded = loadPolicy(files(text));
  if (!loaded.ok) throw new Error('test policy does not load');
  return loaded.policy.version;
};

describe.each(DATABASES)('shadow and promotion kept in the database on %s', (kind) => {
  let database: TestDatabase;
  let policyDir: string;
  let refundBot: string;
  const running: RunningServer[] = [];

  /** One `tollgate serve` node on the shared database and policy folder. */
  async function node(): Promise<RunningServer> {
    const server = await startServer(serveConfig({ db: database.url, policy: policyDir, port: 0, rateLimit: 0 }, {}), {
      logger: false,
      watchPolicy: false,
    });
    running.push(server);
    return server;
  }

  async function stop(server: RunningServer): Promise<void> {
    running.splice(running.indexOf(server), 1);
    await server.close();
  }

  const as = async (server: RunningServer, name: string) =>
    client(server.url, (await server.services.auth.login(name, `${name}-password`)).token);
  const agentOn = (server: RunningServer) => client(server.url, refundBot);

  /** On PostgreSQL the other node hears the change; on SQLite (no events) it re-reads on its own schedule, done here at once. */
  async function reaches(server: RunningServer, check: () => void): Promise<void> {
    if (kind === 'sqlite') await server.services.shadow.sync();
    await vi.waitFor(check, { timeout: 10_000 });
  }

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    policyDir = mkdtempSync(join(tmpdir(), 'tollgate-kept-'));
    writeFileSync(join(policyDir, 'policy.yaml'), LIVE);
    const first = await node();
    const { auth } = first.services;
    await auth.addUser({ name: 'admin', password: 'admin-password', role: 'admin', groups: [] });
    await auth.addUser({ name: 'ann', password: 'ann-password', role: 'approver', groups: ['finance'] });
    await auth.addUser({ name: 'audrey', password: 'audrey-password', role: 'auditor', groups: [] });
    refundBot = (await auth.createKey('refund-bot')).secret;
    await stop(first);
  });

  afterAll(async () => {
    for (const server of [...running]) await server.close();
    await database?.drop();
  });

  it('keeps the shadow across a restart', async () => {
    const a = await node();
    const set = await (await as(a, 'admin'))('PUT', '/v1/policy/shadow', { files: files(STRICTER) });
    expect(set.status).toBe(200);
    const before = (await (await as(a, 'admin'))('GET', '/v1/policy/shadow')).body;
    await stop(a);

    const b = await node();
    const admin = await as(b, 'admin');
    expect((await admin('GET', '/v1/policy/shadow')).body).toMatchObject({
      version: set.body.version,
      loaded_at: before.loaded_at,
      evaluated: 0,
    });
    expect((await agentOn(b)('POST', '/v1/actions', { action_type: 'refund', amount_usd: 700 })).body.decision).toBe('ALLOW');
    expect((await admin('GET', '/v1/policy/shadow')).body).toMatchObject({ evaluated: 1, differed: 1, stored: { total: 1, stricter: 1 } });
    expect((await admin('DELETE', '/v1/policy/shadow')).status).toBe(204);
    await stop(b);
    const c = await node();
    expect((await (await as(c, 'admin'))('GET', '/v1/policy/shadow')).body.error.code).toBe('shadow.not_set');
    await stop(c);
  });

  it('evaluates the shadow on every node, promotes it everywhere, and keeps the promotion across restarts until the files change', async () => {
    const [a, b] = [await node(), await node()];
    const set = await (await as(a, 'admin'))('PUT', '/v1/policy/shadow', { files: files(STRICTER) });
    await reaches(b, () => expect(b.services.shadow.current('default')?.version).toBe(set.body.version));
    expect((await agentOn(b)('POST', '/v1/actions', { action_type: 'refund', amount_usd: 700 })).body.decision).toBe('ALLOW');
    expect((await (await as(b, 'admin'))('GET', '/v1/policy/shadow')).body).toMatchObject({ evaluated: 1, differed: 1 });

    const promoted = await (await as(a, 'admin'))('POST', '/v1/policy/shadow/promote');
    expect(promoted.status).toBe(200);
    expect(promoted.body).toMatchObject({ version: versionOf(STRICTER), previous: versionOf(LIVE) });
    await reaches(b, () => expect(b.services.policies.for('default').current().version).toBe(versionOf(STRICTER)));
    expect((await agentOn(b)('POST', '/v1/actions', { action_type: 'refund', amount_usd: 700 })).body.decision).toBe('REQUIRE_APPROVAL');
    expect(b.services.shadow.current('default')).toBeUndefined();
    await stop(a);
    await stop(b);

    // The files still hold the policy the promotion replaced: the promotion stays live, through
    // restarts and reloads.
    const c = await node();
    const admin = await as(c, 'admin');
    expect((await admin('GET', '/v1/policy')).body.version).toBe(versionOf(STRICTER));
    expect((await admin('POST', '/v1/policy/reload')).body).toMatchObject({ version: versionOf(STRICTER), changed: false });
    expect((await agentOn(c)('POST', '/v1/actions', { action_type: 'refund', amount_usd: 700 })).body.decision).toBe('REQUIRE_APPROVAL');
    expect((await admin('GET', '/v1/policy/shadow')).body.error.code).toBe('shadow.not_set');

    // New files win, and the stored promotion is dropped (audited).
    writeFileSync(join(policyDir, 'policy.yaml'), LOOSER);
    expect((await admin('POST', '/v1/policy/reload')).body).toMatchObject({ version: versionOf(LOOSER), changed: true });
    await vi.waitFor(async () => expect(await c.services.store.tenantPolicies.get('default', 'promoted')).toBeUndefined());
    const superseded = (await admin('GET', '/v1/audit?type=policy.promotion_superseded')).body.events;
    expect(superseded).toMatchObject([{ actor: 'system', data: { version: versionOf(STRICTER), files_version: versionOf(LOOSER) } }]);
    await stop(c);
    const d = await node();
    expect(d.services.policies.for('default').current().version).toBe(versionOf(LOOSER));
    await stop(d);
    writeFileSync(join(policyDir, 'policy.yaml'), LIVE);
  });

  it('refuses people who are not admins, and a candidate that does not load, changing nothing', async () => {
    const server = await node();
    const admin = await as(server, 'admin');
    const live = server.services.policies.for('default').current().version;
    expect((await admin('PUT', '/v1/policy/shadow', { files: files(LOOSER) })).status).toBe(200);
    for (const name of ['ann', 'audrey']) {
      const person = await as(server, name);
      expect((await person('PUT', '/v1/policy/shadow', { files: files(STRICTER) })).status).toBe(403);
      expect((await person('POST', '/v1/policy/shadow/promote')).status).toBe(403);
      expect((await person('DELETE', '/v1/policy/shadow')).status).toBe(403);
    }
    const refused = await admin('PUT', '/v1/policy/shadow', { files: files('rules:\n  - name: x\n    match: {}\n    decision: MAYBE\n') });
    expect(refused.status).toBe(422);
    expect(refused.body.error).toMatchObject({ code: 'policy.invalid' });
    expect(refused.body.error.details.diagnostics.map((d: { code: string }) => d.code)).toContain('policy.unknown_decision');
    expect((await admin('GET', '/v1/policy/shadow')).body.version).toBe(versionOf(LOOSER));

    // A stored candidate that no longer loads (stored by an older release) is refused at promotion.
    const broken = { path: 'policy.yaml', text: 'rules: 3' };
    await server.services.store.tenantPolicies.put({
      slot: 'shadow',
      version: 'sha256:older',
      files: [broken],
      replaces: [],
      tenant_id: 'default',
      actor: 'user:someone',
      created_at: server.services.clock.now(),
    });
    const promotions = async () => (await admin('GET', '/v1/audit?type=policy.promoted')).body.events.length;
    const before = await promotions();
    const promoted = await admin('POST', '/v1/policy/shadow/promote');
    expect(promoted.status).toBe(422);
    expect(promoted.body.error.details.diagnostics.length).toBeGreaterThan(0);
    expect(server.services.policies.for('default').current().version).toBe(live);
    expect(await server.services.store.tenantPolicies.get('default', 'promoted')).toBeUndefined();
    expect((await server.services.store.tenantPolicies.get('default', 'shadow'))?.files).toEqual([broken]);
    expect(await promotions()).toBe(before);
    await stop(server);
  });
});
