// What a new user reads in the API's answers and the audit trail: every time in ISO 8601 (an
// outcome's too), and the trail telling causes before their effects (the vote, then the grant); the dashboard and its icon at the root.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, DATABASES, type TestDatabase } from './helpers/databases.js';
import { startTestServer, type Authed, type TestServer } from './helpers/in-process.js';
import { DEPLOY_GATE } from './helpers/policies.js';

const POLICY = `${DEPLOY_GATE}  - name: reviewed-tasks
    match: { action_type: task }
    decision: REVIEW
`;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe.each(DATABASES)('on %s', (kind) => {
  let database: TestDatabase;
  let server: TestServer;
  let bot: Authed;
  let alice: Authed;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
    server = await startTestServer(database.url, { 'policy.yaml': POLICY });
    bot = await server.agent('deploy-bot');
    alice = await server.person('alice', 'approver', { groups: ['approvers'] });
  });
  afterAll(async () => {
    await server.close();
    await database.drop();
  });

  it("answers an outcome's reported_at in ISO 8601, where it is reported, read and reviewed", async () => {
    const sent = await bot('POST', '/v1/actions', { action_type: 'task', summary: 'rotate the logs' });
    expect(sent.body.decision).toBe('REVIEW');
    const reported = await bot('POST', `/v1/actions/${sent.body.id}/outcome`, { status: 'succeeded', detail: 'rotated' });
    expect(reported.status, JSON.stringify(reported.body)).toBeLessThan(300);
    expect(reported.body.outcome.reported_at).toMatch(ISO);
    const read = await bot('GET', `/v1/actions/${sent.body.id}`);
    expect(read.body.outcome).toEqual({ status: 'succeeded', detail: 'rotated', reported_at: reported.body.outcome.reported_at });
    const reviews = await alice('GET', '/v1/reviews');
    const review = (reviews.body.reviews as Array<{ action_id: string; action: { outcome: { reported_at: unknown } } }>).find(
      (each) => each.action_id === sent.body.id,
    );
    expect(review?.action.outcome.reported_at).toBe(reported.body.outcome.reported_at);
  });

  it('puts the vote and the decision on the trail before the grant they caused', async () => {
    const sent = await bot('POST', '/v1/actions', { action_type: 'deploy', environment: 'production', summary: 'deploy v2.3.1' });
    const approvalId = sent.body.approval.id as string;
    expect((await alice('POST', `/v1/approvals/${approvalId}/votes`, { verdict: 'approve' })).status).toBe(201);
    const types: string[] = [];
    for await (const event of server.services.audit.events('default')) {
      const data = (event.data ?? {}) as { action_id?: string };
      if (event.subject === sent.body.id || event.subject === approvalId || data.action_id === sent.body.id) types.push(event.type);
    }
    expect(types.filter((type) => ['vote.cast', 'approval.decided', 'grant.issued'].includes(type))).toEqual([
      'vote.cast',
      'approval.decided',
      'grant.issued',
    ]);
  });
});

describe('the dashboard at the root', () => {
  let database: TestDatabase;
  let server: TestServer;
  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    server = await startTestServer(database.url, { 'policy.yaml': POLICY });
  });
  afterAll(() => server.close());

  it('answers GET / with the dashboard whatever the Accept header, and /favicon.ico with its icon', async () => {
    for (const accept of [undefined, '*/*', 'application/json']) {
      const page = await fetch(`${server.url}/`, accept === undefined ? {} : { headers: { accept } });
      expect(page.status, `accept ${accept}`).toBe(200);
      expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
      const html = await page.text();
      expect(html).toContain('<div id="app">');
      expect(html).toContain('<link rel="icon" href="/favicon.svg" type="image/svg+xml"');
    }
    for (const path of ['/favicon.ico', '/favicon.svg']) {
      const icon = await fetch(`${server.url}${path}`);
      expect(icon.status, path).toBe(200);
      expect(icon.headers.get('content-type')).toBe('image/svg+xml');
      expect(await icon.text()).toMatch(/^<svg /);
    }
  });

  it('keeps the JSON 404 for other unknown paths asked for without text/html', async () => {
    for (const path of ['/nothing-here', '/v1/nothing-here', '/v1']) {
      const reply = await fetch(`${server.url}${path}`);
      expect(reply.status, path).toBe(404);
      expect(((await reply.json()) as { error: { code: string } }).error.code).toBe('request.not_found');
    }
  });
});
