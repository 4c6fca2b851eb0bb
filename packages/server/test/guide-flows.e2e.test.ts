// The guide's examples end to end against a real `tollgate serve` process over real HTTP, on
// SQLite and on PostgreSQL: an allowed action, an approval executed once with its grant, a
// denial, and a request for changes answered by a revision.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, DATABASES, type TestDatabase } from './helpers/databases.js';
import { client } from './helpers/http.js';
import { BIN, printedLogin, REPO, startServerProcess, type ServerProcess } from './helpers/server-process.js';

const run = promisify(execFile);
const tollgate = (...args: string[]) => run(process.execPath, [BIN, ...args], { cwd: REPO });

describe.each(DATABASES)('the guide end to end on %s', (kind) => {
  let database: TestDatabase;
  let server: ServerProcess;
  let admin: ReturnType<typeof client>;
  const people: Record<string, ReturnType<typeof client>> = {};
  const agents: Record<string, ReturnType<typeof client>> = {};

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    server = await startServerProcess({ db: database.url, policy: 'examples/guide' });
    const login = printedLogin(server.output());
    const session = await client(server.url)('POST', '/v1/auth/login', login);
    expect(session.status).toBe(200);
    admin = client(server.url, session.body.token);
    for (const name of ['alice', 'bob', 'carol']) {
      await tollgate(
        'users',
        'add',
        '--db',
        database.url,
        '--name',
        name,
        '--password',
        `${name}-password`,
        '--role',
        'approver',
        '--group',
        'approvers',
      );
      const reply = await client(server.url)('POST', '/v1/auth/login', { name, password: `${name}-password` });
      people[name] = client(server.url, reply.body.token);
    }
    for (const agent of ['deploy-bot', 'billing-bot', 'data-bot']) {
      const { stdout } = await tollgate('keys', 'create', '--db', database.url, '--agent', agent);
      agents[agent] = client(server.url, stdout.trim());
    }
  });

  afterAll(async () => {
    await server?.stop();
    await database?.drop();
  });

  it('allows a staging deploy at once and records its outcome', async () => {
    const submitted = await agents['deploy-bot']!('POST', '/v1/actions', {
      action_type: 'deploy',
      environment: 'staging',
      summary: 'deploy v2.3.1',
    });
    expect(submitted.status).toBe(201);
    expect(submitted.body).toMatchObject({ decision: 'ALLOW', status: 'allowed', agent: 'deploy-bot' });
    expect(submitted.body.policy_version).toMatch(/^sha256:/);
    const outcome = await agents['deploy-bot']!('POST', `/v1/actions/${submitted.body.id}/outcome`, {
      status: 'succeeded',
      detail: 'rolled out',
    });
    expect(outcome.status).toBe(200);
    expect(outcome.body.status).toBe('executed');
  });

  it('holds a production deploy for approval, then executes it once with its grant', async () => {
    const action = { action_type: 'deploy', environment: 'production', summary: 'deploy v2.3.1', requested_by: 'carol' };
    const submitted = await agents['deploy-bot']!('POST', '/v1/actions', action);
    expect(submitted.body).toMatchObject({ decision: 'REQUIRE_APPROVAL', status: 'pending' });
    expect(submitted.body.reasons.map((r: { name: string }) => r.name)).toEqual(['production-approval']);
    const approvalId = submitted.body.approval.id as string;

    // The agent waits for people; the person who asked for the deploy cannot approve it.
    const waiting = agents['deploy-bot']!('GET', `/v1/actions/${submitted.body.id}?wait=10`);
    const self = await people.carol!('POST', `/v1/approvals/${approvalId}/votes`, { verdict: 'approve' });
    expect(self.status).toBe(403);
    expect(self.body.error.code).toBe('approval.self_approval');
    const vote = await people.alice!('POST', `/v1/approvals/${approvalId}/votes`, { verdict: 'approve', note: 'diff reviewed' });
    expect(vote.status).toBe(201);
    expect(vote.body.status).toBe('approved');

    const answered = await waiting;
    expect(answered.body.status).toBe('approved');
    const grant = answered.body.grant;
    expect(grant.digest).toBe(submitted.body.digest);

    const wrong = await agents['deploy-bot']!('POST', '/v1/grants/redeem', { grant: grant.token, digest: 'sha256:0000' });
    expect(wrong.body.error.code).toBe('grant.digest_mismatch');
    const redeemed = await agents['deploy-bot']!('POST', '/v1/grants/redeem', { grant: grant.token, digest: grant.digest });
    expect(redeemed.status).toBe(200);
    const again = await agents['deploy-bot']!('POST', '/v1/grants/redeem', { grant: grant.token, digest: grant.digest });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('grant.used');
    const outcome = await agents['deploy-bot']!('POST', `/v1/actions/${submitted.body.id}/outcome`, { status: 'succeeded' });
    expect(outcome.body.status).toBe('executed');
  });

  it('denies a large payment when a person denies it with a reason', async () => {
    const submitted = await agents['billing-bot']!('POST', '/v1/actions', {
      action_type: 'transfer',
      capability: 'payment',
      amount_usd: 25000,
      environment: 'staging',
    });
    expect(submitted.body).toMatchObject({ decision: 'REQUIRE_APPROVAL' });
    expect(submitted.body.reasons[0].name).toBe('large-transactions');
    const approvalId = submitted.body.approval.id as string;
    const noReason = await people.bob!('POST', `/v1/approvals/${approvalId}/votes`, { verdict: 'deny' });
    expect(noReason.status).toBe(400);
    expect(noReason.body.error.code).toBe('vote.invalid');
    const denied = await people.bob!('POST', `/v1/approvals/${approvalId}/votes`, {
      verdict: 'deny',
      note: 'vendor not on the approved list',
    });
    expect(denied.body.status).toBe('denied');
    const seen = await agents['billing-bot']!('GET', `/v1/actions/${submitted.body.id}`);
    expect(seen.body.status).toBe('denied');
    expect(seen.body.approval.resolution).toBe('vendor not on the approved list');
    expect(seen.body.grant).toBeUndefined();
    const outcome = await agents['billing-bot']!('POST', `/v1/actions/${submitted.body.id}/outcome`, { status: 'succeeded' });
    expect(outcome.body.error.code).toBe('action.not_approved');
  });

  it('sends a bulk update back for changes and allows the smaller revision', async () => {
    const submitted = await agents['data-bot']!('POST', '/v1/actions', {
      action_type: 'update',
      environment: 'staging',
      affected_records: 5000,
    });
    expect(submitted.body.decision).toBe('REQUIRE_APPROVAL');
    const feedback = 'split it into batches of at most 1000 records';
    const changes = await people.alice!('POST', `/v1/approvals/${submitted.body.approval.id}/votes`, {
      verdict: 'request_changes',
      note: feedback,
    });
    expect(changes.body.status).toBe('changes_requested');
    const seen = await agents['data-bot']!('GET', `/v1/actions/${submitted.body.id}`);
    expect(seen.body.status).toBe('changes_requested');
    expect(seen.body.approval.resolution).toBe(feedback);
    const revision = await agents['data-bot']!('POST', '/v1/actions', {
      action_type: 'update',
      environment: 'staging',
      affected_records: 900,
      revision_of: submitted.body.id,
    });
    expect(revision.status).toBe(201);
    expect(revision.body).toMatchObject({ decision: 'ALLOW', revision_of: submitted.body.id });
  });

  it('keeps a verifiable audit trail of all of it', async () => {
    const verify = await admin('GET', '/v1/audit/verify');
    expect(verify.body.ok).toBe(true);
    const events = await admin('GET', '/v1/audit?limit=1000');
    const types = new Set(events.body.events.map((event: { type: string }) => event.type));
    for (const type of [
      'action.decided',
      'approval.requested',
      'vote.cast',
      'approval.decided',
      'grant.issued',
      'grant.used',
      'action.outcome',
      'user.created',
      'key.created',
    ]) {
      expect(types).toContain(type);
    }
    const { stdout } = await tollgate('audit', 'verify', '--db', database.url);
    expect(stdout).toMatch(/^ok: \d+ events/);
  });
});
