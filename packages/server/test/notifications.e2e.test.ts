// Notifications end to end, against local stand-ins that speak each vendor's wire format:
// Slack (Block Kit message, signed interactivity callbacks, chat.update), Microsoft Teams
// (Adaptive Card to a workflow webhook), PagerDuty Events API v2, e-mail through a real SMTP
// server with one-click links, and Standard Webhooks checked with the spec's reference library.

import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveConfig } from '../src/config/config.js';
import { localOutbound } from './helpers/local-outbound.js';
import { startServer, type RunningServer } from '../src/server/start.js';
import { newWebhookSecret } from '../src/services/webhook-signing.js';
import { ManualClock } from '../src/util/clock.js';
import { client } from './helpers/http.js';
import { decodeQuotedPrintable, startSmtpStandIn, type SmtpStandIn } from './helpers/smtp-stand-in.js';
import { postSlackCallback, startReceiver, startSlackStandIn, type Receiver, type SlackStandIn } from './helpers/vendor-stand-ins.js';

const SLACK_TOKEN = 'xoxb-test-token';
const SIGNING_SECRET = 'slack-signing-secret-for-tests';
const HOOK_SECRET = newWebhookSecret();
const PD_KEY = 'R0UT1NGK3Y0000000000000000000000';

function policy(urls: { slack: string; pagerduty: string; hook: string }): string {
  return `
defaults: { decision: ALLOW, timeout: 30m, on_timeout: escalate, escalate_to: [leads] }
rules:
  - name: deploys
    match: { action_type: deploy }
    decision: REQUIRE_APPROVAL
    approvers: [ops]
    criteria: [the change was reviewed]
  - name: drops
    match: { action_type: drop_table }
    decision: REQUIRE_APPROVAL
    risk: critical
    approvers: [ops]
notifications:
  channels:
    ops-slack: { type: slack, channel: C0TOLLGATE, token_env: TG_NOTIFY_SLACK_TOKEN, signing_secret_env: TG_NOTIFY_SLACK_SIGNING }
    ops-teams: { type: teams, webhook_url_env: TG_NOTIFY_TEAMS_URL }
    ops-pager: { type: pagerduty, routing_key_env: TG_NOTIFY_PD_KEY }
    ops-mail: { type: email, from: tollgate@example.com, smtp_url_env: TG_NOTIFY_SMTP_URL }
    audit-hook: { type: webhook, url: "${urls.hook}/tollgate", secret_env: TG_NOTIFY_HOOK_SECRET }
  routes:
    - { channel: ops-slack, groups: [ops], events: [requested] }
    - { channel: ops-slack, groups: [leads], events: [escalated] }
    - { channel: ops-teams, groups: [ops], events: [requested] }
    - { channel: ops-pager, events: [requested, escalated] }
    - { channel: ops-mail, groups: [ops], events: [requested] }
    - { channel: audit-hook }
`;
}

describe('notification channels', () => {
  const clock = new ManualClock(Date.now());
  let server: RunningServer;
  let slack: SlackStandIn;
  let teams: Receiver;
  let pagerduty: Receiver;
  let hook: Receiver;
  let smtp: SmtpStandIn;
  let agent: ReturnType<typeof client>;
  let admin: ReturnType<typeof client>;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    slack = await startSlackStandIn(SLACK_TOKEN);
    teams = await startReceiver(() => ({}));
    pagerduty = await startReceiver((request) => ({
      status: 'success',
      message: 'Event processed',
      dedup_key: JSON.parse(request.body).dedup_key,
    }));
    hook = await startReceiver();
    hook.status = 200;
    smtp = await startSmtpStandIn();
    Object.assign(process.env, {
      TG_NOTIFY_SLACK_TOKEN: SLACK_TOKEN,
      TG_NOTIFY_SLACK_SIGNING: SIGNING_SECRET,
      TG_NOTIFY_TEAMS_URL: `${teams.url}/workflows/123/triggers/manual/paths/invoke?sig=abc`,
      TG_NOTIFY_PD_KEY: PD_KEY,
      TG_NOTIFY_SMTP_URL: smtp.url,
      TG_NOTIFY_HOOK_SECRET: HOOK_SECRET,
    });
    const folder = mkdtempSync(join(tmpdir(), 'tollgate-notify-'));
    mkdirSync(join(folder, 'policy'));
    writeFileSync(join(folder, 'policy', 'policy.yaml'), policy({ slack: slack.url, pagerduty: pagerduty.url, hook: hook.url }));
    // The vendors' endpoints are the operator's: the stand-ins are reached through the settings.
    const config = {
      ...serveConfig({ db: join(folder, 'tollgate.db'), policy: join(folder, 'policy'), port: 0, rateLimit: 0 }, {}),
      settings: localOutbound({ channels: { slack: { base_url: slack.url }, pagerduty: { base_url: pagerduty.url } } }),
    };
    server = await startServer(config, { clock, logger: false, watchPolicy: false, timerIntervalMs: 0 });
    const people: [string, 'admin' | 'approver' | 'auditor', string[]][] = [
      ['root', 'admin', []],
      ['alice', 'approver', ['ops']],
      ['bob', 'approver', ['ops']],
      ['carol', 'approver', ['finance']],
    ];
    for (const [name, role, groups] of people)
      ids[name] = (await server.services.auth.addUser({ name, password: `${name}-password`, role, groups })).id;
    await server.services.notifications.linkIdentity('default', 'alice', 'slack', 'U0ALICE');
    await server.services.notifications.linkIdentity('default', 'carol', 'slack', 'U0CAROL');
    await server.services.notifications.linkIdentity('default', 'alice', 'email', 'alice@example.com');
    admin = client(server.url, (await server.services.auth.login('root', 'root-password')).token);
    agent = client(server.url, (await server.services.auth.createKey('deploy-bot')).secret);
  });

  afterAll(async () => {
    await server?.close();
    await Promise.all([slack?.close(), teams?.close(), pagerduty?.close(), hook?.close(), smtp?.close()]);
  });

  /** Links carry the public URL, which for a server on port 0 is not yet known when it is configured. */
  const local = (url: string): string => url.replace(/^http:\/\/127\.0\.0\.1:0/, server.url);

  const submit = async (action: Record<string, unknown>): Promise<{ actionId: string; approvalId: string }> => {
    const reply = await agent('POST', '/v1/actions', action);
    expect(reply.body.decision).toBe('REQUIRE_APPROVAL');
    return { actionId: reply.body.id, approvalId: reply.body.approval.id };
  };

  const state = async (approvalId: string) => {
    const approval = await server.services.store.approvals.get('default', approvalId);
    const votes = await server.services.store.votes.listByApproval('default', approvalId);
    return { status: approval!.status, votes: votes.map((vote) => [vote.user_id, vote.verdict, vote.note]) };
  };

  const postedFor = (approvalId: string) =>
    slack.calls.find((call) => call.method === 'chat.postMessage' && JSON.stringify(call.args.blocks).includes(approvalId));

  const slackCallback = async (payload: unknown, options: { timestamp?: number; secret?: string } = {}) => {
    const response = await postSlackCallback(
      server.url,
      payload,
      options.secret ?? SIGNING_SECRET,
      options.timestamp ?? Math.floor(clock.now() / 1000),
    );
    const text = await response.text();
    return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
  };

  /** A button click as Slack sends it, for a button of the message posted for the request. */
  const click = (approvalId: string, actionId: string, slackUser: string) => {
    const posted = postedFor(approvalId)!;
    const actions = posted.args.blocks.find((block: { type: string }) => block.type === 'actions');
    const button = actions.elements.find((element: { action_id: string }) => element.action_id === actionId);
    return {
      type: 'block_actions',
      user: { id: slackUser, username: slackUser.toLowerCase(), team_id: 'T0TEAM' },
      api_app_id: 'A0APP',
      team: { id: 'T0TEAM', domain: 'example' },
      container: { type: 'message', message_ts: '1700000001.000100', channel_id: 'C0TOLLGATE' },
      trigger_id: '1234.5678.abcdef',
      channel: { id: 'C0TOLLGATE', name: 'ops' },
      response_url: 'https://hooks.slack.invalid/actions/T0TEAM/1/abc',
      actions: [{ type: 'button', action_id: actionId, block_id: actions.block_id, value: button.value, action_ts: '1700000002.000300' }],
    };
  };

  it("posts a Block Kit message to Slack with the facts, the agent's words, key context and buttons", async () => {
    const { approvalId } = await submit({
      action_type: 'deploy',
      environment: 'production',
      summary: 'deploy api v2.3.1 to production',
      context: { service: 'api', commit: 'abc123', diff: 'a very long diff' },
    });
    expect(postedFor(approvalId)).toBeUndefined(); // nothing leaves before the sender runs
    await server.services.notifications.sender.deliverDue();
    const posted = postedFor(approvalId)!;
    expect(posted.token).toBe(SLACK_TOKEN);
    expect(posted.contentType).toContain('application/x-www-form-urlencoded');
    expect(posted.args.channel).toBe('C0TOLLGATE');
    const text = JSON.stringify(posted.args.blocks);
    expect(text).toContain('deploy api v2.3.1 to production');
    expect(text).toContain('"text":"service: api"');
    expect(text).not.toContain('a very long diff');
    expect(text).toContain('the change was reviewed');
    const actions = posted.args.blocks.find((block: { type: string }) => block.type === 'actions');
    expect(actions.elements.map((element: { action_id: string }) => element.action_id)).toEqual([
      'tollgate_approve',
      'tollgate_deny',
      'tollgate_open',
    ]);
    expect(actions.elements[2].url).toContain(`/approvals/${approvalId}`);
  });

  it('approves on a validly signed button click and updates the message', async () => {
    const { approvalId } = await submit({ action_type: 'deploy', summary: 'deploy web' });
    await server.services.notifications.sender.deliverDue();
    const reply = await slackCallback(click(approvalId, 'tollgate_approve', 'U0ALICE'));
    expect(reply).toMatchObject({ status: 200, body: { ok: true, status: 'approved' } });
    expect(await state(approvalId)).toEqual({ status: 'approved', votes: [[ids.alice, 'approve', null]] });
    await server.services.notifications.sender.deliverDue();
    const ts = slack.calls.indexOf(postedFor(approvalId)!);
    const update = slack.calls
      .slice(ts)
      .find((call) => call.method === 'chat.update' && JSON.stringify(call.args.blocks).includes(approvalId));
    expect(update?.args).toMatchObject({ channel: 'C0TOLLGATE', ts: expect.stringMatching(/^\d+\.000100$/) });
    expect(update!.args.text).toContain('approved');
    expect(JSON.stringify(update!.args.blocks)).not.toContain('tollgate_approve');
  });

  it('changes nothing on a bad signature, a replayed timestamp or a Slack user who may not decide', async () => {
    const { approvalId } = await submit({ action_type: 'deploy', summary: 'deploy worker' });
    await server.services.notifications.sender.deliverDue();
    const forged = await slackCallback(click(approvalId, 'tollgate_approve', 'U0ALICE'), { secret: 'not-the-secret' });
    expect(forged).toMatchObject({ status: 401, body: { error: { code: 'notify.bad_signature' } } });
    const replayed = await slackCallback(click(approvalId, 'tollgate_approve', 'U0ALICE'), {
      timestamp: Math.floor(clock.now() / 1000) - 6 * 60,
    });
    expect(replayed).toMatchObject({ status: 401, body: { error: { code: 'notify.stale_request' } } });
    // carol is linked but not in ops: the same eligibility rules as everywhere else.
    const ineligible = await slackCallback(click(approvalId, 'tollgate_approve', 'U0CAROL'));
    expect(ineligible).toMatchObject({ status: 200, body: { ok: false, error: { code: 'approval.not_eligible' } } });
    const unknown = await slackCallback(click(approvalId, 'tollgate_approve', 'U0NOBODY'));
    expect(unknown).toMatchObject({ status: 200, body: { ok: false, error: { code: 'notify.unknown_slack_user' } } });
    expect(slack.calls.filter((call) => call.method === 'chat.postEphemeral').map((call) => call.args.user)).toEqual(
      expect.arrayContaining(['U0CAROL', 'U0NOBODY']),
    );
    expect(await state(approvalId)).toEqual({ status: 'pending', votes: [] });
  });

  it('denies with the reason given in a modal', async () => {
    const { approvalId } = await submit({ action_type: 'deploy', summary: 'deploy billing' });
    await server.services.notifications.sender.deliverDue();
    const opened = await slackCallback(click(approvalId, 'tollgate_deny', 'U0ALICE'));
    expect(opened.body).toMatchObject({ ok: true, modal: true });
    const modal = slack.calls.filter((call) => call.method === 'views.open').at(-1)!;
    expect(modal.args.trigger_id).toBe('1234.5678.abcdef');
    expect(modal.args.view).toMatchObject({ type: 'modal', callback_id: 'tollgate_deny_reason' });
    expect(await state(approvalId)).toEqual({ status: 'pending', votes: [] });
    const submission = (reason: string) => ({
      type: 'view_submission',
      user: { id: 'U0ALICE' },
      view: {
        id: 'V0MODAL',
        callback_id: 'tollgate_deny_reason',
        private_metadata: modal.args.view.private_metadata,
        state: { values: { reason: { reason_input: { type: 'plain_text_input', value: reason } } } },
      },
    });
    const empty = await slackCallback(submission('   '));
    expect(empty.body).toEqual({ response_action: 'errors', errors: { reason: 'a denial needs a reason' } });
    const denied = await slackCallback(submission('the migration is not reversible'));
    expect(denied).toEqual({ status: 200, body: undefined });
    expect(await state(approvalId)).toEqual({ status: 'denied', votes: [[ids.alice, 'deny', 'the migration is not reversible']] });
  });

  it('updates the Slack message when the request is decided elsewhere', async () => {
    const { approvalId } = await submit({ action_type: 'deploy', summary: 'deploy search' });
    await server.services.notifications.sender.deliverDue();
    const bob = client(server.url, (await server.services.auth.login('bob', 'bob-password')).token);
    expect((await bob('POST', `/v1/approvals/${approvalId}/votes`, { verdict: 'approve' })).status).toBe(201);
    await server.services.notifications.sender.deliverDue();
    const update = slack.calls.find((call) => call.method === 'chat.update' && JSON.stringify(call.args.blocks).includes(approvalId));
    expect(update?.args.text).toContain('approved');
  });

  it('e-mails a readable message whose link approves once and only once, never on a GET', async () => {
    const { approvalId } = await submit({ action_type: 'deploy', summary: 'deploy mailer', context: { ticket: 'OPS-42' } });
    await server.services.notifications.sender.deliverDue();
    const mail = smtp.mails.find((candidate) => decodeQuotedPrintable(candidate.raw).includes('deploy mailer'))!;
    expect(mail.to).toEqual(['alice@example.com']);
    expect(mail.from).toBe('tollgate@example.com');
    const text = decodeQuotedPrintable(mail.raw);
    expect(text).toContain('ticket: OPS-42');
    expect(text).toMatch(/Message-ID: <ntf_[0-9a-z]+@tollgate>/i);
    const approve = local(/^Approve: (\S+)$/m.exec(text)![1]!);
    const deny = local(/^Deny: (\S+)$/m.exec(text)![1]!);

    // A link scanner's GET shows a page and decides nothing.
    for (let i = 0; i < 2; i++) {
      const page = await fetch(approve);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toContain('text/html');
      const html = await page.text();
      expect(html).toContain('<form method="post">');
      expect(html).toContain('deploy mailer');
    }
    expect((await state(approvalId)).status).toBe('pending');

    const post = (url: string, form: Record<string, string>) =>
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form) });
    expect((await post(deny, {})).status).toBe(400); // a denial needs a reason
    const forged = await post(
      approve.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')),
      {},
    );
    expect(forged.status).toBe(404);
    const first = await post(approve, { note: 'looks right' });
    expect(first.status).toBe(200);
    expect(await first.text()).toContain('approved');
    const second = await post(approve, { note: 'again' });
    expect(second.status).toBe(409);
    expect(await second.text()).toContain('used already');
    expect(await state(approvalId)).toEqual({ status: 'approved', votes: [[ids.alice, 'approve', 'looks right']] });
  });

  it('refuses an expired link', async () => {
    const { approvalId } = await submit({ action_type: 'deploy', summary: 'deploy late' });
    await server.services.notifications.sender.deliverDue();
    const mail = smtp.mails.find((candidate) => decodeQuotedPrintable(candidate.raw).includes('deploy late'))!;
    const approve = local(/^Approve: (\S+)$/m.exec(decodeQuotedPrintable(mail.raw))![1]!);
    clock.advance(25 * 60 * 60_000);
    const page = await fetch(approve);
    expect(page.status).toBe(410);
    expect((await state(approvalId)).votes).toEqual([]);
    clock.advance(-25 * 60 * 60_000);
  });

  it('posts an Adaptive Card to the Teams workflow webhook whose links ask who decides', async () => {
    const { approvalId } = await submit({ action_type: 'deploy', summary: 'deploy teams-app' });
    await server.services.notifications.sender.deliverDue();
    const received = teams.received.find((request) => request.body.includes(approvalId))!;
    expect(received.path).toBe('/workflows/123/triggers/manual/paths/invoke?sig=abc');
    expect(received.headers['content-type']).toContain('application/json');
    const message = JSON.parse(received.body);
    expect(message.type).toBe('message');
    expect(message.attachments[0].contentType).toBe('application/vnd.microsoft.card.adaptive');
    const card = message.attachments[0].content;
    expect(card).toMatchObject({ type: 'AdaptiveCard', version: '1.4' });
    expect(JSON.stringify(card.body)).toContain('deploy teams-app');
    const approve = card.actions.find((action: { title: string }) => action.title === 'Approve');
    expect(approve.type).toBe('Action.OpenUrl');
    const url = local(approve.url);
    const html = await (await fetch(url)).text();
    expect(html).toContain('name="password"');
    const post = (form: Record<string, string>) =>
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form) });
    expect((await post({ name: 'carol', password: 'wrong' })).status).toBe(401);
    expect((await post({ name: 'carol', password: 'carol-password' })).status).toBe(403); // not in ops
    expect((await post({ name: 'bob', password: 'bob-password' })).status).toBe(200);
    expect(await state(approvalId)).toEqual({ status: 'approved', votes: [[ids.bob, 'approve', null]] });
  });

  it('triggers PagerDuty for a critical request and resolves it with the same dedup key when decided', async () => {
    const before = pagerduty.received.length;
    await submit({ action_type: 'deploy', summary: 'deploy ordinary' });
    await server.services.notifications.sender.deliverDue();
    expect(pagerduty.received.length).toBe(before); // not urgent, not escalated
    const { approvalId } = await submit({ action_type: 'drop_table', summary: 'drop the users table' });
    await server.services.notifications.sender.deliverDue();
    const trigger = pagerduty.received.at(-1)!;
    expect(trigger.path).toBe('/v2/enqueue');
    const event = JSON.parse(trigger.body);
    expect(event).toMatchObject({
      routing_key: PD_KEY,
      event_action: 'trigger',
      dedup_key: `tollgate/default/${approvalId}`,
      payload: { severity: 'critical', source: 'tollgate', summary: expect.stringContaining('deploy-bot: drop_table · Risk: critical') },
    });
    const alice = client(server.url, (await server.services.auth.login('alice', 'alice-password')).token);
    expect((await alice('POST', `/v1/approvals/${approvalId}/votes`, { verdict: 'deny', note: 'too risky' })).status).toBe(201);
    await server.services.notifications.sender.deliverDue();
    expect(JSON.parse(pagerduty.received.at(-1)!.body)).toEqual({
      routing_key: PD_KEY,
      event_action: 'resolve',
      dedup_key: `tollgate/default/${approvalId}`,
    });
  });

  it('triggers PagerDuty and messages Slack when a request escalates', async () => {
    const { approvalId } = await submit({ action_type: 'deploy', summary: 'deploy nobody looked at' });
    await server.services.notifications.sender.deliverDue();
    const before = pagerduty.received.length;
    expect(pagerduty.received.some((request) => request.body.includes(approvalId))).toBe(false); // not critical
    clock.advance(31 * 60_000);
    await server.services.timers.sweep();
    await server.services.notifications.sender.deliverDue();
    const trigger = pagerduty.received.slice(before).find((request) => request.body.includes(approvalId))!;
    expect(JSON.parse(trigger.body)).toMatchObject({
      event_action: 'trigger',
      dedup_key: `tollgate/default/${approvalId}`,
      payload: { severity: 'error', class: 'approval.escalated' },
    });
    const escalated = slack.calls.filter(
      (call) => call.method === 'chat.postMessage' && JSON.stringify(call.args.blocks).includes(approvalId),
    );
    expect(escalated.map((call) => call.args.text)).toEqual([
      expect.stringContaining('Approval requested'),
      expect.stringContaining('Escalated'),
    ]);
  });

  it('signs webhooks per Standard Webhooks, verified by the reference library', async () => {
    const { approvalId } = await submit({ action_type: 'deploy', summary: 'deploy hooks' });
    await server.services.notifications.sender.deliverDue();
    const received = hook.received.filter((request) => request.body.includes(approvalId));
    expect(received.length).toBeGreaterThan(0);
    const verifier = new Webhook(HOOK_SECRET);
    for (const request of received) {
      const payload = verifier.verify(request.body, request.headers as Record<string, string>) as {
        type: string;
        data: { approval_id: string };
      };
      expect(payload.data.approval_id).toBe(approvalId);
      expect(payload.type).toBe('approval.requested');
    }
    // The API lists what was sent, but never a payload: its links act for people.
    const listed = await admin('GET', `/v1/notifications?approval_id=${approvalId}`);
    expect(listed.body.notifications.map((n: { channel: string; status: string }) => [n.channel, n.status])).toEqual(
      expect.arrayContaining([
        ['audit-hook', 'delivered'],
        ['ops-slack', 'delivered'],
        ['ops-teams', 'delivered'],
        ['ops-mail', 'delivered'],
      ]),
    );
    expect(JSON.stringify(listed.body)).not.toContain('/v1/integrations/links/');
    const tampered = received[0]!.body.replace('deploy hooks', 'deploy other');
    expect(() => verifier.verify(tampered, received[0]!.headers as Record<string, string>)).toThrow();
  });
});
