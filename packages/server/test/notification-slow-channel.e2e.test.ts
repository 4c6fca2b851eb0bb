// A slow notification channel does not slow decisions, on SQLite and PostgreSQL: while a webhook
// receiver sits on a delivery, agents' actions are decided and votes counted as usual, and the
// messages are still delivered once the receiver answers.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { serveConfig } from '../src/config/config.js';
import { localOutbound } from './helpers/local-outbound.js';
import { startServer, type RunningServer } from '../src/server/start.js';
import { newWebhookSecret } from '../src/services/webhook-signing.js';
import { createTestDatabase, DATABASES, type TestDatabase } from './helpers/databases.js';
import { client } from './helpers/http.js';

const POLICY = (hook: string) => `
defaults: { decision: ALLOW }
rules:
  - name: deploys
    match: { action_type: deploy, environment: production }
    decision: REQUIRE_APPROVAL
    approvers: [ops]
notifications:
  channels:
    slow-hook: { type: webhook, url: "${hook}/in", secret_env: TG_SLOW_HOOK_SECRET }
  routes:
    - { channel: slow-hook, events: [requested, decided] }
`;

/** Holds a delivery past this, at most, even if the test never lets go (the sender gives up at 10 s). */
const HOLD_AT_MOST_MS = 8_000;
const DECISIONS = 40;

/**
 * A webhook receiver that takes its time: it holds every request until `release()` is called
 * (or HOLD_AT_MOST_MS have passed), then answers 200; after the release it answers at once.
 */
async function startSlowReceiver(): Promise<{
  url: string;
  /** Bodies of the requests it has answered. */
  answered: string[];
  /** Resolves when the first request has arrived. */
  first: Promise<void>;
  holding(): number;
  release(): void;
  close(): Promise<void>;
}> {
  const answered: string[] = [];
  const held: (() => void)[] = [];
  let released = false;
  let arrived = (): void => {};
  const first = new Promise<void>((resolve) => (arrived = resolve));
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      const answer = (): void => {
        if (response.writableEnded) return;
        answered.push(body);
        response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      };
      arrived();
      if (released) return answer();
      held.push(answer);
      setTimeout(answer, HOLD_AT_MOST_MS).unref();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    answered,
    first,
    holding: () => held.length - answered.length,
    release() {
      released = true;
      for (const answer of held.splice(0)) answer();
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe.each(DATABASES)('a slow notification channel on %s', (kind) => {
  let database: TestDatabase;
  let receiver: Awaited<ReturnType<typeof startSlowReceiver>>;
  let server: RunningServer;

  beforeAll(async () => {
    process.env.TG_SLOW_HOOK_SECRET = newWebhookSecret();
    database = await createTestDatabase(kind);
    receiver = await startSlowReceiver();
    const policyDir = mkdtempSync(join(tmpdir(), 'tollgate-slow-channel-'));
    writeFileSync(join(policyDir, 'policy.yaml'), POLICY(receiver.url));
    const config = { ...serveConfig({ db: database.url, policy: policyDir, port: 0, rateLimit: 0 }, {}), settings: localOutbound() };
    // The sender loop runs as in production: every second and right after each change.
    server = await startServer(config, { logger: false, watchPolicy: false, timerIntervalMs: 1000 });
    await server.services.auth.addUser({ name: 'ann', password: 'ann-password', role: 'approver', groups: ['ops'] });
  });

  afterAll(async () => {
    receiver?.release();
    await server?.close();
    await receiver?.close();
    await database?.drop();
  });

  it('decides and counts votes while a delivery is held, and delivers everything afterwards', { timeout: 30_000 }, async () => {
    const agent = client(server.url, (await server.services.auth.createKey('deploy-bot')).secret);
    const approver = client(server.url, (await server.services.auth.login('ann', 'ann-password')).token);

    // The first request for approval sends a message, which the receiver now sits on.
    const opening = await agent('POST', '/v1/actions', { action_type: 'deploy', environment: 'production', summary: 'first' });
    expect(opening.body.decision).toBe('REQUIRE_APPROVAL');
    await receiver.first;

    // Meanwhile agents keep asking, and every request is answered while the delivery is held.
    const decided = await Promise.all(
      Array.from({ length: DECISIONS }, (_, n) =>
        agent('POST', '/v1/actions', {
          action_type: 'deploy',
          environment: n % 4 === 0 ? 'production' : 'staging',
          summary: `deploy ${n}`,
        }),
      ),
    );
    const vote = await approver('POST', `/v1/approvals/${opening.body.approval.id}/votes`, { verdict: 'approve' });
    expect(receiver.holding(), 'the receiver still holds the first delivery').toBeGreaterThan(0);
    expect(receiver.answered).toEqual([]);
    expect(decided.map((reply) => reply.status)).toEqual(Array.from({ length: DECISIONS }, () => 201));
    expect(decided.filter((reply) => reply.body.decision === 'ALLOW')).toHaveLength((DECISIONS * 3) / 4);
    expect(vote.status).toBe(201);
    expect((await agent('GET', `/v1/actions/${opening.body.id}`)).body.status).toBe('approved');

    // Once the receiver answers, every message written meanwhile is delivered too.
    receiver.release();
    const approvals = [opening, ...decided]
      .filter((reply) => reply.body.decision === 'REQUIRE_APPROVAL')
      .map((reply) => reply.body.approval.id);
    await vi.waitFor(
      async () => {
        const delivered = receiver.answered.map((body) => JSON.parse(body) as { type: string; data: { approval_id: string } });
        const requested = new Set(delivered.filter((m) => m.type === 'approval.requested').map((m) => m.data.approval_id));
        expect([...requested].sort()).toEqual([...approvals].sort());
        expect(delivered.some((m) => m.type === 'approval.decided' && m.data.approval_id === opening.body.approval.id)).toBe(true);
        // Each marked delivered once the receiver's answer is in, none left behind or dead.
        const messages = await server.services.notifications.list('default', {});
        expect(messages.filter((message) => message.status !== 'delivered')).toEqual([]);
      },
      { timeout: 15_000, interval: 100 },
    );
  });
});
