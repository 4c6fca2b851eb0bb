// Bad input over real HTTP on SQLite and PostgreSQL (DESIGN §10): every refusal has its exact
// status, code and field, and leaves actions, approvals, votes, grants, keys and the audit chain as they were.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../src/stores/open-store.js';
import type { Store } from '../src/stores/store.js';
import { createTestDatabase, DATABASES, type TestDatabase } from './helpers/databases.js';
import { client, type Reply } from './helpers/http.js';
import { startTestServer, type Authed, type Client, type TestServer } from './helpers/in-process.js';

const POLICY = `
defaults: { decision: ALLOW }
rules:
  - name: production-deploys
    match: { action_type: deploy, environment: production }
    decision: REQUIRE_APPROVAL
    approvers: [approvers]
  - name: production-migrations
    match: { action_type: migrate, environment: production }
    decision: REQUIRE_APPROVAL
    approvers: [approvers]
    require: 2
`;

const DEPLOY = { action_type: 'deploy', environment: 'production', summary: 'deploy v2.3.1' };
const KIB = 1024;

describe.each(DATABASES)('bad input on %s', (kind) => {
  let database: TestDatabase;
  let server: TestServer;
  let observer: Store;
  let bot: Authed;
  let revokedKey: string;
  let alice: Authed;
  let bob: Authed;
  let carol: Authed;
  let auditor: Authed;
  let admin: Authed;
  let anonymous: Client;

  /** Everything a refused request must leave untouched, read over a connection of its own. */
  async function snapshot() {
    const tenant = 'default';
    const actions = await observer.actions.list(tenant, { limit: 1000 });
    const approvals = await observer.approvals.list(tenant, { limit: 1000 });
    return {
      actions: actions.map((a) => ({ id: a.id, status: a.status, outcome: a.outcome })),
      approvals: approvals.map((a) => ({ id: a.id, status: a.status, version: a.version })),
      votes: await Promise.all(approvals.map(async (a) => (await observer.votes.listByApproval(tenant, a.id)).length)),
      grants: await Promise.all(actions.map(async (a) => (await observer.grants.getByAction(tenant, a.id))?.used_at ?? null)),
      users: (await observer.users.list(tenant)).length,
      keys: (await observer.keys.list(tenant)).map((k) => ({ id: k.id, revoked: k.revoked_at })),
      head: await observer.audit.head(tenant),
    };
  }

  /** Sends a bad request and checks the answer and that nothing changed. */
  async function refused(send: () => Promise<Reply>, status: number, code: string, field?: string): Promise<Reply> {
    const before = await snapshot();
    const reply = await send();
    expect(reply.status, JSON.stringify(reply.body)).toBe(status);
    expect(reply.body.error.code).toBe(code);
    expect(reply.body.error.message).toEqual(expect.any(String));
    if (field !== undefined) expect(reply.body.error.details?.field).toBe(field);
    expect(await snapshot()).toEqual(before);
    return reply;
  }

  /** A request with exactly these headers and body (no JSON defaults). */
  async function raw(method: string, path: string, headers: Record<string, string>, body?: string): Promise<Reply> {
    const response = await fetch(`${server.url}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
    const text = await response.text();
    return { status: response.status, body: text === '' ? undefined : JSON.parse(text), headers: response.headers };
  }
  const asBot = (headers: Record<string, string> = {}) => ({ authorization: `Bearer ${bot.token}`, ...headers });

  let requests = 0;
  /** A new request for people: numbered, since an action identical to a pending one is answered with that one. */
  async function pending(action: Record<string, unknown> = DEPLOY) {
    const reply = await bot('POST', '/v1/actions', { ...action, request: ++requests });
    expect(reply.body.status).toBe('pending');
    return { id: reply.body.id as string, approvalId: reply.body.approval.id as string, digest: reply.body.digest as string };
  }

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    server = await startTestServer(database.url, { 'policy.yaml': POLICY });
    observer = await openStore(database.url);
    anonymous = client(server.url);
    admin = await server.person('admin', 'admin');
    alice = await server.person('alice', 'approver', { groups: ['approvers'] });
    bob = await server.person('bob', 'approver', { groups: ['approvers'] });
    carol = await server.person('carol', 'approver', { groups: ['approvers'] });
    auditor = await server.person('audrey', 'auditor');
    bot = await server.agent('deploy-bot');
    const revoked = await server.agent('deploy-bot');
    await server.services.auth.revokeKey(revoked.keyId);
    revokedKey = revoked.token;
  });

  afterAll(async () => {
    await observer?.close();
    await server?.close();
    await database?.drop();
  });

  describe('bodies that are not a JSON object', () => {
    it('refuses malformed JSON', async () => {
      await refused(() => bot('POST', '/v1/actions', '{"action_type": "deploy",'), 400, 'request.invalid', 'body');
      await refused(() => alice('POST', '/v1/approvals/apr_x/votes', '{verdict: approve}'), 400, 'request.invalid', 'body');
    });

    it('refuses an empty body', async () => {
      await refused(() => raw('POST', '/v1/actions', asBot({ 'content-type': 'application/json' }), ''), 400, 'request.invalid', 'body');
      // With no body at all, the decision service answers: an action must be a JSON object.
      await refused(() => raw('POST', '/v1/actions', asBot()), 400, 'action.invalid', 'body');
    });

    it.each([
      ['a list', '[]'],
      ['a string', '"deploy"'],
      ['null', 'null'],
    ])('refuses %s as a vote or an outcome', async (_name, body) => {
      await refused(() => alice('POST', '/v1/approvals/apr_x/votes', body), 400, 'request.invalid', 'body');
      await refused(() => bot('POST', '/v1/actions/act_x/outcome', body), 400, 'request.invalid', 'body');
    });

    // BUG: the route's `type: object` schema answers first, so the action check's own
    // `action.invalid` (the code the kernel gives a non-object action) is never reached.
    it.each([
      ['a list', '[{"action_type": "deploy"}]'],
      ['a string', '"deploy"'],
      ['null', 'null'],
    ])('refuses %s as an action with action.invalid', async (_name, body) => {
      await refused(() => bot('POST', '/v1/actions', body), 400, 'action.invalid', 'body');
    });

    it.each([
      ['__proto__', '{"action_type": "deploy", "__proto__": {"admin": true}}'],
      ['constructor.prototype', '{"action_type": "deploy", "constructor": {"prototype": {"admin": true}}}'],
    ])('refuses a body that sets %s', async (_name, body) => {
      await refused(() => bot('POST', '/v1/actions', body), 400, 'request.invalid', 'body');
    });

    it('refuses a body that is not JSON by its content type', async () => {
      const xml = asBot({ 'content-type': 'application/xml' });
      await refused(() => raw('POST', '/v1/actions', xml, '<action type="deploy"/>'), 415, 'request.unsupported_media_type');
      const form = asBot({ 'content-type': 'application/x-www-form-urlencoded' });
      await refused(() => raw('POST', '/v1/actions', form, 'action_type=deploy'), 415, 'request.unsupported_media_type');
    });

    // BUG: Fastify's built-in text/plain parser turns the body into a string, so a JSON object sent
    // as text/plain is refused as "`body` must be object" (400) instead of the unsupported media type.
    it('refuses JSON sent as text/plain as an unsupported media type', async () => {
      const text = asBot({ 'content-type': 'text/plain' });
      await refused(() => raw('POST', '/v1/actions', text, JSON.stringify(DEPLOY)), 415, 'request.unsupported_media_type');
    });
  });

  describe('actions', () => {
    it.each([
      ['action_type', { ...DEPLOY, action_type: 5 }],
      ['action_type', { environment: 'production' }],
      ['action_type', { ...DEPLOY, action_type: '' }],
      ['environment', { ...DEPLOY, environment: ['production'] }],
      ['confidence', { ...DEPLOY, confidence: 2 }],
      ['confidence', { ...DEPLOY, confidence: '0.5' }],
      ['signals', { ...DEPLOY, signals: 5 }],
      ['context', { ...DEPLOY, context: 'see the diff' }],
      ['reversible', { ...DEPLOY, reversible: 'yes' }],
      ['idempotency_key', { ...DEPLOY, idempotency_key: '' }],
      ['idempotency_key', { ...DEPLOY, idempotency_key: 7 }],
      ['agent', { ...DEPLOY, agent: 'billing-bot' }],
      ['action', { ...DEPLOY, action: 'rollback' }],
      ['revision_of', { ...DEPLOY, revision_of: 5 }],
      ['signals', { ...DEPLOY, signals: ['conflicting', 5] }],
      ['idempotency_key', { ...DEPLOY, idempotency_key: 'k'.repeat(201) }],
    ])('refuses a bad `%s`', async (field, action) => {
      await refused(() => bot('POST', '/v1/actions', action), 400, 'action.invalid', field);
    });

    it('refuses a revision of an action that is not waiting for one', async () => {
      const allowed = await bot('POST', '/v1/actions', { action_type: 'deploy', environment: 'staging' });
      expect(allowed.body.status).toBe('allowed');
      const { id: pendingId } = await pending();
      for (const original of [allowed.body.id, pendingId, 'act_unknown']) {
        await refused(() => bot('POST', '/v1/actions', { ...DEPLOY, revision_of: original }), 400, 'action.invalid', 'revision_of');
      }
    });

    it('refuses an action over 256 KiB though other bodies may be larger', async () => {
      const big = { ...DEPLOY, diff: 'x'.repeat(300 * KIB) };
      await refused(() => bot('POST', '/v1/actions', big), 413, 'request.too_large');
      const huge = { ...DEPLOY, diff: 'x'.repeat(1100 * KIB) };
      await refused(() => bot('POST', '/v1/actions', huge), 413, 'request.too_large');
      // The same 300 KiB is under the general limit: refused for its content, not its size.
      const { approvalId } = await pending();
      await refused(
        () => alice('POST', `/v1/approvals/${approvalId}/votes`, { verdict: 'approve', note: 'x'.repeat(300 * KIB) }),
        400,
        'request.invalid',
        'body.note',
      );
    });

    it('refuses other bodies over 1 MiB', async () => {
      const note = 'x'.repeat(1100 * KIB);
      await refused(() => alice('POST', '/v1/approvals/apr_x/votes', { verdict: 'approve', note }), 413, 'request.too_large');
      await refused(() => bot('POST', '/v1/actions/act_x/outcome', { status: 'succeeded', detail: note }), 413, 'request.too_large');
      await refused(() => anonymous('POST', '/v1/auth/login', { name: 'alice', password: note }), 413, 'request.too_large');
      await refused(() => bot('POST', '/v1/grants/redeem', { grant: note, digest: 'sha256:0' }), 413, 'request.too_large');
    });
  });

  describe('unknown fields, wrong types and wrong enums in other bodies', () => {
    it('refuses unknown fields in votes, outcomes, logins and grants', async () => {
      const { approvalId } = await pending();
      await refused(
        () => alice('POST', `/v1/approvals/${approvalId}/votes`, { verdict: 'approve', aproved_by: 'alice' }),
        400,
        'request.invalid',
        'body.aproved_by',
      );
      const allowed = await bot('POST', '/v1/actions', { action_type: 'deploy', environment: 'staging' });
      await refused(
        () => bot('POST', `/v1/actions/${allowed.body.id}/outcome`, { status: 'succeeded', undo: 'rollback' }),
        400,
        'request.invalid',
        'body.undo',
      );
      await refused(
        () => anonymous('POST', '/v1/auth/login', { name: 'alice', password: 'alice-password', remember: true }),
        400,
        'request.invalid',
        'body.remember',
      );
      await refused(
        () => bot('POST', '/v1/grants/redeem', { grant: 'grt_x.y', digest: 'sha256:0', action_id: 'act_x' }),
        400,
        'request.invalid',
        'body.action_id',
      );
    });

    it('refuses wrong enums and wrong types', async () => {
      const { approvalId } = await pending();
      const vote = (body: unknown) => () => alice('POST', `/v1/approvals/${approvalId}/votes`, body);
      await refused(vote({ verdict: 'maybe' }), 400, 'request.invalid', 'body.verdict');
      await refused(vote({ verdict: 'approve', note: 5 }), 400, 'request.invalid', 'body.note');
      await refused(vote({ verdict: 'approve', digest: 5 }), 400, 'request.invalid', 'body.digest');
      const allowed = await bot('POST', '/v1/actions', { action_type: 'deploy', environment: 'staging' });
      await refused(() => bot('POST', `/v1/actions/${allowed.body.id}/outcome`, { status: 'done' }), 400, 'request.invalid', 'body.status');
      await refused(
        () => bot('POST', `/v1/actions/${allowed.body.id}/outcome`, { status: 'failed', compensation: 'rollback' }),
        400,
        'request.invalid',
        'body.compensation',
      );
      await refused(() => bot('POST', '/v1/grants/redeem', { grant: 5, digest: 'sha256:0' }), 400, 'request.invalid', 'body.grant');
    });

    // BUG: a missing required property is reported as `details.field: "body"`; the error handler names
    // unknown properties (`additionalProperty`) but not missing ones (`missingProperty`).
    it('names the missing field of a vote', async () => {
      const { approvalId } = await pending();
      await refused(() => alice('POST', `/v1/approvals/${approvalId}/votes`, { note: 'fine' }), 400, 'request.invalid', 'body.verdict');
    });

    it('refuses a login without a password or with a wrong one', async () => {
      await refused(() => anonymous('POST', '/v1/auth/login', { name: 'alice' }), 400, 'request.invalid');
      await refused(
        () => anonymous('POST', '/v1/auth/login', { name: 'alice', password: 'wrong-password' }),
        401,
        'auth.invalid_credentials',
      );
    });
  });

  describe('query strings', () => {
    it.each([
      ['POST', '/v1/actions?wait=abc', 'querystring.wait'],
      ['POST', '/v1/actions?wait=61', 'querystring.wait'],
      ['POST', '/v1/actions?wait=-1', 'querystring.wait'],
      ['POST', '/v1/actions?colour=red', 'querystring.colour'],
    ])('refuses %s %s', async (method, path, field) => {
      await refused(() => bot(method, path, DEPLOY), 400, 'request.invalid', field);
    });

    it.each([
      ['/v1/actions?limit=0', 'querystring.limit'],
      ['/v1/actions?limit=abc', 'querystring.limit'],
      ['/v1/approvals?limit=0', 'querystring.limit'],
      ['/v1/approvals?limit=1001', 'querystring.limit'],
      ['/v1/approvals?status=maybe', 'querystring.status'],
      ['/v1/audit?after=-1', 'querystring.after'],
    ])('refuses GET %s', async (path, field) => {
      await refused(() => admin('GET', path), 400, 'request.invalid', field);
    });

    // BUG: the approvals list checks `status` values, the actions list does not: an unknown status
    // is answered 200 with an empty list, as if no action had it.
    it('refuses an unknown action status', async () => {
      await refused(() => admin('GET', '/v1/actions?status=aproved'), 400, 'request.invalid', 'querystring.status');
    });

    // BUG: half an anchor is ignored and the chain reported `ok` without the truncation check the
    // auditor asked for (`tollgate audit verify` refuses the same input as a usage error).
    it.each([['anchor_seq=3'], [`anchor_hash=${'a'.repeat(64)}`]])('refuses half an anchor (%s)', async (query) => {
      await refused(() => admin('GET', `/v1/audit/verify?${query}`), 400, 'request.invalid');
    });

    it('refuses a bad wait when reading an action', async () => {
      const { id } = await pending();
      await refused(() => bot('GET', `/v1/actions/${id}?wait=abc`), 400, 'request.invalid', 'querystring.wait');
    });
  });

  describe('credentials and roles', () => {
    it.each([
      ['no credentials', {}, 'auth.required'],
      ['a bearer header without a token', { authorization: 'Bearer' }, 'auth.required'],
      ['a basic header', { authorization: 'Basic ZGVwbG95LWJvdDpzZWNyZXQ=' }, 'auth.required'],
      ['an unknown key', { authorization: 'Bearer tg_key_0000000000000000000000000000' }, 'auth.invalid_key'],
      ['an unknown session', { authorization: 'Bearer tg_ses_0000000000000000000000000000' }, 'auth.required'],
      ['a token of no known kind', { authorization: 'Bearer hunter2' }, 'auth.required'],
    ])('refuses %s with 401', async (_name, headers, code) => {
      await refused(
        () => raw('POST', '/v1/actions', { 'content-type': 'application/json', ...headers }, JSON.stringify(DEPLOY)),
        401,
        code,
      );
      await refused(() => raw('GET', '/v1/approvals', headers), 401, code);
    });

    it('refuses a revoked key', async () => {
      const headers = { 'content-type': 'application/json', authorization: `Bearer ${revokedKey}` };
      await refused(() => raw('POST', '/v1/actions', headers, JSON.stringify(DEPLOY)), 401, 'auth.invalid_key');
    });

    it('keeps agents off people’s endpoints', async () => {
      const { id, approvalId } = await pending();
      await refused(() => bot('GET', '/v1/approvals'), 403, 'auth.forbidden');
      await refused(() => bot('GET', `/v1/approvals/${approvalId}`), 403, 'auth.forbidden');
      await refused(() => bot('POST', `/v1/approvals/${approvalId}/votes`, { verdict: 'approve' }), 403, 'auth.forbidden');
      await refused(() => bot('GET', '/v1/actions'), 403, 'auth.forbidden');
      await refused(() => bot('GET', '/v1/audit'), 403, 'auth.forbidden');
      await refused(() => bot('POST', '/v1/policy/reload'), 403, 'auth.forbidden');
      await refused(() => bot('GET', '/v1/auth/me'), 403, 'auth.forbidden');
      expect((await bot('GET', `/v1/actions/${id}`)).status).toBe(200);
    });

    it('keeps people off agents’ endpoints', async () => {
      const allowed = await bot('POST', '/v1/actions', { action_type: 'deploy', environment: 'staging' });
      await refused(() => alice('POST', '/v1/actions', DEPLOY), 403, 'auth.forbidden');
      await refused(() => alice('POST', `/v1/actions/${allowed.body.id}/outcome`, { status: 'succeeded' }), 403, 'auth.forbidden');
      await refused(() => alice('POST', '/v1/grants/redeem', { grant: 'grt_x.y', digest: 'sha256:0' }), 403, 'auth.forbidden');
    });

    it('keeps one agent off another agent’s actions and grants', async () => {
      const other = await server.agent('billing-bot');
      const { id, approvalId } = await pending();
      await refused(() => other('GET', `/v1/actions/${id}`), 404, 'action.not_found');
      await refused(() => other('POST', `/v1/actions/${id}/outcome`, { status: 'succeeded' }), 404, 'action.not_found');
      await alice('POST', `/v1/approvals/${approvalId}/votes`, { verdict: 'approve' });
      const grant = (await bot('GET', `/v1/actions/${id}`)).body.grant;
      expect((await other('GET', `/v1/actions/${id}`)).body.grant).toBeUndefined();
      // The grant is taken inside the transaction that then finds the wrong agent: it must roll back.
      await refused(() => other('POST', '/v1/grants/redeem', { grant: grant.token, digest: grant.digest }), 404, 'grant.not_found');
      expect((await bot('POST', '/v1/grants/redeem', { grant: grant.token, digest: grant.digest })).status).toBe(200);
    });

    it('refuses a vote by a person who is not an approver of the request', async () => {
      const outsider = await server.person('dave', 'approver', { groups: ['finance'] });
      const { approvalId } = await pending();
      await refused(() => outsider('POST', `/v1/approvals/${approvalId}/votes`, { verdict: 'approve' }), 403, 'approval.not_eligible');
    });

    it('keeps approvers and auditors to their roles', async () => {
      const { approvalId } = await pending();
      await refused(() => auditor('POST', `/v1/approvals/${approvalId}/votes`, { verdict: 'approve' }), 403, 'auth.forbidden');
      await refused(() => alice('GET', '/v1/audit'), 403, 'auth.forbidden');
      await refused(() => alice('POST', '/v1/policy/reload'), 403, 'auth.forbidden');
      await refused(() => auditor('POST', '/v1/policy/reload'), 403, 'auth.forbidden');
      expect((await auditor('GET', `/v1/approvals/${approvalId}`)).status).toBe(200);
    });

    it('refuses a cookie-authenticated change without the CSRF header', async () => {
      const { approvalId } = await pending();
      const cookie = { cookie: `tollgate_session=${encodeURIComponent(alice.token)}`, 'content-type': 'application/json' };
      const vote = JSON.stringify({ verdict: 'approve', note: 'looks right' });
      await refused(() => raw('POST', `/v1/approvals/${approvalId}/votes`, cookie, vote), 403, 'auth.forbidden');
      await refused(
        () => raw('POST', `/v1/approvals/${approvalId}/votes`, { ...cookie, 'x-tollgate-csrf': 'yes' }, vote),
        403,
        'auth.forbidden',
      );
      await refused(() => raw('POST', '/v1/auth/logout', cookie, '{}'), 403, 'auth.forbidden');
      expect((await raw('GET', '/v1/auth/me', cookie)).status).toBe(200);
      const accepted = await raw('POST', `/v1/approvals/${approvalId}/votes`, { ...cookie, 'x-tollgate-csrf': '1' }, vote);
      expect(accepted.status).toBe(201);
    });
  });

  describe('votes that break the rules', () => {
    it('refuses self-approval through requested_by', async () => {
      const { approvalId } = await pending({ ...DEPLOY, requested_by: 'carol' });
      await refused(() => carol('POST', `/v1/approvals/${approvalId}/votes`, { verdict: 'approve' }), 403, 'approval.self_approval');
    });

    it('refuses a double vote and a vote on a decided request', async () => {
      const migration = await pending({ action_type: 'migrate', environment: 'production' });
      const first = await alice('POST', `/v1/approvals/${migration.approvalId}/votes`, { verdict: 'approve' });
      expect(first.body).toMatchObject({ status: 'pending', require: 2 });
      await refused(
        () => alice('POST', `/v1/approvals/${migration.approvalId}/votes`, { verdict: 'approve' }),
        409,
        'approval.already_voted',
      );
      await refused(
        () => alice('POST', `/v1/approvals/${migration.approvalId}/votes`, { verdict: 'deny', note: 'changed my mind' }),
        409,
        'approval.already_voted',
      );

      const deploy = await pending();
      expect((await alice('POST', `/v1/approvals/${deploy.approvalId}/votes`, { verdict: 'approve' })).body.status).toBe('approved');
      await refused(() => bob('POST', `/v1/approvals/${deploy.approvalId}/votes`, { verdict: 'approve' }), 409, 'approval.closed');
      await refused(
        () => bob('POST', `/v1/approvals/${deploy.approvalId}/votes`, { verdict: 'deny', note: 'too late' }),
        409,
        'approval.closed',
      );
    });

    it('refuses a denial or a request for changes without a note', async () => {
      const { approvalId } = await pending();
      const vote = (body: unknown) => () => alice('POST', `/v1/approvals/${approvalId}/votes`, body);
      await refused(vote({ verdict: 'deny' }), 400, 'vote.invalid', 'note');
      await refused(vote({ verdict: 'deny', note: '   ' }), 400, 'vote.invalid', 'note');
      await refused(vote({ verdict: 'request_changes' }), 400, 'vote.invalid', 'note');
      await refused(
        vote({ verdict: 'approve', modifications: { replicas: 2 } }),
        400,
        'approval.modification_refused',
        'modifications.replicas',
      );
    });

    it('refuses a vote on a stale digest', async () => {
      const { approvalId, digest } = await pending();
      const stale = `sha256:${'0'.repeat(64)}`;
      expect(stale).not.toBe(digest);
      await refused(
        () => alice('POST', `/v1/approvals/${approvalId}/votes`, { verdict: 'approve', digest: stale }),
        409,
        'approval.stale_digest',
        'digest',
      );
    });

    it('refuses a vote on an unknown request', async () => {
      await refused(() => alice('POST', '/v1/approvals/apr_unknown/votes', { verdict: 'approve' }), 404, 'approval.not_found');
    });
  });

  describe('grants, outcomes and idempotency', () => {
    it('refuses a grant reused or used for another digest', async () => {
      const first = await pending();
      const second = await pending({ ...DEPLOY, summary: 'deploy v2.3.2' });
      await alice('POST', `/v1/approvals/${first.approvalId}/votes`, { verdict: 'approve' });
      const grant = (await bot('GET', `/v1/actions/${first.id}`)).body.grant;
      expect(grant.digest).toBe(first.digest);
      await refused(
        () => bot('POST', '/v1/grants/redeem', { grant: grant.token, digest: second.digest }),
        409,
        'grant.digest_mismatch',
        'digest',
      );
      await refused(
        () => bot('POST', '/v1/grants/redeem', { grant: `${grant.token}x`, digest: grant.digest }),
        404,
        'grant.not_found',
        'grant',
      );
      expect((await bot('POST', '/v1/grants/redeem', { grant: grant.token, digest: grant.digest })).status).toBe(200);
      await refused(() => bot('POST', '/v1/grants/redeem', { grant: grant.token, digest: grant.digest }), 409, 'grant.used', 'grant');
    });

    it('refuses an outcome reported twice or for an action that may not run', async () => {
      const allowed = await bot('POST', '/v1/actions', { action_type: 'deploy', environment: 'staging' });
      expect((await bot('POST', `/v1/actions/${allowed.body.id}/outcome`, { status: 'succeeded' })).status).toBe(200);
      await refused(() => bot('POST', `/v1/actions/${allowed.body.id}/outcome`, { status: 'failed' }), 409, 'action.outcome_reported');

      const waiting = await pending();
      await refused(() => bot('POST', `/v1/actions/${waiting.id}/outcome`, { status: 'succeeded' }), 409, 'action.not_approved');
      // Approved but its grant not redeemed: executing it now would skip the digest check.
      await alice('POST', `/v1/approvals/${waiting.approvalId}/votes`, { verdict: 'approve' });
      await refused(() => bot('POST', `/v1/actions/${waiting.id}/outcome`, { status: 'succeeded' }), 409, 'action.not_approved');
      await refused(() => bot('POST', '/v1/actions/act_unknown/outcome', { status: 'succeeded' }), 404, 'action.not_found');
    });

    it('answers a repeated idempotency key with the same action and refuses it for another', async () => {
      const action = { action_type: 'deploy', environment: 'staging', idempotency_key: 'release-231' };
      const first = await bot('POST', '/v1/actions', action);
      expect(first.status).toBe(201);
      const before = await snapshot();
      const again = await bot('POST', '/v1/actions', { environment: 'staging', idempotency_key: 'release-231', action_type: 'deploy' });
      expect(again.body).toMatchObject({ id: first.body.id, decision: 'ALLOW', digest: first.body.digest });
      expect(await snapshot()).toEqual(before);
      const conflict = await refused(
        () => bot('POST', '/v1/actions', { ...action, environment: 'production' }),
        409,
        'action.conflict',
        'idempotency_key',
      );
      expect(conflict.body.error.details.action_id).toBe(first.body.id);
    });
  });

  describe('the same request twice at once', () => {
    it('counts one of two simultaneous identical votes', async () => {
      const { approvalId } = await pending({ action_type: 'migrate', environment: 'production' });
      const replies = await Promise.all([1, 2].map(() => bob('POST', `/v1/approvals/${approvalId}/votes`, { verdict: 'approve' })));
      expect(replies.map((r) => r.status).sort()).toEqual([201, 409]);
      expect(replies.find((r) => r.status === 409)!.body.error.code).toBe('approval.already_voted');
      const approval = await bob('GET', `/v1/approvals/${approvalId}`);
      expect(approval.body).toMatchObject({ status: 'pending', votes: [{ verdict: 'approve' }] });
    });

    it('redeems a grant once when it is redeemed twice at once', async () => {
      const { id, approvalId } = await pending();
      await alice('POST', `/v1/approvals/${approvalId}/votes`, { verdict: 'approve' });
      const grant = (await bot('GET', `/v1/actions/${id}`)).body.grant;
      const body = { grant: grant.token, digest: grant.digest };
      const replies = await Promise.all([1, 2, 3].map(() => bot('POST', '/v1/grants/redeem', body)));
      expect(replies.map((r) => r.status).sort()).toEqual([200, 409, 409]);
      const used = (await admin('GET', `/v1/audit?type=grant.used&subject=${id}`)).body.events;
      expect(used).toHaveLength(1);
    });

    it('stores one action for simultaneous submissions with one idempotency key', async () => {
      const action = { action_type: 'deploy', environment: 'production', idempotency_key: 'release-240' };
      const replies = await Promise.all([1, 2, 3].map(() => bot('POST', '/v1/actions', action)));
      expect(replies.map((r) => r.status)).toEqual([201, 201, 201]);
      expect(new Set(replies.map((r) => r.body.id)).size).toBe(1);
      const approvals = (await admin('GET', '/v1/approvals?limit=1000')).body.approvals;
      expect(approvals.filter((a: { action_id: string }) => a.action_id === replies[0]!.body.id)).toHaveLength(1);
    });
  });

  describe('paths', () => {
    it('refuses an id longer than any id', async () => {
      await refused(() => bot('GET', `/v1/actions/act_${'x'.repeat(80)}`), 400, 'request.invalid', 'params.id');
    });

    // Past the router's limit (100 characters) the router answers 414 itself, in our error format.
    it('refuses a very long id in the error format', async () => {
      await refused(() => bot('GET', `/v1/actions/act_${'x'.repeat(200)}`), 414, 'request.invalid', 'url');
    });

    // A path that is not valid percent-encoding is refused before routing, in our error format too.
    it('refuses a path that is not valid percent-encoding in the error format', async () => {
      await refused(() => bot('GET', '/v1/actions/act_%E0%A4%A'), 400, 'request.invalid');
    });

    it.each([
      ['GET', '/v1/nothing'],
      ['GET', '/v2/actions'],
      ['DELETE', '/v1/actions/act_x'],
      ['POST', '/v1/approvals'],
      ['PUT', '/v1/approvals/apr_x/votes'],
      ['POST', '/v1/actions/act_x/explode'],
    ])('answers %s %s with request.not_found', async (method, path) => {
      const body = method === 'GET' || method === 'DELETE' ? undefined : '{}';
      const headers = asBot(body === undefined ? {} : { 'content-type': 'application/json' });
      await refused(() => raw(method, path, headers, body), 404, 'request.not_found');
    });

    it('answers an unknown id with its own not_found code', async () => {
      await refused(() => bot('GET', '/v1/actions/act_unknown'), 404, 'action.not_found');
      await refused(() => alice('GET', '/v1/approvals/apr_unknown'), 404, 'approval.not_found');
    });
  });
});
