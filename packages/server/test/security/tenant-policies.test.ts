// A tenant's admin owns that tenant's policy and nothing more (DESIGN §11). Each case is an attack
// that worked when one policy served every tenant: over real HTTP, on SQLite and PostgreSQL (with
// a second node on PostgreSQL), each refused with its code and nothing changed in the database or
// on either tenant's audit chain.

import { execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { promisify } from 'node:util';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { serveConfig } from '../../src/config/config.js';
import { parseServerSettings } from '../../src/config/server-settings.js';
import { startServer, type RunningServer } from '../../src/server/start.js';
import { createTestDatabase, DATABASES, type TestDatabase } from '../helpers/databases.js';
import { client } from '../helpers/http.js';
import { BIN, REPO } from '../helpers/server-process.js';
import { startReceiver, type Receiver } from '../helpers/vendor-stand-ins.js';

const run = promisify(execFile);

const DEFAULT_POLICY = `
defaults: { decision: ALLOW }
rules:
  - name: production-deploys
    match: { action_type: deploy, environment: production }
    decision: REQUIRE_APPROVAL
    approvers: [approvers]
  - name: never-drop
    match: { action_type: drop_database }
    decision: DENY
`;
const DEPLOY = { action_type: 'deploy', environment: 'production', summary: 'deploy v2.3.1' };
const EVIL = 'defaults:\n  decision: ALLOW\n';
/** What the attacker's admin knows: the value of a variable it was granted (its own Slack app's secret). */
const ACME_SIGNING = 'acme-signing-secret-known-to-its-admin';
const SERVER_PASSWORD = 'the-database-password-of-the-server';

const files = (text: string, path = 'evil.yaml') => ({ files: [{ path, text }] });

describe.each(DATABASES)('per-tenant policies on %s', (kind) => {
  let database: TestDatabase;
  let folder: string;
  let listener: Receiver;
  const nodes: RunningServer[] = [];
  const env = { OPS_DB_PASSWORD: SERVER_PASSWORD, ACME_SLACK_SIGNING: ACME_SIGNING, PWD: '/srv/tollgate' };

  async function node(): Promise<RunningServer> {
    const config = serveConfig({ db: database.url, policy: join(folder, 'policy'), port: 0, host: '127.0.0.1', rateLimit: 0 }, {});
    config.settings = parseServerSettings({ tenants: { acme: { secrets: { prefix: 'ACME_' } } } });
    const server = await startServer(config, { logger: false, watchPolicy: false, timerIntervalMs: 0 });
    nodes.push(server);
    return server;
  }

  let a: RunningServer;
  const people: Record<string, string> = {};
  const as = (server: RunningServer, who: string) => client(server.url, people[who]);
  let botDefault: string;
  let botAcme: string;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    folder = mkdtempSync(join(tmpdir(), 'tollgate-tenant-policies-'));
    mkdirSync(join(folder, 'policy'));
    writeFileSync(join(folder, 'policy', 'policy.yaml'), DEFAULT_POLICY);
    for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
    listener = await startReceiver();
    a = await node();
    const { auth } = a.services;
    for (const [name, role, tenant, groups] of [
      ['admin', 'admin', 'default', ['approvers']],
      ['bob', 'approver', 'default', ['approvers']],
      ['mallory', 'admin', 'acme', ['approvers']],
      ['eve', 'approver', 'acme', ['approvers']],
      ['ops', 'operator', 'default', []],
    ] as const) {
      await auth.addUser({ name, password: `${name}-password`, role, groups: [...groups], tenant });
      people[name] = (await auth.login(name, `${name}-password`, tenant)).token;
    }
    botDefault = (await auth.createKey('deploy-bot', 'default')).secret;
    botAcme = (await auth.createKey('deploy-bot', 'acme')).secret;
  }, 60_000);

  afterAll(async () => {
    for (const server of nodes) await server.close();
    vi.unstubAllEnvs();
    await listener?.close();
    await database?.drop();
    if (folder !== undefined) rmSync(folder, { recursive: true, force: true });
  });

  const decide = async (server: RunningServer, key: string, action: Record<string, unknown>) =>
    (await client(server.url, key)('POST', '/v1/actions', action)).body.decision as string;
  const chain = async (server: RunningServer, who: string) =>
    (await as(server, who)('GET', '/v1/audit?limit=1000')).body.events as { type: string }[];

  it("keeps one tenant's promoted and reloaded policy away from every other tenant", async () => {
    const defaultChain = await chain(a, 'admin');
    expect(await decide(a, botDefault, DEPLOY)).toBe('REQUIRE_APPROVAL');
    const set = await as(a, 'mallory')('PUT', '/v1/policy/shadow', files(EVIL));
    expect(set.status).toBe(200);
    const promoted = await as(a, 'mallory')('POST', '/v1/policy/shadow/promote');
    expect(promoted.status, JSON.stringify(promoted.body)).toBe(200);
    // acme's admin changed acme's policy, and acme's alone.
    expect(await decide(a, botAcme, DEPLOY)).toBe('ALLOW');
    expect(await decide(a, botDefault, DEPLOY)).toBe('REQUIRE_APPROVAL');
    expect(await decide(a, botDefault, { action_type: 'drop_database' })).toBe('DENY');
    expect((await as(a, 'admin')('GET', '/v1/policy')).body.version).not.toBe(promoted.body.version);
    expect((await as(a, 'admin')('GET', '/v1/policy/shadow')).body.error.code).toBe('shadow.not_set');
    // Audited where it happened, and only there.
    const acmeTypes = (await chain(a, 'mallory')).map((event) => event.type);
    expect(acmeTypes).toEqual(expect.arrayContaining(['policy.shadow_set', 'policy.promoted']));
    const defaultTypes = (await chain(a, 'admin')).map((event) => event.type);
    expect(defaultTypes.filter((type) => type.startsWith('policy.'))).toEqual(
      defaultChain.map((event) => event.type).filter((type) => type.startsWith('policy.')),
    );
    // A reload by acme's admin reloads nothing of the default tenant's: acme has no files.
    const reload = await as(a, 'mallory')('POST', '/v1/policy/reload');
    expect(reload.status).toBe(409);
    expect(reload.body.error.code).toBe('policy.no_files');
    expect(await decide(a, botDefault, DEPLOY)).toBe('REQUIRE_APPROVAL');
    expect((await as(a, 'admin')('GET', '/v1/audit/verify')).body.ok).toBe(true);
    expect((await as(a, 'mallory')('GET', '/v1/audit/verify')).body.ok).toBe(true);
  });

  it('shows each tenant its own version history', async () => {
    const acme = (await as(a, 'mallory')('GET', '/v1/policy')).body;
    const mine = (await as(a, 'admin')('GET', '/v1/policy')).body;
    expect(acme.source).toBe('promoted');
    expect(mine.source).toBe('files');
    expect(acme.versions.map((entry: { version: string }) => entry.version)).not.toContain(mine.version);
    expect(mine.versions.map((entry: { version: string }) => entry.version)).not.toContain(acme.version);
  });

  it("never sends another tenant's requests to a tenant's channels", async () => {
    const hook = `notifications:\n  channels:\n    spy: { type: webhook, url: "${listener.url}/spy" }\n  routes:\n    - { channel: spy }\n`;
    expect((await as(a, 'mallory')('PUT', '/v1/policy/shadow', files(`${EVIL}${hook}`))).status).toBe(200);
    expect((await as(a, 'mallory')('POST', '/v1/policy/shadow/promote')).status).toBe(200);
    const pending = await client(a.url, botDefault)('POST', '/v1/actions', { ...DEPLOY, summary: 'deploy v9 (default)' });
    expect(pending.body.status).toBe('pending');
    await a.services.notifications.sender.deliverDue();
    const outbox = await a.services.store.outbox.list('default', { limit: 100 });
    expect(outbox.filter((message) => message.channel === 'spy')).toEqual([]);
    expect(listener.received.filter((request) => request.body.includes(pending.body.id as string))).toEqual([]);
  });

  it('refuses a policy that names a secret the operator did not grant, storing nothing', async () => {
    const before = await chain(a, 'mallory');
    const stored = await a.services.store.tenantPolicies.get('acme', 'shadow');
    const steal = `${EVIL}notifications:\n  channels:\n    ops: { type: slack, channel: C1, token_env: OPS_DB_PASSWORD }\n  routes:\n    - { channel: ops }\n`;
    for (const [method, path] of [
      ['PUT', '/v1/policy/shadow'],
      ['PUT', '/v1/tenants/acme/policy'],
    ] as const) {
      const refused = await as(a, 'mallory')(method, path, files(steal));
      expect(refused.status, path).toBe(422);
      expect(refused.body.error.code).toBe('policy.secret_not_granted');
      expect(refused.body.error.message).toContain('OPS_DB_PASSWORD');
    }
    // `PWD` is as ungranted as a password: the server's environment is not the tenant's.
    const signed = `${EVIL}notifications:\n  channels:\n    s: { type: slack, channel: C1, token_env: ACME_SLACK_TOKEN, signing_secret_env: PWD }\n  routes:\n    - { channel: s }\n`;
    expect((await as(a, 'mallory')('PUT', '/v1/policy/shadow', files(signed))).body.error.code).toBe('policy.secret_not_granted');
    // Vendor endpoints are the operator's.
    const endpoint = `${EVIL}notifications:\n  channels:\n    s: { type: slack, channel: C1, token_env: ACME_SLACK_TOKEN, base_url: "${listener.url}" }\n  routes:\n    - { channel: s }\n`;
    const moved = await as(a, 'mallory')('PUT', '/v1/policy/shadow', files(endpoint));
    expect(moved.status).toBe(422);
    expect(moved.body.error.details.diagnostics.map((d: { code: string }) => d.code)).toContain('policy.server_setting');
    expect(await a.services.store.tenantPolicies.get('acme', 'shadow')).toEqual(stored);
    expect(await chain(a, 'mallory')).toEqual(before);
    // And were one stored anyway (an older release, a database edit), delivery still reads nothing ungranted.
    expect(a.services.secrets.for('acme')('OPS_DB_PASSWORD')).toBeUndefined();
    expect(a.services.secrets.for('acme')('ACME_SLACK_SIGNING')).toBe(ACME_SIGNING);
  });

  it('binds a Slack callback to the tenant whose secret verified it, whatever its payload names', async () => {
    const slack = `${EVIL}notifications:\n  channels:\n    s: { type: slack, channel: C1, token_env: ACME_SLACK_TOKEN, signing_secret_env: ACME_SLACK_SIGNING }\n  routes:\n    - { channel: s }\n`;
    expect((await as(a, 'mallory')('PUT', '/v1/tenants/acme/policy', files(slack))).status).toBe(200);
    const pending = await client(a.url, botDefault)('POST', '/v1/actions', { ...DEPLOY, summary: 'deploy v10 (default)' });
    const approval = pending.body.approval as { id: string; digest: string };
    // Bob of the default tenant is linked to a Slack user; the attacker knows his Slack id.
    await a.services.notifications.linkIdentity('default', 'bob', 'slack', 'U0BOB');
    const before = await chain(a, 'admin');
    const payload = {
      type: 'block_actions',
      user: { id: 'U0BOB' },
      actions: [{ action_id: 'tollgate_approve', value: JSON.stringify({ t: 'default', a: approval.id, d: approval.digest }) }],
    };
    const body = `payload=${encodeURIComponent(JSON.stringify(payload))}`;
    const timestamp = String(Math.floor(Date.now() / 1000));
    const signature = `v0=${createHmac('sha256', ACME_SIGNING).update(`v0:${timestamp}:${body}`).digest('hex')}`;
    const response = await fetch(`${a.url}/v1/integrations/slack/interactivity`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-slack-request-timestamp': timestamp,
        'x-slack-signature': signature,
      },
      body,
    });
    const answer = (await response.json()) as { ok: boolean; error?: { code: string } };
    expect(answer).toMatchObject({ ok: false, error: { code: 'notify.wrong_tenant' } });
    expect((await as(a, 'admin')(`GET`, `/v1/approvals/${approval.id}`)).body.status).toBe('pending');
    expect(await chain(a, 'admin')).toEqual(before);
  });

  it("lets an admin push only their own tenant's policy, and an operator any tenant's", async () => {
    const live = (await as(a, 'admin')('GET', '/v1/policy')).body.version;
    const before = await chain(a, 'admin');
    const cross = await as(a, 'mallory')('PUT', '/v1/tenants/default/policy', files(EVIL));
    expect(cross.status).toBe(404);
    expect(cross.body.error.code).toBe('tenant.not_found');
    expect((await as(a, 'eve')('PUT', '/v1/tenants/acme/policy', files(EVIL))).status).toBe(403);
    expect((await as(a, 'admin')('GET', '/v1/policy')).body.version).toBe(live);
    expect(await chain(a, 'admin')).toEqual(before);
    // The operator's level: tenants and any tenant's policy; no tenant's requests.
    const created = await as(a, 'ops')('POST', '/v1/tenants', { id: 'globex' });
    expect(created.status).toBe(201);
    expect(created.body.policy.source).toBe('starter');
    const pushed = await as(a, 'ops')('PUT', '/v1/tenants/globex/policy', files(DEFAULT_POLICY, 'policy.yaml'));
    expect(pushed.status, JSON.stringify(pushed.body)).toBe(200);
    expect((await as(a, 'ops')('GET', '/v1/tenants')).body.tenants.map((tenant: { id: string }) => tenant.id)).toEqual(
      expect.arrayContaining(['default', 'acme', 'globex']),
    );
    expect((await as(a, 'ops')('GET', '/v1/approvals')).status).toBe(403);
    expect((await as(a, 'admin')('GET', '/v1/tenants')).status).toBe(403);
  });

  it('pushes a tenant policy from the command line, and refuses one for another tenant', async () => {
    const path = join(folder, 'acme-policy.yaml');
    writeFileSync(path, 'defaults:\n  decision: REVIEW\n');
    const push = (tenant: string, token: string) =>
      run(process.execPath, [BIN, 'policy', 'push', path, '--tenant', tenant, '--server', a.url, '--token', token], { cwd: REPO });
    const { stdout } = await push('acme', people.mallory!);
    expect(stdout).toMatch(/^tenant acme: sha256:\S+ is live \(was sha256:\S+\)$/m);
    expect(await decide(a, botAcme, DEPLOY)).toBe('REVIEW');
    const refused = await push('default', people.mallory!).catch((error: { code: number; stderr: string }) => error);
    expect(refused).toMatchObject({ code: 1, stderr: expect.stringContaining('tenant.not_found') });
    expect(await decide(a, botDefault, DEPLOY)).toBe('REQUIRE_APPROVAL');
  });

  it("keeps one tenant's stored policy that no longer loads to that tenant, telling others nothing of it", async () => {
    // Stored by an older release whose syntax this one refuses (lookaround, gone with RE2).
    const broken =
      'rules:\n  - name: secret-rule-of-umbrella\n    match: { action_type: { matches: "deploy(?=x)" } }\n    decision: DENY\n';
    await a.services.store.tenantPolicies.put({
      tenant_id: 'umbrella',
      slot: 'promoted',
      version: 'sha256:umbrella-old',
      files: [{ path: 'umbrella.yaml', text: broken }],
      replaces: [],
      actor: 'user:someone',
      created_at: Date.now(),
    });
    await a.services.shadow.sync();
    const theirs = await as(a, 'mallory')('GET', '/v1/policy/shadow');
    expect(theirs.status).toBe(404);
    expect(theirs.body.error.code).toBe('shadow.not_set');
    expect(JSON.stringify(theirs.body)).not.toContain('umbrella');
    expect(await decide(a, botAcme, DEPLOY)).not.toBe('');
  });

  it('starts a tenant without a policy of its own on one that lets nothing run without approval', async () => {
    const key = (await a.services.auth.createKey('bot', 'initech')).secret;
    expect(await decide(a, key, { action_type: 'read_file' })).toBe('REQUIRE_APPROVAL');
  });

  it.runIf(kind === 'postgres')("applies a tenant's promotion on every node, and no other tenant's policy moves", async () => {
    const b = await node();
    const stricter = 'defaults:\n  decision: DENY\n';
    expect((await as(a, 'mallory')('PUT', '/v1/tenants/acme/policy', files(stricter))).status).toBe(200);
    await vi.waitFor(async () => expect(await decide(b, botAcme, DEPLOY)).toBe('DENY'), { timeout: 10_000 });
    expect(await decide(b, botDefault, DEPLOY)).toBe('REQUIRE_APPROVAL');
    // And a restart keeps it, as what it was: pushed.
    const c = await node();
    expect(await decide(c, botAcme, DEPLOY)).toBe('DENY');
    expect(c.services.policies.for('acme').source()).toBe('pushed');
    expect(b.services.policies.for('acme').source()).toBe('pushed');
    expect(await decide(c, botDefault, { action_type: 'drop_database' })).toBe('DENY');
    expect(await decide(c, botDefault, { action_type: 'read_file' })).toBe('ALLOW');
  });
});
