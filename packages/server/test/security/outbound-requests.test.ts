// Server-side requests go only where the operator allows (issue 17, finding 3): an agent's
// compensation webhook on loopback is refused and never called, a redirect is not followed, a
// closed port and a dropped connection look alike to the reviewer, a `data:` URL is refused when
// reported, and an allowed name that resolves to loopback is refused. On SQLite and PostgreSQL.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseServerSettings } from '../../src/config/server-settings.js';
import { createTestDatabase, DATABASES, type TestDatabase } from '../helpers/databases.js';
import { localOutbound } from '../helpers/local-outbound.js';
import { securityPolicy, startHarness, type Answer, type Harness } from './harness.js';

interface Heard {
  method: string;
  path: string;
  headers: Record<string, unknown>;
}

/** A receiver on 127.0.0.1 that records every request: `/moved` redirects, `/drop` hangs up. */
async function startListener(): Promise<{ url: string; port: number; heard: Heard[]; close(): Promise<void> }> {
  const heard: Heard[] = [];
  const server: Server = createServer((request, response) => {
    heard.push({ method: request.method ?? '', path: request.url ?? '', headers: request.headers });
    request.resume();
    request.on('end', () => {
      if (request.url === '/moved') response.writeHead(307, { location: '/internal-admin?delete=all' }).end();
      else if (request.url === '/drop') request.socket.destroy();
      else response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    heard,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe.each(DATABASES)('outbound requests on %s', (kind) => {
  let listener: Awaited<ReturnType<typeof startListener>>;
  /** Loopback on the host lists (by address and by name) but not allowed as an address. */
  let strict: Harness;
  /** The operator allows the stand-in: 127.0.0.1 over plain http. */
  let allowed: Harness;
  const databases: TestDatabase[] = [];
  const people = new Map<Harness, { admin: string; reviewer: string; auditor: string; agent: string }>();

  async function start(settings: Parameters<typeof startHarness>[1]): Promise<Harness> {
    const database = await createTestDatabase(kind);
    databases.push(database);
    const harness = await startHarness(securityPolicy(`${listener.url}/notify`), { ...settings, serve: { db: database.url } });
    people.set(harness, {
      admin: (await harness.person('ada', 'admin')).token,
      reviewer: (await harness.person('rex', 'approver')).token,
      auditor: (await harness.person('aud', 'auditor')).token,
      agent: (await harness.agent('ops-bot')).token,
    });
    return harness;
  }

  beforeAll(async () => {
    listener = await startListener();
    strict = await start({ settings: parseServerSettings({ outbound: { allow_http: true, allow_hosts: ['127.0.0.1', 'localhost'] } }) });
    allowed = await start({ settings: localOutbound() });
  }, 60_000);

  afterAll(async () => {
    await strict?.close();
    await allowed?.close();
    await listener?.close();
    for (const database of databases) await database.drop();
  });

  /** An action that ran under a REVIEW decision; its outcome names `webhook` as the way to undo it. */
  async function executed(server: Harness, webhook: string): Promise<string> {
    const { agent } = people.get(server)!;
    const submitted = await server.send('POST', '/v1/actions', { token: agent, body: { action_type: 'task', summary: 'clean up' } });
    expect(submitted.body.decision).toBe('REVIEW');
    const outcome = await server.send('POST', `/v1/actions/${submitted.body.id}/outcome`, {
      token: agent,
      body: { status: 'succeeded', compensation: { webhook } },
    });
    expect(outcome.status, outcome.text).toBe(200);
    return submitted.body.id as string;
  }

  const reverse = (server: Harness, id: string): Promise<Answer> =>
    server.send('POST', `/v1/actions/${id}/review`, { token: people.get(server)!.reviewer, body: { verdict: 'reverse' } });

  async function auditOf(server: Harness, id: string): Promise<{ type: string; data: Record<string, unknown> }[]> {
    const answer = await server.send('GET', `/v1/audit?subject=${id}&limit=1000`, { token: people.get(server)!.auditor });
    return answer.body.events;
  }

  /** The reversal failed and changed nothing but its record: the action is not reversed, the review still open. */
  async function expectNotReversed(server: Harness, id: string, outbound: string): Promise<{ answer: Answer; reason: string }> {
    const action = await server.send('GET', `/v1/actions/${id}`, { token: people.get(server)!.reviewer });
    expect(action.body.status).toBe('executed');
    const reviews = await server.send('GET', '/v1/reviews?status=pending', { token: people.get(server)!.reviewer });
    expect(reviews.body.reviews.find((review: { action_id: string }) => review.action_id === id)).toMatchObject({ status: 'pending' });
    const audit = await auditOf(server, id);
    expect(audit.map((event) => event.type)).not.toContain('review.reversed');
    const failed = audit.filter((event) => event.type === 'review.reversal_failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]!.data).toMatchObject({ outbound, ok: false });
    return { answer: action, reason: String(failed[0]!.data.reason) };
  }

  function expectReversalRefused(answer: Answer, outbound: string): void {
    expect(answer.status, answer.text).toBe(502);
    expect(answer.body.error.code).toBe('review.reversal_failed');
    expect(answer.body.error.details.outbound).toBe(outbound);
  }

  it('refuses a compensation webhook on loopback and never calls it', async () => {
    const before = listener.heard.length;
    const id = await executed(strict, `${listener.url}/internal-admin?delete=all`);
    const answer = await reverse(strict, id);
    expectReversalRefused(answer, 'outbound.refused');
    expect(answer.body.error.message).toBe(
      `the compensation webhook at \`127.0.0.1:${listener.port}\` was not called: the outbound rules do not allow it; the action is not reversed`,
    );
    expect(listener.heard.slice(before)).toEqual([]);
    const { reason } = await expectNotReversed(strict, id, 'outbound.refused');
    expect(reason).toContain('127.0.0.1 (loopback)');
  });

  it('refuses a private address even when its host name is allowed', async () => {
    const before = listener.heard.length;
    const id = await executed(strict, `http://localhost:${listener.port}/undo`);
    expectReversalRefused(await reverse(strict, id), 'outbound.refused');
    expect(listener.heard.slice(before)).toEqual([]);
    expect((await expectNotReversed(strict, id, 'outbound.refused')).reason).toMatch(
      /`localhost` resolves to (127\.0\.0\.1|::1) \(loopback\)/,
    );
  });

  it('refuses a host on no allow-list without calling it', async () => {
    const id = await executed(allowed, `http://127.0.0.2:${listener.port}/undo`);
    expectReversalRefused(await reverse(allowed, id), 'outbound.refused');
    expect((await expectNotReversed(allowed, id, 'outbound.refused')).reason).toContain('not on the outbound allow-list');
  });

  it('does not follow a redirect from an allowed host', async () => {
    const before = listener.heard.length;
    const id = await executed(allowed, `${listener.url}/moved`);
    expectReversalRefused(await reverse(allowed, id), 'outbound.failed');
    expect(listener.heard.slice(before).map((request) => request.path)).toEqual(['/moved']);
    expect((await expectNotReversed(allowed, id, 'outbound.failed')).reason).toContain('307');
  });

  it('answers a closed port and a dropped connection alike; the reasons are in the audit trail', async () => {
    const port = await closedPort();
    const closed = await executed(allowed, `http://127.0.0.1:${port}/undo`);
    const dropped = await executed(allowed, `${listener.url}/drop`);
    const answers = [await reverse(allowed, closed), await reverse(allowed, dropped)];
    for (const answer of answers) expectReversalRefused(answer, 'outbound.failed');
    // Alike once the host the agent gave itself is taken out.
    const generic = (answer: Answer, host: string) => {
      const { url, webhook_id, at, ...reversal } = answer.body.error.details.reversal as Record<string, unknown>;
      expect([url, webhook_id, at].every((value) => typeof value === 'string')).toBe(true);
      return { message: String(answer.body.error.message).replace(host, 'HOST'), reversal };
    };
    expect(generic(answers[0]!, `127.0.0.1:${port}`)).toEqual(generic(answers[1]!, `127.0.0.1:${listener.port}`));
    expect(answers[0]!.text).not.toMatch(/ECONNREFUSED|closed|socket|hang up/i);
    expect((await expectNotReversed(allowed, closed, 'outbound.failed')).reason).toContain('ECONNREFUSED');
    expect((await expectNotReversed(allowed, dropped, 'outbound.failed')).reason).not.toContain('ECONNREFUSED');
  });

  it('refuses a compensation webhook that is not an http(s) URL when the outcome is reported, storing nothing', async () => {
    const { agent, auditor } = people.get(strict)!;
    for (const webhook of ['data:text/plain,hello', 'file:///etc/passwd', 'javascript:alert(1)', 'not a url', 42]) {
      const submitted = await strict.send('POST', '/v1/actions', { token: agent, body: { action_type: 'task', summary: 'x' } });
      const id = submitted.body.id as string;
      const answer = await strict.send('POST', `/v1/actions/${id}/outcome`, {
        token: agent,
        body: { status: 'succeeded', compensation: { webhook } },
      });
      expect(answer.status, String(webhook)).toBe(400);
      expect(answer.body.error).toMatchObject({ code: 'request.invalid', details: { field: 'body.compensation.webhook' } });
      expect(answer.body.error.message).toContain('`compensation.webhook`');
      const action = await strict.send('GET', `/v1/actions/${id}`, { token: agent });
      expect(action.body.status).toBe('review');
      expect(action.body.outcome).toBeUndefined();
      const audit = await strict.send('GET', `/v1/audit?subject=${id}`, { token: auditor });
      expect(audit.body.events.map((event: { type: string }) => event.type)).not.toContain('action.outcome');
    }
  });

  it('calls a webhook the operator allows, and shows the reviewer where before they confirm', async () => {
    const before = listener.heard.length;
    const id = await executed(allowed, `${listener.url}/undo`);
    const queue = await allowed.send('GET', '/v1/reviews?status=pending', { token: people.get(allowed)!.reviewer });
    expect(queue.body.reviews.find((review: { action_id: string }) => review.action_id === id).compensation).toEqual({
      method: 'webhook',
      url: `${listener.url}/undo`,
      host: `127.0.0.1:${listener.port}`,
      supplied_by: 'agent',
    });
    const answer = await reverse(allowed, id);
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body).toMatchObject({ status: 'reversed', reversal: { method: 'webhook', status: 204 } });
    expect(listener.heard.slice(before)).toMatchObject([{ method: 'POST', path: '/undo' }]);
    expect(String(listener.heard.at(-1)!.headers['webhook-signature'])).toMatch(/^v1,/);
  });

  it('sends no notification to a webhook channel on loopback, and says why only in the log', async () => {
    const before = listener.heard.length;
    const { admin } = people.get(strict)!;
    // A request for approval: the policy sends every notification to the webhook channel.
    for (const server of [strict, allowed]) {
      const submitted = await server.send('POST', '/v1/actions', {
        token: people.get(server)!.agent,
        body: { action_type: 'deploy', environment: 'production', summary: 'ship it' },
      });
      expect(submitted.body.decision).toBe('REQUIRE_APPROVAL');
    }
    await strict.services.notifications.sender.deliverDue();
    expect(listener.heard.slice(before).filter((request) => request.path === '/notify')).toEqual([]);
    const messages = (await strict.send('GET', '/v1/notifications?limit=1000', { token: admin })).body.notifications as {
      status: string;
      last_error: string | null;
    }[];
    expect(messages.length).toBeGreaterThan(0);
    for (const message of messages) {
      expect(message.status).toBe('dead');
      expect(message.last_error).toBe(
        `the server does not call this address: the outbound rules do not allow it (\`127.0.0.1:${listener.port}\`)`,
      );
    }
    // With the operator's allowance the same channel is called.
    await allowed.services.notifications.sender.deliverDue();
    expect(listener.heard.slice(before).some((request) => request.path === '/notify')).toBe(true);
  });

  it("lets a tenant's admin add public hosts only, audited on the tenant's chain; auditors read them", async () => {
    const { admin, reviewer, auditor } = people.get(strict)!;
    const put = (token: string, allow_hosts: unknown) => strict.send('PUT', '/v1/settings/outbound', { token, body: { allow_hosts } });
    const audited = async () =>
      (await strict.send('GET', '/v1/audit?type=settings.outbound_changed', { token: auditor })).body.events as {
        data: Record<string, unknown>;
      }[];
    for (const hosts of [
      ['localhost'],
      ['127.0.0.1'],
      ['[::1]'],
      ['metadata.internal'],
      ['printer.local'],
      ['hooks.example.com', 'intranet'],
    ]) {
      const answer = await put(admin, hosts);
      expect(answer.status, hosts.join()).toBe(400);
      expect(answer.body.error).toMatchObject({ code: 'request.invalid', details: { field: 'body.allow_hosts' } });
    }
    expect((await put(admin, { allow_http: true })).status).toBe(400);
    expect((await put(reviewer, ['hooks.example.com'])).status).toBe(403);
    expect(await audited()).toEqual([]);

    const answer = await put(admin, ['Hooks.Example.com', '*.acme.dev']);
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body.allow_hosts).toEqual(['hooks.example.com', '*.acme.dev']);
    const read = await strict.send('GET', '/v1/settings/outbound', { token: auditor });
    expect(read.body).toMatchObject({
      operator: { allow_hosts: ['127.0.0.1', 'localhost'], allow_http: true, allow_addresses: [] },
      tenant: { allow_hosts: [] },
      allow_hosts: ['hooks.example.com', '*.acme.dev'],
    });
    expect((await strict.send('PUT', '/v1/settings/outbound', { token: auditor, body: { allow_hosts: [] } })).status).toBe(403);
    expect(await audited()).toMatchObject([{ data: { added: ['hooks.example.com', '*.acme.dev'], removed: [] } }]);
    const verify = await strict.send('GET', '/v1/audit/verify', { token: auditor });
    expect(verify.body.ok ?? verify.body.valid).toBe(true);
  });
});
