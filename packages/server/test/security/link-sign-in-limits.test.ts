// A one-click link's sign-in form takes a name and password like the sign-in page, and is limited
// like it: wrong passwords count per client address (one password sprayed over many names) and per
// name (in the database, for every node), wherever they were typed, and a refusal says when to retry.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linkIdOf } from '../../src/notify/links.js';
import {
  LOGIN_ADDRESS_WINDOW_MS,
  LOGIN_FAILURE_WINDOW_MS,
  LOGIN_FAILURES_PER_ADDRESS,
  LOGIN_FAILURES_PER_NAME,
} from '../../src/services/auth-service.js';
import { ManualClock } from '../../src/util/clock.js';
import { createTestDatabase, DATABASES, type TestDatabase } from '../helpers/databases.js';
import { startReceiver, type Receiver } from '../helpers/vendor-stand-ins.js';
import { localOutbound } from '../helpers/local-outbound.js';
import { startHarness, teamsLinkPolicy, type Answer, type Harness } from './harness.js';

const POLICY = teamsLinkPolicy('TG_LINK_LIMITS_TEAMS_URL');

function expectRefused(answer: Answer, context: string): void {
  expect(answer.status, `${context}: ${answer.text.slice(0, 300)}`).toBe(429);
  const seconds = Number(answer.headers.get('retry-after'));
  expect(seconds, `${context}: retry-after`).toBeGreaterThan(0);
}

describe.each(DATABASES)('one-click link sign-in limits (%s)', (kind) => {
  let database: TestDatabase;
  let server: Harness;
  let teams: Receiver;
  const clock = new ManualClock();
  let bot: { token: string };
  const passwords: Record<string, string> = {};
  let address = 0;
  /** A new client address, as the proxy in front reports it. */
  const fresh = () => `198.51.${Math.floor(++address / 250)}.${address % 250}`;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    teams = await startReceiver(() => ({}));
    process.env.TG_LINK_LIMITS_TEAMS_URL = `${teams.url}/workflow`;
    // `--rate-limit 0` (the harness's default): guessing is limited whatever the request rate limit.
    server = await startHarness(POLICY, { serve: { db: database.url, trustProxy: '1' }, clock, settings: localOutbound() });
    for (const name of ['carol', 'dave', 'erin', 'frank'])
      passwords[name] = (await server.person(name, 'approver', { groups: ['ops'] })).password;
    bot = await server.agent('deploy-bot');
  });

  afterAll(async () => {
    await server?.close();
    await teams?.close();
    await database?.drop();
    delete process.env.TG_LINK_LIMITS_TEAMS_URL;
  });

  /** A new request for approval, and the approving link of its Teams card. */
  async function approvingLink(): Promise<{ token: string; linkId: string; approvalId: string }> {
    const submitted = await server.send('POST', '/v1/actions', {
      token: bot.token,
      body: { action_type: 'deploy', environment: 'production', summary: `deploy ${address}` },
      headers: { 'x-forwarded-for': fresh() },
    });
    expect(submitted.status).toBe(201);
    await server.services.notifications.sender.deliverDue();
    const card = teams.received.at(-1)?.body ?? '';
    for (const [, token] of card.matchAll(/\/v1\/integrations\/links\/([A-Za-z0-9._~-]+)/g)) {
      const linkId = linkIdOf(token!)!;
      const link = await server.services.store.notificationLinks.get(null, linkId);
      if (link?.verdict === 'approve') return { token: token!, linkId, approvalId: link.approval_id };
    }
    throw new Error(`no approving link in the card: ${card.slice(0, 300)}`);
  }

  const viaLink = (token: string, from: string, name: string, password: string) =>
    server.send('POST', `/v1/integrations/links/${token}`, {
      body: `name=${encodeURIComponent(name)}&password=${encodeURIComponent(password)}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': from },
    });
  const signIn = (from: string, name: string, password: string) =>
    server.send('POST', '/v1/auth/login', { body: { name, password }, headers: { 'x-forwarded-for': from } });

  /** What a refused attempt must leave as it was: the link, the request's votes and the audit chain. */
  async function snapshot(link: { linkId: string; approvalId: string }) {
    const { store } = server.services;
    return {
      link: await store.notificationLinks.get(null, link.linkId),
      votes: await store.votes.listByApproval('default', link.approvalId),
      head: await store.audit.head('default'),
    };
  }

  it('refuses one password sprayed over many names at one link, before the 40th try, and then sign-ins from that address', async () => {
    const link = await approvingLink();
    const before = await snapshot(link);
    const sprayer = fresh();
    const statuses: number[] = [];
    let refused: Answer | undefined;
    for (let i = 0; i < 40; i++) {
      const answer = await viaLink(link.token, sprayer, `user${i}`, 'Spring2026!');
      statuses.push(answer.status);
      if (answer.status === 429) refused ??= answer;
    }
    expect(statuses.slice(0, LOGIN_FAILURES_PER_ADDRESS)).toEqual(Array(LOGIN_FAILURES_PER_ADDRESS).fill(401));
    expect(statuses.slice(LOGIN_FAILURES_PER_ADDRESS)).toEqual(Array(40 - LOGIN_FAILURES_PER_ADDRESS).fill(429));
    expectRefused(refused!, 'the link from the spraying address');
    expect(refused!.text).toContain('too many failed sign-ins from this address');
    // Even a right password is refused there, at the link and at the sign-in page: a guess cannot be told right.
    expectRefused(await viaLink(link.token, sprayer, 'carol', passwords.carol!), 'right password at the link');
    expectRefused(await signIn(sprayer, 'carol', passwords.carol!), 'right password at sign-in');
    expect(await snapshot(link)).toEqual(before);

    clock.advance(LOGIN_ADDRESS_WINDOW_MS);
    expect((await viaLink(link.token, sprayer, 'carol', passwords.carol!)).status).toBe(200);
    expect(await server.services.store.votes.listByApproval('default', link.approvalId)).toHaveLength(1);
  });

  it('does not let sprays sent all at once slip past the address’s limit', async () => {
    const link = await approvingLink();
    const sprayer = fresh();
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => viaLink(link.token, sprayer, `burst${i}`, 'Spring2026!')));
    expect(answers.filter((a) => a.status === 401)).toHaveLength(LOGIN_FAILURES_PER_ADDRESS);
    expect(answers.filter((a) => a.status === 429)).toHaveLength(40 - LOGIN_FAILURES_PER_ADDRESS);
    clock.advance(LOGIN_ADDRESS_WINDOW_MS);
  });

  it('counts wrong passwords at the sign-in page toward the address’s limit at a link', async () => {
    const link = await approvingLink();
    const guesser = fresh();
    for (let i = 0; i < LOGIN_FAILURES_PER_ADDRESS; i++) expect((await signIn(guesser, `name-${i}`, 'Spring2026!')).status).toBe(401);
    const before = await snapshot(link);
    expectRefused(await viaLink(link.token, guesser, 'dave', passwords.dave!), 'the link after failures at sign-in');
    expect(await snapshot(link)).toEqual(before);
    clock.advance(LOGIN_ADDRESS_WINDOW_MS);
  });

  it('counts wrong passwords at a link toward the name’s sign-in limit, from any address, until the window ends', async () => {
    const link = await approvingLink();
    for (let i = 0; i < LOGIN_FAILURES_PER_NAME; i++) expect((await viaLink(link.token, fresh(), 'erin', `guess-${i}`)).status).toBe(401);
    const before = await snapshot(link);
    const refused = await signIn(fresh(), 'erin', passwords.erin!);
    expectRefused(refused, 'erin at sign-in');
    expect(refused.body.error).toMatchObject({ code: 'request.rate_limited', details: { retry_after: expect.any(Number) } });
    expectRefused(await viaLink(link.token, fresh(), 'erin', passwords.erin!), 'erin at the link');
    expect(await snapshot(link)).toEqual(before);
    // Another name is not affected.
    expect((await signIn(fresh(), 'dave', passwords.dave!)).status).toBe(200);

    clock.advance(LOGIN_FAILURE_WINDOW_MS);
    expect((await signIn(fresh(), 'erin', passwords.erin!)).status).toBe(200);
  });

  it('counts wrong passwords at the sign-in page toward the name’s limit at a link', async () => {
    const link = await approvingLink();
    for (let i = 0; i < LOGIN_FAILURES_PER_NAME; i++) expect((await signIn(fresh(), 'frank', `guess-${i}`)).status).toBe(401);
    const before = await snapshot(link);
    const refused = await viaLink(link.token, fresh(), 'frank', passwords.frank!);
    expectRefused(refused, 'frank at the link');
    expect(refused.text).toContain('too many failed sign-ins for `frank`');
    expect(await snapshot(link)).toEqual(before);

    clock.advance(LOGIN_FAILURE_WINDOW_MS);
    expect((await viaLink(link.token, fresh(), 'frank', passwords.frank!)).status).toBe(200);
    expect(await server.services.store.votes.listByApproval('default', link.approvalId)).toHaveLength(1);
  });
});
