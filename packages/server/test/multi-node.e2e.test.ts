// Several server processes on one PostgreSQL: an agent waiting on node A is answered when a
// person approves on node B, live events reach people on every node, and a policy reloaded on
// one node is reloaded on the others; failed sign-ins for a name count on every node alike.

import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveConfig } from '../src/config/config.js';
import { startServer, type RunningServer } from '../src/server/start.js';
import { createTestDatabase, type TestDatabase } from './helpers/databases.js';
import { client } from './helpers/http.js';
import { LOGIN_FAILURES_PER_NAME } from '../src/services/auth-service.js';

const POLICY = `
defaults: { decision: ALLOW }
rules:
  - name: production-deploys
    match: { action_type: deploy, environment: production }
    decision: REQUIRE_APPROVAL
`;

describe('two nodes on one PostgreSQL', () => {
  let database: TestDatabase;
  let policyDir: string;
  let a: RunningServer;
  let b: RunningServer;
  let agentOnA: ReturnType<typeof client>;
  let adminOnA: ReturnType<typeof client>;
  let adminOnB: ReturnType<typeof client>;
  let token: string;

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    const folder = mkdtempSync(join(tmpdir(), 'tollgate-nodes-'));
    policyDir = join(folder, 'policy');
    mkdirSync(policyDir);
    writeFileSync(join(policyDir, 'policy.yaml'), POLICY);
    const config = serveConfig(
      { db: database.url, policy: policyDir, port: 0, rateLimit: 0 },
      { TOLLGATE_SECRET: 'shared-secret-of-the-deployment' },
    );
    a = await startServer(config, { logger: false, watchPolicy: false, timerIntervalMs: 0 });
    b = await startServer(config, { logger: false, watchPolicy: false, timerIntervalMs: 0 });
    await a.services.auth.addUser({ name: 'ada', password: 'ada-password', role: 'admin' });
    token = (await client(a.url)('POST', '/v1/auth/login', { name: 'ada', password: 'ada-password' })).body.token;
    adminOnA = client(a.url, token);
    adminOnB = client(b.url, token);
    agentOnA = client(a.url, (await a.services.auth.createKey('deploy-bot')).secret);
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await database?.drop();
  });

  it('answers an agent waiting on node A when a person approves on node B', async () => {
    const submitted = await agentOnA('POST', '/v1/actions', { action_type: 'deploy', environment: 'production' });
    expect(submitted.body.status).toBe('pending');
    const started = Date.now();
    const waiting = agentOnA('GET', `/v1/actions/${submitted.body.id}?wait=20`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await adminOnB('POST', `/v1/approvals/${submitted.body.approval.id}/votes`, { verdict: 'approve' })).status).toBe(201);
    const answered = await waiting;
    expect(answered.body.status).toBe('approved');
    expect(answered.body.grant.digest).toBe(submitted.body.digest);
    // Answered by the relayed event, well before the 20 s long-poll would have ended.
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('streams a request made on node A to a person watching node B', async () => {
    const controller = new AbortController();
    const response = await fetch(`${b.url}/v1/events`, { headers: { authorization: `Bearer ${token}` }, signal: controller.signal });
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!text.includes(': connected')) text += decoder.decode((await reader.read()).value);
    // Not the deploy above: approved and not yet run, a retry of it would be that one again.
    const submitted = await agentOnA('POST', '/v1/actions', { action_type: 'deploy', environment: 'production', service: 'search' });
    while (!text.includes(submitted.body.approval.id)) text += decoder.decode((await reader.read()).value);
    expect(text).toContain('event: approval.requested');
    controller.abort();
  });

  it('reloads on every node a policy reloaded on one', async () => {
    writeFileSync(
      join(policyDir, 'policy.yaml'),
      `${POLICY}\n  - name: no-drops\n    match: { action_type: drop_database }\n    decision: DENY\n`,
    );
    const reloaded = await adminOnA('POST', '/v1/policy/reload');
    expect(reloaded.body.changed).toBe(true);
    for (let i = 0; i < 50 && (await adminOnB('GET', '/v1/policy')).body.version !== reloaded.body.version; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect((await adminOnB('GET', '/v1/policy')).body.version).toBe(reloaded.body.version);
  });

  it('stops guesses at one name spread over both nodes once together they reach the limit', async () => {
    await a.services.auth.addUser({ name: 'bea', password: 'bea-password', role: 'approver' });
    const nodes = [client(a.url), client(b.url)];
    for (let i = 0; i < LOGIN_FAILURES_PER_NAME; i++) {
      const answer = await nodes[i % 2]!('POST', '/v1/auth/login', { name: 'bea', password: `guess-${i}` });
      expect(answer.status).toBe(401);
    }
    // Each node saw half the guesses; the right password is refused on both all the same.
    for (const node of nodes) {
      const refused = await node('POST', '/v1/auth/login', { name: 'bea', password: 'bea-password' });
      expect(refused.status).toBe(429);
      expect(refused.body.error.code).toBe('request.rate_limited');
    }
  });
});
