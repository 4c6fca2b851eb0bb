// The guards over real HTTP, for API keys answered from memory (looked up moments ago) as for
// those looked up: the same answers, and a revoked key refused at once.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/helpers/in-process.js';

const POLICY = { 'policy.yaml': 'defaults: { decision: ALLOW }\n' };
const DEPLOY = { action_type: 'deploy', environment: 'staging', service: 'checkout' };

describe('guards with keys known from a recent lookup', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer(join(mkdtempSync(join(tmpdir(), 'tollgate-guards-')), 'tollgate.db'), POLICY);
  });

  afterAll(async () => {
    await server?.close();
  });

  it('admits a key each time, refuses it on people’s endpoints, and refuses it at once when revoked', async () => {
    const bot = await server.agent('deploy-bot');
    for (let i = 0; i < 3; i++) expect((await bot('POST', '/v1/actions', DEPLOY)).status).toBe(201);
    const forbidden = await bot('GET', '/v1/actions');
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.error.code).toBe('auth.forbidden');
    await server.services.auth.revokeKey(bot.keyId);
    const revoked = await bot('POST', '/v1/actions', DEPLOY);
    expect(revoked.status).toBe(401);
    expect(revoked.body.error.code).toBe('auth.invalid_key');
  });

  it('refuses a person on agents’ endpoints, by token or by cookie without the CSRF header', async () => {
    const alice = await server.person('alice', 'approver');
    const byToken = await alice('POST', '/v1/actions', DEPLOY);
    expect([byToken.status, byToken.body.error.code]).toEqual([403, 'auth.forbidden']);
    const byCookie = await fetch(`${server.url}/v1/actions`, {
      method: 'POST',
      headers: { cookie: `tollgate_session=${alice.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(DEPLOY),
    });
    expect(byCookie.status).toBe(403);
    expect(((await byCookie.json()) as { error: { message: string } }).error.message).toContain('x-tollgate-csrf');
  });
});
