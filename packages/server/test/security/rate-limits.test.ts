// Guessing is stopped: sign-ins are limited per address and per name (so rotating either alone
// does not help), unknown API keys and tokens get an address refused, made-up tokens open no rate
// limit bucket of their own, and every refusal is a 429 in the API's error format with Retry-After.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREDENTIAL_FAILURE_WINDOW_MS, CREDENTIAL_FAILURES_PER_ADDRESS } from '../../src/http/app.js';
import {
  LOGIN_FAILURE_WINDOW_MS,
  LOGIN_FAILURES_PER_ADDRESS,
  LOGIN_FAILURES_PER_NAME,
  SESSION_TTL_MS,
} from '../../src/services/auth-service.js';
import { sha256 } from '../../src/util/ids.js';
import { ManualClock } from '../../src/util/clock.js';
import { startReceiver, type Receiver } from '../helpers/vendor-stand-ins.js';
import { localOutbound } from '../helpers/local-outbound.js';
import { startHarness, teamsLinkPolicy, type Harness } from './harness.js';

const POLICY = 'defaults: { decision: ALLOW }\n';
/** A Teams channel, whose cards carry one-click links that ask for a name and password. */
const WITH_LINKS = teamsLinkPolicy('TG_SECURITY_TEAMS_URL');

interface Injected {
  status: number;
  body: any;
  headers: Record<string, unknown>;
}

/** One request from a chosen client address, in process. */
async function from(
  server: Harness,
  address: string,
  method: 'GET' | 'POST',
  url: string,
  options: { token?: string; body?: unknown } = {},
): Promise<Injected> {
  const answer = await server.app.inject({
    method,
    url,
    remoteAddress: address,
    headers: options.token === undefined ? {} : { authorization: `Bearer ${options.token}` },
    ...(options.body === undefined ? {} : { payload: options.body as object }),
  });
  let body: unknown = answer.body;
  try {
    body = JSON.parse(answer.body);
  } catch {
    // not JSON
  }
  return { status: answer.statusCode, body, headers: answer.headers };
}

function expectLimited(answer: Injected, context: string): void {
  expect(answer.status, `${context}: ${JSON.stringify(answer.body)}`).toBe(429);
  expect(answer.body).toEqual({
    error: {
      code: 'request.rate_limited',
      message: expect.stringMatching(/retry in \d+ s$/),
      details: { retry_after: expect.any(Number) },
    },
  });
  expect(Number(answer.headers['retry-after']), context).toBe(answer.body.error.details.retry_after);
  expect(answer.body.error.details.retry_after, context).toBeGreaterThan(0);
}

const madeUp = (n: number) => `tg_key_${n.toString(36).padStart(8, '0')}made-up-secret-${n}`;

describe('limits on guessing credentials', () => {
  let server: Harness;
  let teams: Receiver;
  const clock = new ManualClock();
  let bot: { token: string };
  let worker: { token: string };
  let alice: { password: string };
  let carol: { password: string };
  let address = 0;
  /** A new client address, as an attacker with many addresses has. */
  const fresh = () => `10.1.${Math.floor(++address / 250)}.${address % 250}`;

  beforeAll(async () => {
    teams = await startReceiver(() => ({}));
    process.env.TG_SECURITY_TEAMS_URL = `${teams.url}/workflow`;
    // Requests per second high enough that only the guessing limits answer here.
    server = await startHarness(WITH_LINKS, { serve: { rateLimit: 10_000 }, clock, settings: localOutbound() });
    alice = await server.person('alice', 'approver', { groups: ['ops'] });
    await server.person('bob', 'approver', { groups: ['ops'] });
    carol = await server.person('carol', 'approver', { groups: ['ops'] });
    bot = await server.agent('deploy-bot');
    worker = await server.worker('idle-worker', ['none']);
  });

  afterAll(async () => {
    await server?.close();
    await teams?.close();
    delete process.env.TG_SECURITY_TEAMS_URL;
  });

  it('limits sign-ins per address, across names and whatever token the request carries', async () => {
    const attacker = fresh();
    for (let i = 0; i < LOGIN_FAILURES_PER_ADDRESS; i++) {
      // A made-up bearer token on each try must not make each try a new client.
      const answer = await from(server, attacker, 'POST', '/v1/auth/login', {
        token: madeUp(i),
        body: { name: `name-${i}`, password: 'guess' },
      });
      expect(answer.status).toBe(401);
      expect(answer.body.error.code).toBe('auth.invalid_credentials');
    }
    expectLimited(await from(server, attacker, 'POST', '/v1/auth/login', { body: { name: 'bob', password: 'guess' } }), 'next name');
    // The right password from that address waits too; another address is not affected.
    expectLimited(
      await from(server, attacker, 'POST', '/v1/auth/login', { body: { name: 'alice', password: alice.password } }),
      'right password, same address',
    );
    expect((await from(server, fresh(), 'POST', '/v1/auth/login', { body: { name: 'alice', password: alice.password } })).status).toBe(200);
  });

  it('limits failed sign-ins per name, across addresses, until the window ends', async () => {
    for (let i = 0; i < LOGIN_FAILURES_PER_NAME; i++) {
      const answer = await from(server, fresh(), 'POST', '/v1/auth/login', { body: { name: 'alice', password: `guess-${i}` } });
      expect(answer.status).toBe(401);
    }
    // Now even the right password is refused for that name, from any address: a guess can no longer be told right.
    expectLimited(await from(server, fresh(), 'POST', '/v1/auth/login', { body: { name: 'alice', password: alice.password } }), 'alice');
    expectLimited(await from(server, fresh(), 'POST', '/v1/auth/login', { body: { name: 'ALICE', password: 'guess' } }), 'case');
    // Another name is not affected, and an unknown name is limited the same way (names are not revealed).
    expect((await from(server, fresh(), 'POST', '/v1/auth/login', { body: { name: 'bob', password: 'wrong' } })).status).toBe(401);
    for (let i = 0; i < LOGIN_FAILURES_PER_NAME; i++)
      await from(server, fresh(), 'POST', '/v1/auth/login', { body: { name: 'nobody', password: `guess-${i}` } });
    expectLimited(await from(server, fresh(), 'POST', '/v1/auth/login', { body: { name: 'nobody', password: 'guess' } }), 'nobody');

    clock.advance(LOGIN_FAILURE_WINDOW_MS);
    const signedIn = await from(server, fresh(), 'POST', '/v1/auth/login', { body: { name: 'alice', password: alice.password } });
    expect(signedIn.status).toBe(200);
    // A success clears the name's failures.
    for (let i = 0; i < LOGIN_FAILURES_PER_NAME - 1; i++)
      expect((await from(server, fresh(), 'POST', '/v1/auth/login', { body: { name: 'alice', password: 'x' } })).status).toBe(401);
    expect((await from(server, fresh(), 'POST', '/v1/auth/login', { body: { name: 'alice', password: alice.password } })).status).toBe(200);
  });

  it('does not let guesses sent all at once slip past the per-name limit', async () => {
    const answers = await Promise.all(
      Array.from({ length: LOGIN_FAILURES_PER_NAME * 3 }, (_, i) =>
        from(server, fresh(), 'POST', '/v1/auth/login', { body: { name: 'bob', password: `burst-${i}` } }),
      ),
    );
    // bob had one failure from the previous test, in a window since ended.
    expect(answers.filter((a) => a.status === 401).length).toBeLessThanOrEqual(LOGIN_FAILURES_PER_NAME);
    expect(answers.filter((a) => a.status === 429).length).toBeGreaterThanOrEqual(LOGIN_FAILURES_PER_NAME * 2);
  });

  it('counts wrong passwords typed into a one-click link’s form toward the same per-name limit', async () => {
    const submitted = await from(server, fresh(), 'POST', '/v1/actions', {
      token: bot.token,
      body: { action_type: 'deploy', environment: 'production', summary: 'deploy v2' },
    });
    expect(submitted.status).toBe(201);
    await server.services.notifications.sender.deliverDue();
    const token = /\/v1\/integrations\/links\/([A-Za-z0-9._~-]+)/.exec(teams.received.at(-1)?.body ?? '')?.[1];
    expect(token, 'a link in the Teams card').toBeDefined();
    const viaLink = (password: string) =>
      server.app.inject({
        method: 'POST',
        url: `/v1/integrations/links/${token}`,
        remoteAddress: fresh(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: `name=carol&password=${encodeURIComponent(password)}`,
      });
    for (let i = 0; i < LOGIN_FAILURES_PER_NAME; i++) expect((await viaLink(`guess-${i}`)).statusCode).toBe(401);
    // Neither the link form nor the sign-in page takes carol's password now, even the right one.
    expect((await viaLink(carol.password)).statusCode).toBe(429);
    expectLimited(await from(server, fresh(), 'POST', '/v1/auth/login', { body: { name: 'carol', password: carol.password } }), 'carol');
    clock.advance(LOGIN_FAILURE_WINDOW_MS);
    expect((await viaLink(carol.password)).statusCode).toBe(200);
  });

  it.each([
    ['unknown API keys', (n: number) => madeUp(n), 'auth.invalid_key'],
    ['unknown session tokens', (n: number) => `tg_ses_${n}-made-up-session`, 'auth.required'],
    ['tokens of no known kind', (n: number) => `opaque-${n}`, 'auth.required'],
  ])('refuses an address that keeps sending %s, even its good key, until the window ends', async (_name, token, code) => {
    const attacker = fresh();
    for (let i = 0; i < CREDENTIAL_FAILURES_PER_ADDRESS; i++) {
      const answer = await from(server, attacker, 'GET', '/v1/agents/deploy-bot', { token: token(i) });
      expect(answer.status).toBe(401);
      expect(answer.body.error.code).toBe(code);
    }
    expectLimited(await from(server, attacker, 'GET', '/v1/agents/deploy-bot', { token: token(-1) }), 'next guess');
    expectLimited(await from(server, attacker, 'POST', '/v1/actions', { token: bot.token, body: { action_type: 'x' } }), 'good key');
    // A neighbour at another address carries on.
    expect((await from(server, fresh(), 'POST', '/v1/actions', { token: bot.token, body: { action_type: 'x' } })).status).toBe(201);
    clock.advance(CREDENTIAL_FAILURE_WINDOW_MS);
    expect((await from(server, attacker, 'POST', '/v1/actions', { token: bot.token, body: { action_type: 'x' } })).status).toBe(201);
  });

  it('does not count good credentials or anonymous requests as failures', async () => {
    const client = fresh();
    for (let i = 0; i < CREDENTIAL_FAILURES_PER_ADDRESS * 2; i++) {
      expect((await from(server, client, 'GET', '/v1/jobs/next?capability=none', { token: worker.token })).status).toBe(204);
      expect((await from(server, client, 'GET', '/v1/agents')).status).toBe(401);
    }
  });

  it('deletes the sign-in failures of ended windows and expired sessions, and counts a name afresh after', async () => {
    await server.services.auth.purgeExpired(); // what the tests above left behind
    expect((await from(server, fresh(), 'POST', '/v1/auth/login', { body: { name: 'dora', password: 'guess' } })).status).toBe(401);
    const session = await from(server, fresh(), 'POST', '/v1/auth/login', { body: { name: 'alice', password: alice.password } });
    expect(session.status).toBe(200);
    // Nothing has ended yet: nothing goes.
    expect(await server.services.auth.purgeExpired()).toEqual({ sessions: 0, signInWindows: 0 });
    clock.advance(SESSION_TTL_MS);
    const purged = await server.services.auth.purgeExpired();
    expect(purged.sessions).toBeGreaterThanOrEqual(1);
    expect(purged.signInWindows).toBeGreaterThanOrEqual(1);
    expect(await server.services.store.sessions.findByHash(sha256(session.body.token))).toBeUndefined();
    expect(await server.services.store.signInFailures.count('default', 'dora', clock.now(), LOGIN_FAILURE_WINDOW_MS)).toMatchObject({
      failures: 1,
    });
  });
});

describe('requests per second per key', () => {
  const LIMIT = 20;
  let server: Harness;
  let bot: { token: string };
  let other: { token: string };

  beforeAll(async () => {
    server = await startHarness(POLICY, { serve: { rateLimit: LIMIT } });
    // Worker keys: a key's bucket is the same whatever kind it is.
    bot = await server.worker('idle-worker', ['none']);
    other = await server.worker('other-worker', ['none']);
  });

  afterAll(async () => {
    await server?.close();
  });

  /** `count` requests at once; the statuses seen. */
  async function burst(count: number, request: (i: number) => Promise<Injected>): Promise<Injected[]> {
    return Promise.all(Array.from({ length: count }, (_, i) => request(i)));
  }

  it('limits one key, and not another key from the same address', async () => {
    const answers = await burst(LIMIT * 2, () => from(server, '10.2.0.1', 'GET', '/v1/jobs/next?capability=none', { token: bot.token }));
    const limited = answers.filter((a) => a.status === 429);
    expect(limited.length).toBeGreaterThanOrEqual(LIMIT / 2);
    expectLimited(limited[0]!, 'same key');
    expect((await from(server, '10.2.0.1', 'GET', '/v1/jobs/next?capability=none', { token: other.token })).status).toBe(204);
  });

  it('gives made-up tokens the address’s bucket, not one each', async () => {
    // Before, every distinct token string had its own bucket: rotating junk tokens escaped every limit.
    const answers = await burst(LIMIT * 2, (i) => from(server, '10.2.0.2', 'GET', '/healthz', { token: madeUp(1000 + i) }));
    expect(answers.filter((a) => a.status === 429).length).toBeGreaterThanOrEqual(LIMIT / 2);
    expect((await from(server, '10.2.0.3', 'GET', '/healthz')).status).toBe(200);
  });
});
