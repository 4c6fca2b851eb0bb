// The notification outbox's durability, on SQLite and PostgreSQL: a channel that is down gets
// its messages retried with exponential backoff (on the injected clock) and delivered once it
// is back, none lost or doubled; a restart or a sender that died mid-send loses and doubles
// nothing either; a message that cannot be delivered goes to the dead-letter list, visible in
// the API and re-drivable.

import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startServer, type RunningServer } from '../src/server/start.js';
import { serveConfig } from '../src/config/config.js';
import { localOutbound } from './helpers/local-outbound.js';
import { newWebhookSecret } from '../src/services/webhook-signing.js';
import { BASE_DELAY_MS, LEASE_MS, MAX_ATTEMPTS } from '../src/notify/outbox.js';
import { ManualClock } from '../src/util/clock.js';
import { createTestDatabase, DATABASES, type TestDatabase } from './helpers/databases.js';
import { client } from './helpers/http.js';
import { startReceiver, type Receiver } from './helpers/vendor-stand-ins.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const POLICY = (hook: string) => `
defaults: { decision: ALLOW }
rules:
  - name: deploys
    match: { action_type: deploy }
    decision: REQUIRE_APPROVAL
    approvers: [ops]
notifications:
  channels:
    hook: { type: webhook, url: "${hook}/in", secret_env: TG_OUTBOX_HOOK_SECRET }
  routes:
    - { channel: hook, events: [requested] }
`;

describe.each(DATABASES)('the notification outbox on %s', (kind) => {
  const clock = new ManualClock(Date.now());
  let database: TestDatabase;
  let receiver: Receiver;
  let policyDir: string;
  let server: RunningServer;
  let agent: ReturnType<typeof client>;

  const start = async () => {
    const config = { ...serveConfig({ db: database.url, policy: policyDir, port: 0, rateLimit: 0 }, {}), settings: localOutbound() };
    server = await startServer(config, { clock, logger: false, watchPolicy: false, timerIntervalMs: 0 });
    agent = client(server.url, (await server.services.auth.createKey('deploy-bot')).secret);
  };
  const login = async (name: string) => client(server.url, (await server.services.auth.login(name, `${name}-password`)).token);
  const submit = async (summary: string): Promise<string> =>
    (await agent('POST', '/v1/actions', { action_type: 'deploy', summary })).body.approval.id;
  const deliver = () => server.services.notifications.sender.deliverDue();
  /** The requests the receiver accepted, by webhook id: each must appear once. */
  const accepted = () => receiver.received.filter((request) => request.headers['x-accepted'] !== undefined);

  beforeAll(async () => {
    process.env.TG_OUTBOX_HOOK_SECRET = newWebhookSecret();
    database = await createTestDatabase(kind);
    receiver = await startReceiver();
    receiver.status = 200;
    // Marks what it accepted, so refused tries are told apart from deliveries.
    const answer = receiver.answer;
    receiver.answer = (request) => {
      request.headers['x-accepted'] = '1';
      return answer(request);
    };
    policyDir = mkdtempSync(join(tmpdir(), 'tollgate-outbox-'));
    writeFileSync(join(policyDir, 'policy.yaml'), POLICY(receiver.url));
    await start();
    for (const [name, role] of [
      ['root', 'admin'],
      ['ann', 'approver'],
      ['aud', 'auditor'],
    ] as const)
      await server.services.auth.addUser({ name, password: `${name}-password`, role, groups: ['ops'] });
  });

  afterAll(async () => {
    await server?.close();
    await receiver?.close();
    await database?.drop();
  });

  it('retries a channel that is down with backoff and delivers once when it is back', async () => {
    receiver.status = 503;
    const approvalId = await submit('while the receiver is down');
    expect(await deliver()).toEqual({ delivered: 0, retried: 1, dead: 0 });
    expect(receiver.received).toHaveLength(1);
    expect(await deliver()).toEqual({ delivered: 0, retried: 0, dead: 0 }); // not due yet
    clock.advance(BASE_DELAY_MS);
    expect(await deliver()).toEqual({ delivered: 0, retried: 1, dead: 0 });
    receiver.status = 200;
    clock.advance(2 * BASE_DELAY_MS - 1); // the second wait is twice the first
    expect(await deliver()).toEqual({ delivered: 0, retried: 0, dead: 0 });
    clock.advance(1);
    expect(await deliver()).toEqual({ delivered: 1, retried: 0, dead: 0 });
    expect(await deliver()).toEqual({ delivered: 0, retried: 0, dead: 0 });
    const tries = receiver.received.filter((request) => request.body.includes(approvalId));
    expect(tries).toHaveLength(3);
    expect(new Set(tries.map((request) => request.headers['webhook-id'])).size).toBe(1);
    expect(accepted().filter((request) => request.body.includes(approvalId))).toHaveLength(1);
    const [message] = await server.services.notifications.list('default', { approvalId });
    expect(message).toMatchObject({ status: 'delivered', attempts: 3, last_error: null });
  });

  it('loses and doubles nothing across a restart or a sender that died mid-send', async () => {
    const before = accepted().length;
    const queued = await submit('queued before a restart');
    await server.close();
    await start();
    // A sender that claimed a message and died: the lease runs out, then another delivers it.
    const stranded = await submit('claimed by a sender that died');
    const now = clock.now();
    const claimed = await server.services.store.transaction((scope) => scope.outbox.claimDue(now, now + LEASE_MS, 10));
    expect(claimed.map((message) => message.approval_id).sort()).toEqual([queued, stranded].sort());
    expect(await deliver()).toEqual({ delivered: 0, retried: 0, dead: 0 });
    clock.advance(LEASE_MS + 1);
    expect(await deliver()).toEqual({ delivered: 2, retried: 0, dead: 0 });
    expect(await deliver()).toEqual({ delivered: 0, retried: 0, dead: 0 });
    const delivered = accepted().slice(before);
    expect(delivered.map((request) => JSON.parse(request.body).data.approval_id).sort()).toEqual([queued, stranded].sort());
  });

  it('stops after the send under way and gives back what it had claimed but not tried, unspent', async () => {
    const before = accepted().length;
    const approvals = [];
    for (let i = 0; i < 3; i++) approvals.push(await submit(`queued at shutdown ${i}`));
    // The server is told to stop while the first message is being sent.
    let stopped: Promise<void> | undefined;
    const answer = receiver.answer;
    receiver.answer = (request) => {
      stopped ??= server.services.notifications.sender.stop();
      return answer(request);
    };
    try {
      expect(await deliver()).toEqual({ delivered: 1, retried: 0, dead: 0 });
    } finally {
      receiver.answer = answer;
    }
    await stopped;
    const left = (await Promise.all(approvals.map((approvalId) => server.services.notifications.list('default', { approvalId })))).flat();
    expect(left.map((message) => message.status).sort()).toEqual(['delivered', 'pending', 'pending']);
    // Not tried, so not counted, and due now rather than after the lease.
    for (const message of left.filter((m) => m.status === 'pending')) expect(message).toMatchObject({ attempts: 0, last_error: null });
    await server.close();
    await start();
    expect(await deliver()).toEqual({ delivered: 2, retried: 0, dead: 0 });
    const delivered = accepted().slice(before);
    expect(delivered.map((request) => JSON.parse(request.body).data.approval_id).sort()).toEqual([...approvals].sort());
  });

  it('never gives one message to two senders', async () => {
    const approvals = [];
    for (let i = 0; i < 5; i++) approvals.push(await submit(`claimed concurrently ${i}`));
    const now = clock.now();
    const claims = await Promise.all(
      [0, 1].map(() => server.services.store.transaction((scope) => scope.outbox.claimDue(now, now + LEASE_MS, 3))),
    );
    const ids = claims.flat().map((message) => message.approval_id);
    expect(claims.map((claimed) => claimed.length).sort()).toEqual([2, 3]);
    expect(ids.sort()).toEqual([...approvals].sort());
    clock.advance(LEASE_MS + 1);
    expect(await deliver()).toEqual({ delivered: 5, retried: 0, dead: 0 });
  });

  it('dead-letters what cannot be delivered, lists it for admins and auditors, and re-drives it', async () => {
    receiver.status = 503;
    const approvalId = await submit('never reachable');
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      await deliver();
      clock.advance(60 * 60_000);
    }
    const admin = await login('root');
    const dead = await admin('GET', '/v1/notifications?status=dead');
    expect(dead.status).toBe(200);
    expect(dead.body.notifications).toHaveLength(1);
    expect(dead.body.notifications[0]).toMatchObject({ approval_id: approvalId, status: 'dead', attempts: MAX_ATTEMPTS, channel: 'hook' });
    expect(dead.body.notifications[0].last_error).toContain('503');
    expect((await (await login('aud'))('GET', '/v1/notifications?status=dead')).body.notifications).toHaveLength(1);
    expect((await (await login('ann'))('GET', '/v1/notifications?status=dead')).status).toBe(403);
    expect((await admin('GET', '/v1/notifications?status=lost')).body.error.code).toBe('request.invalid');

    receiver.status = 200;
    const id = dead.body.notifications[0].id;
    const redriven = await admin('POST', `/v1/notifications/${id}/redrive`);
    expect(redriven.body).toMatchObject({ id, status: 'pending', attempts: 0 });
    expect((await admin('POST', `/v1/notifications/${id}/redrive`)).body.error.code).toBe('notify.not_dead');
    expect((await admin('POST', '/v1/notifications/ntf_unknown/redrive')).status).toBe(404);
    expect(await deliver()).toEqual({ delivered: 1, retried: 0, dead: 0 });
    expect((await admin('GET', '/v1/notifications?status=dead')).body.notifications).toHaveLength(0);
    expect(accepted().filter((request) => request.body.includes(approvalId))).toHaveLength(1);
  });
});

describe('the sender loop of a running server', () => {
  it('delivers right after the change that wrote the message', async () => {
    process.env.TG_OUTBOX_HOOK_SECRET ??= newWebhookSecret();
    const receiver = await startReceiver();
    receiver.status = 200;
    const policyDir = mkdtempSync(join(tmpdir(), 'tollgate-outbox-loop-'));
    writeFileSync(join(policyDir, 'policy.yaml'), POLICY(receiver.url));
    const database = await createTestDatabase('sqlite');
    const config = { ...serveConfig({ db: database.url, policy: policyDir, port: 0, rateLimit: 0 }, {}), settings: localOutbound() };
    // A long interval: delivery must come from the kick after the commit, not from the next sweep.
    const server = await startServer(config, { logger: false, watchPolicy: false, timerIntervalMs: 60_000 });
    try {
      const agent = client(server.url, (await server.services.auth.createKey('deploy-bot')).secret);
      const submitted = await agent('POST', '/v1/actions', { action_type: 'deploy', summary: 'kicked' });
      await vi.waitFor(() => expect(receiver.received.some((request) => request.body.includes(submitted.body.approval.id))).toBe(true), {
        timeout: 5000,
        interval: 20,
      });
    } finally {
      await server.close();
      await receiver.close();
      await database.drop();
    }
  });
});
