// Tenant isolation over real HTTP on SQLite and PostgreSQL: another tenant's actions, approvals,
// grants, events and audit trail are invisible and untouchable by id, and each chain verifies alone.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, DATABASES, type TestDatabase } from './helpers/databases.js';
import { client } from './helpers/http.js';
import { startTestServer, type Authed, type TestServer } from './helpers/in-process.js';
import { BIN, REPO } from './helpers/server-process.js';
import { DEPLOY_GATE as POLICY } from './helpers/policies.js';

const run = promisify(execFile);
const tollgate = (...args: string[]) => run(process.execPath, [BIN, ...args], { cwd: REPO });

const DEPLOY = { action_type: 'deploy', environment: 'production', summary: 'deploy v2.3.1' };

const bearer = (who: Authed) => ({ authorization: `Bearer ${who.token}` });

/** One tenant's people, agent and records, with the same names in every tenant. */
interface Side {
  tenant: string;
  admin: Authed;
  alice: Authed;
  bot: Authed;
  allowedId: string;
  pendingId: string;
  approvalId: string;
  approvedId: string;
  changesId: string;
  grant: { token: string; digest: string };
}

describe.each(DATABASES)('tenants on %s', (kind) => {
  let database: TestDatabase;
  let server: TestServer;
  const sides: Record<'north' | 'south', Side> = {} as never;

  async function login(name: string, password: string, tenant: string): Promise<Authed> {
    const reply = await client(server.url)('POST', '/v1/auth/login', { name, password, tenant });
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(reply.body.user.tenant).toBe(tenant);
    return Object.assign(client(server.url, reply.body.token), { token: reply.body.token as string });
  }

  /** North is set up through the services, south through the CLI's `--tenant`, as operators do. */
  async function people(tenant: 'north' | 'south'): Promise<Pick<Side, 'admin' | 'alice' | 'bot'>> {
    if (tenant === 'north') {
      return {
        admin: await server.person('admin', 'admin', { tenant }),
        alice: await server.person('alice', 'approver', { groups: ['approvers'], tenant }),
        bot: await server.agent('deploy-bot', tenant),
      };
    }
    const db = ['--db', database.url, '--tenant', tenant];
    await tollgate('users', 'add', ...db, '--name', 'admin', '--password', 'south-admin-pw', '--role', 'admin');
    await tollgate('users', 'add', ...db, '--name', 'alice', '--password', 'south-alice-pw', '--role', 'approver', '--group', 'approvers');
    const { stdout } = await tollgate('keys', 'create', ...db, '--agent', 'deploy-bot');
    return {
      admin: await login('admin', 'south-admin-pw', tenant),
      alice: await login('alice', 'south-alice-pw', tenant),
      bot: Object.assign(client(server.url, stdout.trim()), { token: stdout.trim() }),
    };
  }

  async function records(tenant: 'north' | 'south'): Promise<Side> {
    const { admin, alice, bot } = await people(tenant);
    // The same idempotency key in both tenants names two different actions.
    const allowed = await bot('POST', '/v1/actions', { action_type: 'deploy', environment: 'staging', idempotency_key: 'release-231' });
    expect(allowed.status).toBe(201);
    const waiting = await bot('POST', '/v1/actions', DEPLOY);
    expect(waiting.body.status).toBe('pending');
    const approved = await bot('POST', '/v1/actions', { ...DEPLOY, summary: 'deploy v2.3.2' });
    expect((await alice('POST', `/v1/approvals/${approved.body.approval.id}/votes`, { verdict: 'approve' })).status).toBe(201);
    const grant = (await bot('GET', `/v1/actions/${approved.body.id}`)).body.grant;
    const sent = await bot('POST', '/v1/actions', { ...DEPLOY, summary: 'deploy everything' });
    await alice('POST', `/v1/approvals/${sent.body.approval.id}/votes`, { verdict: 'request_changes', note: 'one service at a time' });
    return {
      tenant,
      admin,
      alice,
      bot,
      allowedId: allowed.body.id,
      pendingId: waiting.body.id,
      approvalId: waiting.body.approval.id,
      approvedId: approved.body.id,
      changesId: sent.body.id,
      grant: { token: grant.token, digest: grant.digest },
    };
  }

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    server = await startTestServer(database.url, { 'policy.yaml': POLICY }, { tenants: ['north', 'south'] });
    sides.north = await records('north');
    sides.south = await records('south');
  });

  afterAll(async () => {
    await server?.close();
    await database?.drop();
  });

  const directions = [['north', 'south'] as const, ['south', 'north'] as const];

  it('keeps ids, names and idempotency keys apart', () => {
    const { north, south } = sides;
    expect(north.allowedId).not.toBe(south.allowedId);
    expect(new Set([north.pendingId, north.approvalId, south.pendingId, south.approvalId]).size).toBe(4);
  });

  it.each(directions)('hides %s from reading %s’s records by id', async (me, them) => {
    const { bot, alice, admin } = sides[me];
    const other = sides[them];
    for (const id of [other.allowedId, other.pendingId, other.changesId]) {
      for (const reader of [bot, alice, admin]) {
        const seen = await reader('GET', `/v1/actions/${id}`);
        expect(seen.status).toBe(404);
        expect(seen.body.error.code).toBe('action.not_found');
      }
    }
    const waited = await bot('GET', `/v1/actions/${other.pendingId}?wait=1`);
    expect(waited.body.error.code).toBe('action.not_found');
    for (const reader of [alice, admin]) {
      const approval = await reader('GET', `/v1/approvals/${other.approvalId}`);
      expect(approval.status).toBe(404);
      expect(approval.body.error.code).toBe('approval.not_found');
    }
  });

  it.each(directions)('keeps %s from changing %s’s records by id', async (me, them) => {
    const { bot, alice, admin } = sides[me];
    const other = sides[them];
    for (const voter of [alice, admin]) {
      const vote = await voter('POST', `/v1/approvals/${other.approvalId}/votes`, { verdict: 'approve' });
      expect(vote.status).toBe(404);
      expect(vote.body.error.code).toBe('approval.not_found');
    }
    const outcome = await bot('POST', `/v1/actions/${other.allowedId}/outcome`, { status: 'succeeded' });
    expect(outcome.body.error.code).toBe('action.not_found');
    const redeem = await bot('POST', '/v1/grants/redeem', { grant: other.grant.token, digest: other.grant.digest });
    expect(redeem.status).toBe(404);
    expect(redeem.body.error.code).toBe('grant.not_found');
    const revision = await bot('POST', '/v1/actions', { ...DEPLOY, summary: 'deploy one service', revision_of: other.changesId });
    expect(revision.status).toBe(400);
    expect(revision.body.error).toMatchObject({ code: 'action.invalid', details: { field: 'revision_of' } });

    // Still untouched, as their own tenant sees them.
    const approval = await other.alice('GET', `/v1/approvals/${other.approvalId}`);
    expect(approval.body).toMatchObject({ status: 'pending', votes: [] });
    expect((await other.bot('GET', `/v1/actions/${other.allowedId}`)).body.outcome).toBeUndefined();
    const seenGrant = (await other.bot('GET', `/v1/actions/${other.approvedId}`)).body.grant;
    expect(seenGrant).toMatchObject({ digest: other.grant.digest, used: false });
  });

  it.each(directions)('leaves %s’s lists without %s’s records', async (me, them) => {
    const mine = sides[me];
    const other = sides[them];
    const theirIds = [other.allowedId, other.pendingId, other.changesId, other.approvalId];
    const actions = (await mine.admin('GET', '/v1/actions?limit=1000')).body.actions.map((a: { id: string }) => a.id);
    expect(actions).toHaveLength(4);
    expect(actions).toEqual(expect.arrayContaining([mine.allowedId, mine.pendingId, mine.changesId]));
    const approvals = (await mine.admin('GET', '/v1/approvals?limit=1000')).body.approvals;
    expect(approvals.map((a: { id: string }) => a.id)).toContain(mine.approvalId);
    expect(approvals).toHaveLength(3);
    const metrics = (await mine.admin('GET', '/v1/metrics')).body;
    expect(metrics.totals).toMatchObject({ actions: 4, backlog: 1 });
    const audit = (await mine.admin('GET', '/v1/audit?limit=1000')).body.events;
    expect(audit.every((event: { tenant_id: string }) => event.tenant_id === me)).toBe(true);
    const exported = await fetch(`${server.url}/v1/audit/export`, { headers: bearer(mine.admin) });
    const text = await exported.text();
    for (const id of theirIds) {
      expect(JSON.stringify(audit)).not.toContain(id);
      expect(text).not.toContain(id);
      expect((await mine.admin('GET', `/v1/audit?subject=${id}`)).body.events).toEqual([]);
    }
  });

  it('signs people in only to their own tenant', async () => {
    const wrong = await client(server.url)('POST', '/v1/auth/login', { name: 'alice', password: 'alice-password', tenant: 'south' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('auth.invalid_credentials');
    const nowhere = await client(server.url)('POST', '/v1/auth/login', { name: 'alice', password: 'alice-password', tenant: 'west' });
    expect(nowhere.body.error.code).toBe('auth.invalid_credentials');
    expect((await sides.north.alice('GET', '/v1/auth/me')).body).toMatchObject({ name: 'alice', tenant: 'north' });
  });

  it('streams live events only to their own tenant', async () => {
    const { north, south } = sides;
    const controller = new AbortController();
    const stream = await fetch(`${server.url}/v1/events`, { headers: bearer(south.alice), signal: controller.signal });
    const reader = stream.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const readUntil = async (pattern: RegExp): Promise<RegExpExecArray> => {
      for (;;) {
        const found = pattern.exec(text);
        if (found !== null) return found;
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before ${pattern}: ${text}`);
        text += decoder.decode(value);
      }
    };
    try {
      await readUntil(/: connected/);
      // Not DEPLOY itself: that one is pending already, and a retry of it is not a new decision.
      const live = { ...DEPLOY, summary: 'deploy while the stream is open' };
      const theirs = await north.bot('POST', '/v1/actions', live);
      const ours = await south.bot('POST', '/v1/actions', live);
      const first = await readUntil(/^data: (.*)$/m);
      expect(JSON.parse(first[1]!)).toMatchObject({ tenant_id: 'south', action_id: ours.body.id });
      expect(text).not.toContain(theirs.body.id);
    } finally {
      controller.abort();
    }
  });

  it('keeps one audit chain per tenant, each verifying on its own', async () => {
    const heads: Record<string, { seq: number; hash: string }> = {};
    for (const tenant of ['north', 'south'] as const) {
      const { admin } = sides[tenant];
      const verify = (await admin('GET', '/v1/audit/verify')).body;
      expect(verify).toMatchObject({ ok: true, tenant_id: tenant, problems: [] });
      const events = (await admin('GET', '/v1/audit?limit=1000')).body;
      expect(events.events.map((event: { seq: number }) => event.seq)).toEqual(events.events.map((_: unknown, i: number) => i + 1));
      expect(events.events[0].prev_hash).toBe('0'.repeat(64));
      expect(verify.head).toEqual(events.head);
      heads[tenant] = events.head;
      const { stdout } = await tollgate('audit', 'verify', '--db', database.url, '--tenant', tenant);
      expect(stdout).toContain(`ok: ${events.head.seq} events, head ${events.head.seq} ${events.head.hash}`);
    }
    expect(heads.north!.hash).not.toBe(heads.south!.hash);
    const defaultChain = await server.services.audit.verify('default');
    expect(defaultChain).toMatchObject({ ok: true, events: 0 });
  });
});
