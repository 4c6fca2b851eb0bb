// Graduated autonomy, exception-based escalation and post-execution review over real HTTP, on
// SQLite and PostgreSQL: promotion after a clean run, demotion on a reversal done through a
// signed webhook, confidence and novelty triggers, and the refusals of the review queue.

import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveConfig } from '../src/config/config.js';
import { localOutbound } from './helpers/local-outbound.js';
import { startServer, type RunningServer } from '../src/server/start.js';
import { ManualClock } from '../src/util/clock.js';
import { createTestDatabase, DATABASES, type TestDatabase } from './helpers/databases.js';
import { client } from './helpers/http.js';

const POLICY = `
defaults: { decision: ALLOW }
review: { window: 24h }
autonomy:
  default_level: 0
  promote_after: 3
  demote_on: [reversal, flagged]
escalation:
  min_confidence: 0.8
  novelty: true
rules:
  - name: restarts
    match: { action_type: restart }
    risk: low
    criteria: [the service is unhealthy]
  - name: scale-web
    match: { action_type: scale, service: web }
    decision: REVIEW
`;

/** A webhook receiver that checks signatures with the Standard Webhooks algorithm. */
function receiver(secret: () => string) {
  const calls: { valid: boolean; body: any }[] = [];
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      const id = request.headers['webhook-id'] as string;
      const timestamp = request.headers['webhook-timestamp'] as string;
      const key = Buffer.from(secret().replace(/^whsec_/, ''), 'base64');
      const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
      const signatures = String(request.headers['webhook-signature'])
        .split(' ')
        .map((part) => part.split(',')[1]);
      calls.push({ valid: signatures.includes(expected), body: JSON.parse(body) });
      response.writeHead(signatures.includes(expected) ? 204 : 401).end();
    });
  });
  return { server, calls };
}

describe.each(DATABASES)('autonomy and review on %s', (kind) => {
  const clock = new ManualClock(Date.UTC(2026, 10, 25, 9));
  let database: TestDatabase;
  let server: RunningServer;
  let admin: ReturnType<typeof client>;
  let reviewer: ReturnType<typeof client>;
  let bot: ReturnType<typeof client>;
  let secret = '';
  const hook = receiver(() => secret);
  let hookUrl = '';

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    const folder = mkdtempSync(join(tmpdir(), 'tollgate-autonomy-'));
    mkdirSync(join(folder, 'policy'));
    writeFileSync(join(folder, 'policy', 'policy.yaml'), POLICY);
    const config = {
      ...serveConfig({ db: database.url, policy: join(folder, 'policy'), port: 0, rateLimit: 0 }, {}),
      settings: localOutbound(),
    };
    server = await startServer(config, { clock, logger: false, watchPolicy: false, timerIntervalMs: 0 });
    await server.services.auth.addUser({ name: 'ada', password: 'ada-password', role: 'admin' });
    await server.services.auth.addUser({ name: 'rex', password: 'rex-password', role: 'approver' });
    await signIn();
    bot = client(server.url, (await server.services.auth.createKey('ops-bot')).secret);
    secret = (await admin('GET', '/v1/webhooks/secret')).body.secret;
    await new Promise<void>((resolve) => hook.server.listen(0, '127.0.0.1', resolve));
    hookUrl = `http://127.0.0.1:${(hook.server.address() as AddressInfo).port}/undo`;
  });

  afterAll(async () => {
    await server?.close();
    hook.server.close();
    await database?.drop();
  });

  /** Sessions expire with the injected clock too: sign in again after moving it far. */
  async function signIn(): Promise<void> {
    admin = client(server.url, (await client(server.url)('POST', '/v1/auth/login', { name: 'ada', password: 'ada-password' })).body.token);
    reviewer = client(
      server.url,
      (await client(server.url)('POST', '/v1/auth/login', { name: 'rex', password: 'rex-password' })).body.token,
    );
  }

  /** Submits, has a person approve when needed, executes and reports success. */
  async function runToSuccess(action: Record<string, unknown>, compensation?: Record<string, unknown>): Promise<any> {
    const submitted = await bot('POST', '/v1/actions', action);
    if (submitted.body.decision === 'REQUIRE_APPROVAL') {
      expect((await admin('POST', `/v1/approvals/${submitted.body.approval.id}/votes`, { verdict: 'approve' })).status).toBe(201);
      const approved = await bot('GET', `/v1/actions/${submitted.body.id}`);
      await bot('POST', '/v1/grants/redeem', { grant: approved.body.grant.token, digest: approved.body.grant.digest });
    }
    const outcome = await bot('POST', `/v1/actions/${submitted.body.id}/outcome`, {
      status: 'succeeded',
      ...(compensation === undefined ? {} : { compensation }),
    });
    expect(outcome.status).toBe(200);
    return submitted.body;
  }

  it('promotes an agent after a clean run and demotes it on a reversal, with the audit trail saying why', async () => {
    const first = await bot('POST', '/v1/actions', { action_type: 'restart', environment: 'staging', service: 'api', confidence: 0.95 });
    expect(first.body).toMatchObject({ decision: 'REQUIRE_APPROVAL', autonomy_level: 0 });
    await admin('POST', `/v1/approvals/${first.body.approval.id}/votes`, { verdict: 'approve' });
    const approved = await bot('GET', `/v1/actions/${first.body.id}`);
    await bot('POST', '/v1/grants/redeem', { grant: approved.body.grant.token, digest: approved.body.grant.digest });
    await bot('POST', `/v1/actions/${first.body.id}/outcome`, { status: 'succeeded' });
    for (let i = 0; i < 2; i++) await runToSuccess({ action_type: 'restart', environment: 'staging', service: 'api', confidence: 0.95 });

    const promoted = await admin('GET', '/v1/agents/ops-bot');
    expect(promoted.body).toMatchObject({ level: 1, successes_toward_promotion: 0 });
    expect(promoted.body.history.at(-1)).toMatchObject({ type: 'agent.promoted', from: 0, to: 1, actor: 'system' });
    expect(promoted.body.classes).toContainEqual(
      expect.objectContaining({ action_type: 'restart', environment: 'staging', level: 0, successes: 3 }),
    );

    const allowed = await runToSuccess(
      { action_type: 'restart', environment: 'staging', service: 'api', confidence: 0.95 },
      { webhook: hookUrl },
    );
    expect(allowed).toMatchObject({ decision: 'ALLOW', autonomy_level: 1 });
    const reversed = await reviewer('POST', `/v1/actions/${allowed.id}/review`, { verdict: 'reverse', note: 'restarted the wrong pool' });
    expect(reversed.status).toBe(200);
    expect(reversed.body).toMatchObject({ status: 'reversed', reversal: { method: 'webhook', status: 204 } });
    expect(hook.calls).toHaveLength(1);
    expect(hook.calls[0]).toMatchObject({
      valid: true,
      body: { type: 'tollgate.action.reverse', data: { action_id: allowed.id, note: 'restarted the wrong pool' } },
    });
    expect((await bot('GET', `/v1/actions/${allowed.id}`)).body.status).toBe('reversed');

    const demoted = await admin('GET', '/v1/agents/ops-bot');
    expect(demoted.body.level).toBe(0);
    expect(demoted.body.history.at(-1)).toMatchObject({ type: 'agent.demoted', from: 1, to: 0 });
    expect(String(demoted.body.history.at(-1).reason)).toContain(allowed.id);
    expect(
      (await bot('POST', '/v1/actions', { action_type: 'restart', environment: 'staging', service: 'api', confidence: 0.95 })).body
        .decision,
    ).toBe('REQUIRE_APPROVAL');
    expect((await admin('GET', '/v1/audit/verify')).body.ok).toBe(true);
  });

  it('refuses to reverse twice, outside the window, or an irreversible action', async () => {
    const reversedAlready = (await bot('GET', '/v1/actions?status=reversed')).status;
    expect(reversedAlready).toBe(403);
    const list = await admin('GET', '/v1/actions?status=reversed');
    const id = list.body.actions[0].id;
    expect((await reviewer('POST', `/v1/actions/${id}/review`, { verdict: 'reverse' })).body.error.code).toBe('review.closed');

    const irreversible = await runToSuccess({ action_type: 'scale', service: 'web', replicas: 5, reversible: false }, { webhook: hookUrl });
    expect((await reviewer('POST', `/v1/actions/${irreversible.id}/review`, { verdict: 'reverse' })).body.error.code).toBe(
      'review.not_reversible',
    );

    const late = await runToSuccess({ action_type: 'scale', service: 'web', replicas: 6 }, { webhook: hookUrl });
    clock.advance(25 * 3_600_000);
    await signIn();
    expect((await reviewer('POST', `/v1/actions/${late.id}/review`, { verdict: 'reverse' })).body.error.code).toBe('review.window_closed');
    expect(hook.calls).toHaveLength(1);
  });

  it('queues REVIEW decisions for people and takes an ok or a flag with a note', async () => {
    const scaled = await runToSuccess({
      action_type: 'scale',
      service: 'web',
      replicas: 5,
      summary: 'Traffic spike detected, added capacity',
    });
    const queue = await reviewer('GET', '/v1/reviews');
    expect(queue.body.reviews.map((review: { action_id: string }) => review.action_id)).toContain(scaled.id);
    expect((await reviewer('POST', `/v1/actions/${scaled.id}/review`, { verdict: 'flag' })).body.error.code).toBe('review.invalid');
    expect((await reviewer('POST', `/v1/actions/${scaled.id}/review`, { verdict: 'ok' })).body.status).toBe('ok');
    expect((await reviewer('GET', '/v1/reviews')).body.reviews.map((review: { action_id: string }) => review.action_id)).not.toContain(
      scaled.id,
    );
  });

  it('escalates an unsure agent and a first-time action, but not a confident repeat', async () => {
    const unsure = await bot('POST', '/v1/actions', { action_type: 'scale', service: 'web', replicas: 4, confidence: 0.5 });
    expect(unsure.body.decision).toBe('REQUIRE_APPROVAL');
    expect(unsure.body.reasons).toContainEqual(
      expect.objectContaining({ name: 'escalation.min_confidence', reason: 'confidence 0.5 < 0.8' }),
    );
    expect((await bot('POST', '/v1/actions', { action_type: 'scale', service: 'web', replicas: 4, confidence: 0.9 })).body.decision).toBe(
      'REVIEW',
    );

    const novel = await bot('POST', '/v1/actions', { action_type: 'purge_cache', environment: 'production', confidence: 0.99 });
    expect(novel.body.decision).toBe('REQUIRE_APPROVAL');
    expect(novel.body.reasons).toContainEqual(
      expect.objectContaining({ name: 'escalation.novelty', reason: 'first time agent `ops-bot` does `purge_cache` in production' }),
    );
    await admin('POST', `/v1/approvals/${novel.body.approval.id}/votes`, { verdict: 'approve' });
    const approved = await bot('GET', `/v1/actions/${novel.body.id}`);
    await bot('POST', '/v1/grants/redeem', { grant: approved.body.grant.token, digest: approved.body.grant.digest });
    await bot('POST', `/v1/actions/${novel.body.id}/outcome`, { status: 'succeeded' });
    expect(
      (await bot('POST', '/v1/actions', { action_type: 'purge_cache', environment: 'production', confidence: 0.99 })).body.decision,
    ).toBe('ALLOW');
  });

  it('lets an admin set a level by hand, with a reason, audited', async () => {
    expect((await reviewer('POST', '/v1/agents/ops-bot/level', { level: 2, reason: 'trusted' })).status).toBe(403);
    expect((await admin('POST', '/v1/agents/ops-bot/level', { level: 9, reason: 'x' })).body.error.code).toBe('request.invalid');
    const set = await admin('POST', '/v1/agents/ops-bot/level', { level: 2, reason: 'quarter without incidents' });
    expect(set.body.level).toBe(2);
    expect(set.body.history.at(-1)).toMatchObject({ type: 'agent.level_set', to: 2, reason: 'quarter without incidents' });
    expect((await admin('GET', '/v1/agents')).body.agents).toContainEqual(expect.objectContaining({ name: 'ops-bot', level: 2 }));
  });
});
