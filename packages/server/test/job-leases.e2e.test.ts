// A job whose workers keep dying: once every attempt has lost its lease, the step fails and the
// request ends, instead of the job being offered forever. And a job still open when its request
// ends (a person denied it meanwhile) is cancelled: no longer offered, its completion refused.

import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveConfig } from '../src/config/config.js';
import { startServer, type RunningServer } from '../src/server/start.js';
import { ManualClock } from '../src/util/clock.js';
import { client } from './helpers/http.js';

const POLICY = `
defaults: { decision: ALLOW }
rules:
  - name: checked-deploys
    match: { action_type: deploy }
    decision: REQUIRE_APPROVAL
    workflow: checked
  - name: scanned-migrations
    match: { action_type: migrate }
    decision: REQUIRE_APPROVAL
    workflow: side-by-side
workflows:
  checked:
    steps:
      - id: analysis
        type: worker
        config: { capability: analyzer }
      - id: review
        type: approval
        depends_on: [analysis]
        config: { approvers: [ops] }
  side-by-side:
    steps:
      - id: scan
        type: worker
        config: { capability: scanner }
      - id: review
        type: approval
        config: { approvers: [ops] }
`;

describe('jobs whose leases keep running out', () => {
  const clock = new ManualClock();
  let server: RunningServer;

  beforeAll(async () => {
    const folder = mkdtempSync(join(tmpdir(), 'tollgate-leases-'));
    mkdirSync(join(folder, 'policy'));
    writeFileSync(join(folder, 'policy', 'policy.yaml'), POLICY);
    const config = serveConfig({ db: join(folder, 'tollgate.db'), policy: join(folder, 'policy'), port: 0, rateLimit: 0 }, {});
    server = await startServer(config, { clock, logger: false, watchPolicy: false, timerIntervalMs: 0 });
  });

  afterAll(async () => {
    await server?.close();
  });

  it('fails the step after the last attempt loses its lease', async () => {
    const agent = client(server.url, (await server.services.auth.createKey('deploy-bot')).secret);
    const worker = client(server.url, (await server.services.auth.createWorkerKey('analyzer', ['analyzer'])).secret);
    const submitted = await agent('POST', '/v1/actions', { action_type: 'deploy' });
    for (let attempt = 1; attempt <= 3; attempt++) {
      const job = await worker('GET', '/v1/jobs/next?capability=analyzer');
      expect(job.body).toMatchObject({ step: 'analysis', attempt });
      clock.advance(31_000);
    }
    const none = await worker('GET', '/v1/jobs/next?capability=analyzer');
    expect(none.status).toBe(204);
    const seen = await agent('GET', `/v1/actions/${submitted.body.id}`);
    expect(seen.body.status).toBe('cancelled');
    expect(seen.body.approval.status).toBe('failed');
    expect(seen.body.approval.resolution).toContain('lost its lease');
  });

  it('cancels a job still open when a person ends its request', async () => {
    await server.services.auth.addUser({ name: 'olga', password: 'olga-password', role: 'approver', groups: ['ops'] });
    const olga = client(server.url, (await server.services.auth.login('olga', 'olga-password')).token);
    const agent = client(server.url, (await server.services.auth.createKey('migrate-bot')).secret);
    const scanner = client(server.url, (await server.services.auth.createWorkerKey('scanner', ['scanner'])).secret);
    const submitted = await agent('POST', '/v1/actions', { action_type: 'migrate', table: 'orders' });
    expect(submitted.body.status).toBe('pending');
    const job = await scanner('GET', '/v1/jobs/next?capability=scanner');
    expect(job.body).toMatchObject({ step: 'scan', approval_id: submitted.body.approval.id });
    const denied = await olga('POST', `/v1/approvals/${submitted.body.approval.id}/votes`, { verdict: 'deny', note: 'not this week' });
    expect(denied.status, JSON.stringify(denied.body)).toBe(201);
    expect((await agent('GET', `/v1/actions/${submitted.body.id}`)).body.status).toBe('denied');
    // The scanner's work is moot now: its result is refused, and the job is not offered again.
    const completed = await scanner('POST', `/v1/jobs/${job.body.id}/complete`, { output: { clean: true } });
    expect(completed.status).toBe(409);
    expect(completed.body.error.code).toBe('job.lease_lost');
    clock.advance(31_000);
    expect((await scanner('GET', '/v1/jobs/next?capability=scanner')).status).toBe(204);
  });
});
