// Secrets never reach the log: a real `tollgate serve` at trace level is sent passwords, API keys,
// session tokens, grants, one-click links and Slack callbacks, good and bad, in headers, bodies,
// paths and query strings, while channel secrets sit in its environment and an invalid policy
// holds one inline; none of those strings may appear anywhere in what the process printed.

import { execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReceiver, startSlackStandIn, type Receiver, type SlackStandIn } from '../helpers/vendor-stand-ins.js';
import { localOutboundFile } from '../helpers/local-outbound.js';
import { BIN, REPO, startServerProcess, type ServerProcess } from '../helpers/server-process.js';

const run = promisify(execFile);
const tollgate = (...args: string[]) => run(process.execPath, [BIN, ...args], { cwd: REPO });

const ADMIN_PASSWORD = 'admin-Pw-5e1f0c2b9d7a';
const ALICE_PASSWORD = 'alice-Pw-83b1d2e4f6a0';
const GUESSED_PASSWORD = 'guessed-Pw-0a9b8c7d6e5f';
const SLACK_TOKEN = 'xoxb-secret-slack-token-4f7c2e';
const SLACK_SIGNING = 'slack-signing-secret-9d3a61';
const TEAMS_SIG = 'teams-url-signature-71be0c';
const HOOK_SECRET = 'whsec_aG9va1NlY3JldEZvclRlc3RzMTIzNDU2';
const SERVER_SECRET = 'server-grant-secret-52c8e9a1';
const INLINE_SECRET = 'xoxb-inline-secret-in-policy-0c44';
const MADE_UP_KEY = 'tg_key_madeUpButSecretLooking0123456789abcdef';

const policy = (urls: { slack: string; hook: string }) => `
defaults: { decision: ALLOW }
rules:
  - name: production-deploys
    match: { action_type: deploy, environment: production }
    decision: REQUIRE_APPROVAL
    approvers: [ops]
notifications:
  channels:
    ops-slack: { type: slack, channel: C0OPS, token_env: TG_LOG_SLACK_TOKEN, signing_secret_env: TG_LOG_SLACK_SIGNING }
    ops-teams: { type: teams, webhook_url_env: TG_LOG_TEAMS_URL }
    audit-hook: { type: webhook, url: "${urls.hook}/tollgate", secret_env: TG_LOG_HOOK_SECRET }
  routes:
    - { channel: ops-slack, events: [requested] }
    - { channel: ops-teams, events: [requested] }
    - { channel: audit-hook }
`;

describe('secrets in the server log', () => {
  let folder: string;
  let server: ServerProcess;
  let slack: SlackStandIn;
  let teams: Receiver;
  let hook: Receiver;
  /** Every secret the run handled; none may be in the output. */
  const secrets = new Set<string>([
    ADMIN_PASSWORD,
    ALICE_PASSWORD,
    GUESSED_PASSWORD,
    SLACK_TOKEN,
    SLACK_SIGNING,
    TEAMS_SIG,
    HOOK_SECRET,
    SERVER_SECRET,
    INLINE_SECRET,
    MADE_UP_KEY,
  ]);

  async function send(method: string, path: string, init: { headers?: Record<string, string>; body?: string } = {}) {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: init.headers ?? {},
      ...(init.body === undefined ? {} : { body: init.body }),
    });
    const text = await response.text();
    return { status: response.status, text, json: () => JSON.parse(text), headers: response.headers };
  }
  const json = (extra: Record<string, string> = {}) => ({ 'content-type': 'application/json', ...extra });
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  beforeAll(async () => {
    slack = await startSlackStandIn(SLACK_TOKEN);
    teams = await startReceiver(() => ({}));
    hook = await startReceiver();
    hook.status = 503; // a failing receiver: retries, and whatever the sender does with errors
    folder = mkdtempSync(join(tmpdir(), 'tollgate-logs-'));
    mkdirSync(join(folder, 'policy'));
    writeFileSync(join(folder, 'policy', 'policy.yaml'), policy({ slack: slack.url, hook: hook.url }));
    const db = join(folder, 'tollgate.db');
    await tollgate('users', 'add', '--db', db, '--name', 'admin', '--password', ADMIN_PASSWORD, '--role', 'admin', '--group', 'ops');
    await tollgate('users', 'add', '--db', db, '--name', 'alice', '--password', ALICE_PASSWORD, '--role', 'approver', '--group', 'ops');
    await tollgate('users', 'link-slack', '--db', db, '--name', 'alice', '--slack-id', 'U0ALICE');
    // The Slack stand-in is the operator's endpoint, set in the settings file.
    server = await startServerProcess({
      db,
      policy: join(folder, 'policy'),
      extra: [
        '--log-level',
        'trace',
        '--rate-limit',
        '1000',
        '--settings',
        localOutboundFile(folder, { channels: { slack: { base_url: slack.url } } }),
      ],
      env: {
        TG_LOG_SLACK_TOKEN: SLACK_TOKEN,
        TG_LOG_SLACK_SIGNING: SLACK_SIGNING,
        TG_LOG_TEAMS_URL: `${teams.url}/workflows/1/triggers/manual/paths/invoke?sig=${TEAMS_SIG}`,
        TG_LOG_HOOK_SECRET: HOOK_SECRET,
        TOLLGATE_SECRET: SERVER_SECRET,
      },
    });
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    await Promise.all([slack?.close(), teams?.close(), hook?.close()]);
    if (folder !== undefined) rmSync(folder, { recursive: true, force: true });
  });

  it('prints none of the secrets it handled, at trace level, through good and failed requests', async () => {
    // API keys: created by the CLI against the running server's database.
    const { stdout } = await tollgate('keys', 'create', '--db', join(folder, 'tollgate.db'), '--agent', 'deploy-bot');
    const key = stdout.trim();
    secrets.add(key);

    // Sign-ins: good, wrong, malformed, and with a made-up cookie and bearer token alongside.
    const signedIn = await send('POST', '/v1/auth/login', {
      headers: json(),
      body: JSON.stringify({ name: 'admin', password: ADMIN_PASSWORD }),
    });
    expect(signedIn.status).toBe(200);
    const session = signedIn.json().token as string;
    secrets.add(session);
    const alice = (
      await send('POST', '/v1/auth/login', { headers: json(), body: JSON.stringify({ name: 'alice', password: ALICE_PASSWORD }) })
    ).json().token as string;
    secrets.add(alice);
    expect(
      (await send('POST', '/v1/auth/login', { headers: json(), body: JSON.stringify({ name: 'alice', password: GUESSED_PASSWORD }) }))
        .status,
    ).toBe(401);
    expect((await send('POST', '/v1/auth/login', { headers: json(), body: `{"name":"admin","password":"${ADMIN_PASSWORD}"` })).status).toBe(
      400,
    );
    expect(
      (
        await send('POST', '/v1/auth/login', {
          headers: json({ ...bearer(MADE_UP_KEY), cookie: `tollgate_session=${MADE_UP_KEY}` }),
          body: JSON.stringify({ name: 'admin', password: ADMIN_PASSWORD, extra: SLACK_TOKEN }),
        })
      ).status,
    ).toBe(400);

    // Credentials in the wrong places, and wrong credentials.
    expect((await send('GET', '/v1/approvals', { headers: bearer(MADE_UP_KEY) })).status).toBe(401);
    expect((await send('GET', '/v1/approvals', { headers: bearer(key) })).status).toBe(403);
    expect((await send('POST', '/v1/actions', { headers: json(bearer(session)), body: '{"action_type":"x"}' })).status).toBe(403);
    expect(
      (await send('PATCH', '/v1/auth/me', { headers: json({ cookie: `tollgate_session=${session}` }), body: '{"out_of_office":false}' }))
        .status,
    ).toBe(403);
    expect((await send('GET', `/v1/audit?subject=${encodeURIComponent(ADMIN_PASSWORD)}`, { headers: bearer(session) })).status).toBe(200);
    expect((await send('GET', `/v1/actions/${'x'.repeat(70)}${SLACK_TOKEN}`, { headers: bearer(key) })).status).toBe(400);
    expect((await send('GET', `/v1/${'y'.repeat(9000)}${HOOK_SECRET}`, { headers: bearer(key) })).status).toBeGreaterThanOrEqual(400);
    const huge = JSON.stringify({ action_type: 'deploy', password: ADMIN_PASSWORD, blob: 'z'.repeat(300 * 1024) });
    expect((await send('POST', '/v1/actions', { headers: json(bearer(key)), body: huge })).status).toBe(413);

    // The webhook secret, read by an admin.
    const webhook = await send('GET', '/v1/webhooks/secret', { headers: bearer(session) });
    secrets.add(webhook.json().secret);

    // A request for approval: Slack, Teams and the webhook are sent to; then a grant.
    const submitted = await send('POST', '/v1/actions', {
      headers: json(bearer(key)),
      body: JSON.stringify({ action_type: 'deploy', environment: 'production', summary: 'deploy v2', context: { note: 'ship it' } }),
    });
    expect(submitted.status).toBe(201);
    const { id: actionId, approval } = submitted.json();
    for (let i = 0; i < 100 && (slack.calls.length === 0 || teams.received.length === 0); i++) await new Promise((r) => setTimeout(r, 100));
    expect(slack.calls.length).toBeGreaterThan(0);
    expect(teams.received.length).toBeGreaterThan(0);

    // One-click links from the Teams card: used with a wrong and the right password.
    const links = [...new Set([...teams.received[0]!.body.matchAll(/\/v1\/integrations\/links\/([A-Za-z0-9._~-]+)/g)].map((m) => m[1]!))];
    expect(links.length).toBeGreaterThan(0);
    for (const link of links) {
      secrets.add(link);
      await send('GET', `/v1/integrations/links/${link}`);
      await send('POST', `/v1/integrations/links/${link}`, {
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `name=alice&password=${GUESSED_PASSWORD}&note=x`,
      });
    }

    // Slack callbacks: a forged signature, and a good one over a payload that names nothing.
    const timestamp = String(Math.floor(Date.now() / 1000));
    const body = `payload=${encodeURIComponent(JSON.stringify({ type: 'block_actions', user: { id: 'U0ALICE' }, actions: [] }))}`;
    const signed = `v0=${createHmac('sha256', SLACK_SIGNING).update(`v0:${timestamp}:${body}`).digest('hex')}`;
    secrets.add(signed);
    const form = { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': timestamp };
    expect(
      (
        await send('POST', '/v1/integrations/slack/interactivity', {
          headers: { ...form, 'x-slack-signature': `v0=${'0'.repeat(64)}` },
          body,
        })
      ).status,
    ).toBe(401);
    expect(
      (await send('POST', '/v1/integrations/slack/interactivity', { headers: { ...form, 'x-slack-signature': signed }, body })).status,
    ).toBeLessThan(500);

    const vote = await send('POST', `/v1/approvals/${approval.id}/votes`, { headers: json(bearer(alice)), body: '{"verdict":"approve"}' });
    expect(vote.status).toBe(201);
    const grant = (await send('GET', `/v1/actions/${actionId}`, { headers: bearer(key) })).json().grant;
    expect(grant).toBeDefined();
    secrets.add(grant.token);
    expect(
      (
        await send('POST', '/v1/grants/redeem', {
          headers: json(bearer(key)),
          body: JSON.stringify({ grant: grant.token, digest: 'sha256:wrong' }),
        })
      ).status,
    ).toBe(409);

    // A policy change holding a secret inline is refused, and the refusal is logged.
    writeFileSync(
      join(folder, 'policy', 'policy.yaml'),
      `defaults: { decision: ALLOW }\nnotifications:\n  channels:\n    leak: { type: slack, channel: C1, token: ${INLINE_SECRET} }\n`,
    );
    const reload = await send('POST', '/v1/policy/reload', { headers: bearer(session) });
    expect(reload.status).toBe(422);
    for (let i = 0; i < 50 && !server.output().includes('policy change rejected'); i++) await new Promise((r) => setTimeout(r, 100));

    // Signing out, then using the ended session.
    expect((await send('POST', '/v1/auth/logout', { headers: bearer(alice) })).status).toBe(200);
    expect((await send('GET', '/v1/auth/me', { headers: bearer(alice) })).status).toBe(401);

    await server.stop();
    const output = server.output();
    // The log was on and wrote JSON lines (the refused policy change is one), so an empty log proves nothing.
    expect(output).toContain('"msg":"policy change rejected');
    for (const secret of secrets) {
      expect(secret.length).toBeGreaterThan(8);
      expect(output.includes(secret), `the log holds a secret: ${secret.slice(0, 12)}…`).toBe(false);
    }
  }, 60_000);
});
