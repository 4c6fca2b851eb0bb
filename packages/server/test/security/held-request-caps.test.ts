// Requests held open (long-polls with `wait`, event streams) are capped per API key, per session and
// per node, from the operator's settings and whatever `--rate-limit` says: past a cap the request is
// refused with 429 and Retry-After before any work, and a slot comes back however its request ends.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseServerSettings } from '../../src/config/server-settings.js';
import { HELD_RETRY_AFTER_SECONDS } from '../../src/http/hold-limits.js';
import { sha256 } from '../../src/util/ids.js';
import { securityPolicy, startHarness, type Answer, type Harness } from './harness.js';

const PER_KEY = 3;
const PER_SESSION = 2;
const PER_NODE = 7;

/** A request held open by the test; `stop` hangs up as a client would. */
interface Open {
  answered: Promise<Response | undefined>;
  stop(): void;
}

function expectCapped(answer: Answer, scope: 'key' | 'session' | 'node', limit: number): void {
  expect(answer.status, answer.text.slice(0, 300)).toBe(429);
  expect(answer.headers.get('retry-after')).toBe(String(HELD_RETRY_AFTER_SECONDS));
  expect(answer.body).toEqual({
    error: {
      code: 'request.too_many_open',
      message: expect.stringMatching(/held open already .*; retry in \d+ s$/),
      details: { retry_after: HELD_RETRY_AFTER_SECONDS, limit, scope },
    },
  });
}

describe('caps on held requests', () => {
  let folder: string;
  let server: Harness;
  let bot: { token: string; keyId: string };
  let other: { token: string; keyId: string };
  let approver: { token: string; password: string };
  let pendingId: string;

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'tollgate-held-'));
    const settings = join(folder, 'settings.yaml');
    writeFileSync(settings, `limits:\n  held_per_key: ${PER_KEY}\n  held_per_session: ${PER_SESSION}\n  held_per_node: ${PER_NODE}\n`);
    // The harness serves with `--rate-limit 0`: the caps hold all the same.
    server = await startHarness(securityPolicy(), { serve: { settings } });
    bot = await server.agent('deploy-bot');
    // Another key of the same agent, which may wait on the same action.
    other = await server.agent('deploy-bot');
    approver = await server.person('ann', 'approver', { groups: ['approvers'] });
    pendingId = await pending();
  });

  afterAll(async () => {
    await server?.close();
    rmSync(folder, { recursive: true, force: true });
  });

  let requests = 0;
  /** A new request: numbered, since an action identical to a pending one is answered with that one. */
  async function pending(): Promise<string> {
    const submitted = await server.send('POST', '/v1/actions', {
      token: bot.token,
      body: { action_type: 'deploy', environment: 'production', summary: 'deploy v2', request: ++requests },
    });
    expect(submitted.status).toBe(201);
    expect(submitted.body.status).toBe('pending');
    return submitted.body.id as string;
  }

  /** Starts a request the server will hold, without waiting for its answer. */
  function hold(path: string, token: string, method = 'GET', body?: unknown): Open {
    const controller = new AbortController();
    const answered = fetch(`${server.url}${path}`, {
      method,
      signal: controller.signal,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }).catch(() => undefined);
    return { answered, stop: () => controller.abort() };
  }

  const held = (holder?: string) => server.app.held.count(holder);
  const until = (check: () => void) => vi.waitFor(check, { timeout: 10_000, interval: 10 });
  const keyOf = (agent: { keyId: string }) => `key:${agent.keyId}`;
  const sessionOf = (person: { token: string }) => `session:${sha256(person.token)}`;
  const waitOn = (id: string, seconds = 60) => `/v1/actions/${id}?wait=${seconds}`;

  it('refuses a key’s long-poll past its cap, before any work, while another key is held as usual', async () => {
    const polls = Array.from({ length: PER_KEY }, () => hold(waitOn(pendingId), bot.token));
    await until(() => expect(held(keyOf(bot))).toBe(PER_KEY));

    expectCapped(await server.send('GET', waitOn(pendingId), { token: bot.token }), 'key', PER_KEY);
    // A submission that would wait is refused before it is read: no action, no audit event.
    const actions = (await server.services.store.actions.list('default', {})).length;
    const head = await server.services.store.audit.head('default');
    expectCapped(
      await server.send('POST', '/v1/actions?wait=30', { token: bot.token, body: { action_type: 'deploy', environment: 'production' } }),
      'key',
      PER_KEY,
    );
    expect((await server.services.store.actions.list('default', {})).length).toBe(actions);
    expect(await server.services.store.audit.head('default')).toEqual(head);
    // What does not wait is not capped.
    expect((await server.send('GET', `/v1/actions/${pendingId}`, { token: bot.token })).status).toBe(200);
    expect((await server.send('GET', waitOn(pendingId, 0), { token: bot.token })).status).toBe(200);

    const neighbour = hold(waitOn(pendingId), other.token);
    await until(() => expect(held(keyOf(other))).toBe(1));
    expect(held(keyOf(bot))).toBe(PER_KEY);

    // A worker key's job long-polls are held and capped the same way.
    const worker = await server.worker('analyzer-1', ['analyzer']);
    const jobPolls = Array.from({ length: PER_KEY }, () => hold('/v1/jobs/next?capability=analyzer&wait=30', worker.token));
    await until(() => expect(held(keyOf(worker))).toBe(PER_KEY));
    expectCapped(await server.send('GET', '/v1/jobs/next?capability=analyzer&wait=30', { token: worker.token }), 'key', PER_KEY);

    // Clients that hang up give their slots back, once each.
    for (const poll of [...polls, neighbour, ...jobPolls]) poll.stop();
    await until(() => expect(held()).toBe(0));
    const again = hold(waitOn(pendingId), bot.token);
    await until(() => expect(held(keyOf(bot))).toBe(1));
    again.stop();
    await until(() => expect(held()).toBe(0));
  });

  it('caps a session’s event streams and long-polls together; another session of the same person is unaffected', async () => {
    const streams = Array.from({ length: PER_SESSION }, () => hold('/v1/events', approver.token));
    for (const stream of streams) expect((await stream.answered)?.status).toBe(200);
    expect(held(sessionOf(approver))).toBe(PER_SESSION);

    expectCapped(await server.send('GET', '/v1/events', { token: approver.token }), 'session', PER_SESSION);
    expectCapped(await server.send('GET', waitOn(pendingId), { token: approver.token }), 'session', PER_SESSION);
    // Reading without waiting is not capped.
    expect((await server.send('GET', `/v1/actions/${pendingId}`, { token: approver.token })).status).toBe(200);

    const second = (await server.services.auth.login('ann', approver.password)).token;
    const elsewhere = hold('/v1/events', second);
    expect((await elsewhere.answered)?.status).toBe(200);
    expect(held(`session:${sha256(second)}`)).toBe(1);

    for (const stream of [...streams, elsewhere]) stream.stop();
    await until(() => expect(held()).toBe(0));
    const reopened = hold('/v1/events', approver.token);
    expect((await reopened.answered)?.status).toBe(200);
    reopened.stop();
    await until(() => expect(held()).toBe(0));
  });

  it('caps the node across keys and sessions, and frees the slots of answered long-polls', async () => {
    const keys = [bot, other, await server.agent('deploy-bot')];
    const polls = [
      ...Array.from({ length: PER_KEY }, () => hold(waitOn(pendingId), keys[0]!.token)),
      ...Array.from({ length: PER_KEY }, () => hold(waitOn(pendingId), keys[1]!.token)),
      hold('/v1/events', approver.token),
    ];
    await until(() => expect(held()).toBe(PER_NODE));
    expect(held(keyOf(keys[2]!))).toBe(0);
    expectCapped(await server.send('GET', waitOn(pendingId), { token: keys[2]!.token }), 'node', PER_NODE);
    expectCapped(await server.send('GET', '/v1/events', { token: (await server.person('bea', 'auditor')).token }), 'node', PER_NODE);

    // The verdict answers every waiting long-poll; each answer frees its slot.
    const approval = await server.send('GET', `/v1/actions/${pendingId}`, { token: bot.token });
    const vote = await server.send('POST', `/v1/approvals/${approval.body.approval.id}/votes`, {
      token: approver.token,
      body: { verdict: 'approve' },
    });
    expect(vote.status).toBe(201);
    for (const poll of polls.slice(0, -1)) expect((await poll.answered)?.status).toBe(200);
    await until(() => expect(held()).toBe(1));
    polls.at(-1)!.stop();
    await until(() => expect(held()).toBe(0));
  });

  it('frees the slot of a long-poll that times out', async () => {
    const id = await pending();
    const poll = hold(waitOn(id, 1), bot.token);
    const answer = await poll.answered;
    expect(answer?.status).toBe(200);
    expect(((await answer!.json()) as { status: string }).status).toBe('pending');
    await until(() => expect(held()).toBe(0));
  });

  it('frees every slot when the server closes', async () => {
    const closing = await startHarness(securityPolicy());
    const agent = await closing.agent('deploy-bot');
    const person = await closing.person('ann', 'approver', { groups: ['approvers'] });
    const submitted = await closing.send('POST', '/v1/actions', {
      token: agent.token,
      body: { action_type: 'deploy', environment: 'production' },
    });
    const url = (path: string) => `${closing.url}${path}`;
    const poll = fetch(url(`/v1/actions/${submitted.body.id}?wait=60`), { headers: { authorization: `Bearer ${agent.token}` } });
    const stream = await fetch(url('/v1/events'), { headers: { authorization: `Bearer ${person.token}` } });
    expect(stream.status).toBe(200);
    await until(() => expect(closing.app.held.count()).toBe(2));
    const held = closing.app.held;
    await closing.close();
    expect((await poll).status).toBe(200);
    expect(held.count()).toBe(0);
  });
});

describe('the limits settings', () => {
  it('default to caps for real use and take whole numbers above 0, naming every bad one', () => {
    expect(parseServerSettings({}).limits).toEqual({ held_per_key: 100, held_per_session: 10, held_per_node: 10_000 });
    expect(parseServerSettings({ limits: { held_per_key: 5 } }).limits.held_per_key).toBe(5);
    let message = '';
    try {
      parseServerSettings({ limits: { held_per_key: 0, held_per_session: 'ten', held_per_node: 2.5, streams: 1 } });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('limits.held_per_key: must be a whole number above 0');
    expect(message).toContain('limits.held_per_session: must be a whole number above 0');
    expect(message).toContain('limits.held_per_node: must be a whole number above 0');
    expect(message).toContain('limits.streams: unknown setting');
  });
});
