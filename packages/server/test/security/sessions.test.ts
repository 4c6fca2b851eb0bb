// The dashboard's session cookie: a value the client chose is never accepted or kept, signing
// out ends the session on the server, state changes by cookie need the CSRF header and a page of
// our own origin, and the cookie is HttpOnly, SameSite=Strict, and Secure behind HTTPS.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_COOKIE } from '../../src/http/auth.js';
import { expectErrorShape, startHarness, type Answer, type Harness } from './harness.js';
import { DEPLOY_GATE as POLICY } from '../helpers/policies.js';

function cookieOf(answer: Answer): { value: string; attributes: string[] } {
  const header = answer.headers.get('set-cookie');
  expect(header, 'a Set-Cookie header').not.toBeNull();
  const [pair, ...attributes] = header!.split(';').map((part) => part.trim());
  const [name, value] = pair!.split('=') as [string, string];
  expect(name).toBe(SESSION_COOKIE);
  return { value: decodeURIComponent(value), attributes };
}

const withCookie = (value: string, headers: Record<string, string> = {}) => ({
  headers: { cookie: `${SESSION_COOKIE}=${encodeURIComponent(value)}`, ...headers },
});
const CSRF = { 'x-tollgate-csrf': '1' };

describe('dashboard sessions', () => {
  let server: Harness;
  let alice: { password: string };
  let admin: { password: string };
  let bot: { token: string };

  async function login(name: string, password: string, headers: Record<string, string> = {}): Promise<{ answer: Answer; cookie: string }> {
    const answer = await server.send('POST', '/v1/auth/login', { body: { name, password }, headers });
    expect(answer.status, answer.text).toBe(200);
    const cookie = cookieOf(answer).value;
    expect(cookie).toBe(answer.body.token);
    return { answer, cookie };
  }

  const me = (cookie: string, headers: Record<string, string> = {}) => server.send('GET', '/v1/auth/me', withCookie(cookie, headers));

  async function pendingApproval(): Promise<string> {
    const answer = await server.send('POST', '/v1/actions', {
      token: bot.token,
      body: { action_type: 'deploy', environment: 'production', summary: 'deploy v2' },
    });
    expect(answer.body.status).toBe('pending');
    return answer.body.approval.id;
  }

  beforeAll(async () => {
    server = await startHarness(POLICY);
    alice = await server.person('alice', 'approver', { groups: ['approvers'] });
    admin = await server.person('admin', 'admin', { groups: ['approvers'] });
    bot = await server.agent('deploy-bot');
  });

  afterAll(async () => {
    await server?.close();
  });

  describe('session fixation', () => {
    it.each([
      ['a random value', 'attacker-chosen-session-value'],
      ['a value shaped like a session token', 'tg_ses_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
    ])('never accepts or keeps %s set before sign-in', async (_name, chosen) => {
      const made = await me(chosen);
      expect(made.status).toBe(401);
      expect(made.body.error.code).toBe('auth.required');
      const { cookie } = await login('alice', alice.password, withCookie(chosen).headers);
      expect(cookie).not.toBe(chosen);
      expect(cookie).toMatch(/^tg_ses_[A-Za-z0-9_-]{40,}$/);
      // The chosen value is still nobody's session; the issued one is alice's.
      expect((await me(chosen)).status).toBe(401);
      expect((await me(cookie)).body).toMatchObject({ name: 'alice' });
    });

    it('issues a new session on every sign-in, also when already signed in', async () => {
      const first = await login('alice', alice.password);
      const second = await login('alice', alice.password, withCookie(first.cookie).headers);
      expect(second.cookie).not.toBe(first.cookie);
    });
  });

  describe('signing out', () => {
    it('ends the session on the server: the old cookie is refused afterwards', async () => {
      const { cookie } = await login('alice', alice.password);
      expect((await me(cookie)).status).toBe(200);
      const out = await server.send('POST', '/v1/auth/logout', withCookie(cookie, CSRF));
      expect(out.status).toBe(200);
      // The browser is told to drop it, and the server has dropped it whatever the browser does.
      const cleared = cookieOf(out);
      expect(cleared.value).toBe('');
      expect(cleared.attributes).toContain('Max-Age=0');
      for (const reuse of [me(cookie), server.send('GET', '/v1/auth/me', { token: cookie })]) {
        const answer = await reuse;
        expect(answer.status).toBe(401);
        expect(answer.body.error.code).toBe('auth.required');
      }
    });

    it('ends a token session used by bearer the same way', async () => {
      const { cookie: token } = await login('alice', alice.password);
      expect((await server.send('POST', '/v1/auth/logout', { token })).status).toBe(200);
      expect((await server.send('GET', '/v1/auth/me', { token })).status).toBe(401);
    });
  });

  describe('cross-site request forgery', () => {
    /** Unsafe requests a forged page would want to make with alice's or the admin's cookie. */
    const unsafe = (approvalId: string) => [
      { who: 'alice', method: 'POST', path: `/v1/approvals/${approvalId}/votes`, body: { verdict: 'approve' } },
      { who: 'alice', method: 'POST', path: `/v1/approvals/${approvalId}/delegate`, body: { to: 'admin' } },
      { who: 'alice', method: 'PATCH', path: '/v1/auth/me', body: { out_of_office: true } },
      { who: 'alice', method: 'POST', path: '/v1/auth/logout' },
      { who: 'admin', method: 'POST', path: '/v1/agents/deploy-bot/level', body: { level: 0, reason: 'forged' } },
      { who: 'admin', method: 'POST', path: '/v1/policy/reload' },
      {
        who: 'admin',
        method: 'PUT',
        path: '/v1/policy/shadow',
        body: { files: [{ path: 'p.yaml', text: 'defaults: { decision: DENY }' }] },
      },
      { who: 'admin', method: 'DELETE', path: '/v1/policy/shadow' },
      { who: 'admin', method: 'POST', path: '/v1/policy/shadow/promote' },
    ];

    async function sessions() {
      return { alice: (await login('alice', alice.password)).cookie, admin: (await login('admin', admin.password)).cookie };
    }

    it.each([
      ['without the header', {}],
      ['with another header value', { 'x-tollgate-csrf': '0' }],
      ['with the header but from another site', { ...CSRF, origin: 'https://evil.example' }],
      ['with the header but from an opaque origin', { ...CSRF, origin: 'null' }],
    ])('refuses cookie requests that change state %s, and nothing changes', async (_name, headers) => {
      const cookies = await sessions();
      const approvalId = await pendingApproval();
      const audit = await server.services.audit.head('default');
      for (const request of unsafe(approvalId)) {
        const answer = await server.send(request.method, request.path, {
          ...withCookie(cookies[request.who as 'alice' | 'admin'], headers),
          ...(request.body === undefined ? {} : { body: request.body }),
        });
        expect(answer.status, `${request.method} ${request.path}: ${answer.text}`).toBe(403);
        expectErrorShape(answer);
        expect(answer.body.error.code).toBe('auth.forbidden');
      }
      const approval = await server.send('GET', `/v1/approvals/${approvalId}`, withCookie(cookies.alice));
      expect(approval.body).toMatchObject({ status: 'pending', votes: [] });
      expect((await me(cookies.alice)).body).toMatchObject({ name: 'alice', out_of_office: false });
      expect(await server.services.audit.head('default')).toEqual(audit);
      expect((await server.send('GET', '/v1/policy/shadow', withCookie(cookies.admin))).status).toBe(404);
    });

    it('accepts them with the header from our own pages, and bearer tokens without it', async () => {
      const cookies = await sessions();
      const approvalId = await pendingApproval();
      const own = { ...CSRF, origin: server.url };
      const vote = await server.send('POST', `/v1/approvals/${approvalId}/votes`, {
        ...withCookie(cookies.alice, own),
        body: { verdict: 'approve' },
      });
      expect(vote.status, vote.text).toBe(201);
      const away = await server.send('PATCH', '/v1/auth/me', { ...withCookie(cookies.alice, CSRF), body: { out_of_office: true } });
      expect(away.status).toBe(200);
      const back = await server.send('PATCH', '/v1/auth/me', { token: cookies.alice, body: { out_of_office: false } });
      expect(back.status).toBe(200);
      // Reading needs no header, but still not from another site's page.
      expect((await me(cookies.alice)).status).toBe(200);
      const foreign = await me(cookies.alice, { origin: 'https://evil.example' });
      expect(foreign.status).toBe(403);
      expect(foreign.body.error.code).toBe('auth.forbidden');
    });
  });

  describe('cookie attributes', () => {
    it('marks the session cookie HttpOnly and SameSite=Strict, and not Secure on plain HTTP', async () => {
      const { answer, cookie } = await login('alice', alice.password);
      const { attributes } = cookieOf(answer);
      expect(attributes).toEqual(expect.arrayContaining(['Path=/', 'HttpOnly', 'SameSite=Strict']));
      expect(attributes).not.toContain('Secure');
      const out = await server.send('POST', '/v1/auth/logout', withCookie(cookie, CSRF));
      expect(cookieOf(out).attributes).toEqual(expect.arrayContaining(['HttpOnly', 'SameSite=Strict']));
    });

    it('adds Secure when the server is reached over HTTPS, and accepts pages of that origin', async () => {
      const secure = await startHarness(POLICY, { serve: { publicUrl: 'https://tollgate.example.com' } });
      try {
        const person = await secure.person('carol', 'approver');
        const answer = await secure.send('POST', '/v1/auth/login', { body: { name: 'carol', password: person.password } });
        const { attributes, value } = cookieOf(answer);
        expect(attributes).toEqual(expect.arrayContaining(['HttpOnly', 'SameSite=Strict', 'Secure']));
        const out = await secure.send('POST', '/v1/auth/logout', withCookie(value, { ...CSRF, origin: 'https://tollgate.example.com' }));
        expect(out.status).toBe(200);
        expect(cookieOf(out).attributes).toContain('Secure');
      } finally {
        await secure.close();
      }
    });
  });
});
