// A real server whose every channel (Slack, Teams, PagerDuty, e-mail, webhook) sends to the local
// stand-ins, and what each one actually sent for a request: the Slack call, the Teams card, the
// PagerDuty event, the e-mail read back from SMTP and the confirmation page its link opens.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serveConfig } from '../../src/config/config.js';
import { startServer, type RunningServer } from '../../src/server/start.js';
import { newWebhookSecret } from '../../src/services/webhook-signing.js';
import { ManualClock } from '../../src/util/clock.js';
import { client } from './http.js';
import { localOutbound } from './local-outbound.js';
import { readMail, startSmtpStandIn, type ReadMail, type SmtpStandIn } from './smtp-stand-in.js';
import {
  postSlackCallback,
  startReceiver,
  startSlackStandIn,
  type Receiver,
  type SlackCall,
  type SlackStandIn,
} from './vendor-stand-ins.js';

const SLACK_TOKEN = 'xoxb-capture-token';
const SLACK_SIGNING = 'capture-signing-secret';

/** Refunds and deploys wait for `ops`, are critical (so PagerDuty is paged) and go everywhere. */
const POLICY = (hook: string) => `
defaults: { decision: ALLOW }
rules:
  - name: refunds
    match: { action_type: refund }
    condition: "amount_usd > 100"
    decision: REQUIRE_APPROVAL
    risk: critical
    approvers: [ops]
    criteria: [the payee is the customer]
  - name: deploys
    match: { action_type: deploy }
    decision: REQUIRE_APPROVAL
    risk: critical
    approvers: [ops]
notifications:
  channels:
    ops-slack: { type: slack, channel: C0CAPTURE, token_env: TG_CAPTURE_SLACK_TOKEN, signing_secret_env: TG_CAPTURE_SLACK_SIGNING }
    ops-teams: { type: teams, webhook_url_env: TG_CAPTURE_TEAMS_URL }
    ops-pager: { type: pagerduty, routing_key_env: TG_CAPTURE_PD_KEY }
    ops-mail: { type: email, from: tollgate@example.com, smtp_url_env: TG_CAPTURE_SMTP_URL }
    audit-hook: { type: webhook, url: "${hook}/tollgate", secret_env: TG_CAPTURE_HOOK_SECRET }
  routes:
    - { channel: ops-slack, groups: [ops] }
    - { channel: ops-teams, groups: [ops], events: [requested] }
    - { channel: ops-pager, events: [requested, escalated] }
    - { channel: ops-mail, groups: [ops], events: [requested] }
    - { channel: audit-hook }
`;

export interface Sent {
  approvalId: string;
  slack: SlackCall;
  teams: { card: any; body: string };
  pagerduty: any;
  mail: ReadMail;
  /** The e-mail's Approve link, as the recipient reaches it. */
  approveLink: string;
  /** The confirmation page that link opens. */
  page: string;
  webhook: any;
}

export interface Channels {
  server: RunningServer;
  slack: SlackStandIn;
  teams: Receiver;
  pagerduty: Receiver;
  smtp: SmtpStandIn;
  hook: Receiver;
  /** Submits the action as `pay-bot`, runs the sender and returns what every channel sent for it. */
  send(action: Record<string, unknown>): Promise<Sent>;
  /** Alice (in `ops`, Slack user `U0ALICE`) clicks Deny… on the request's Slack message: the modal Slack was asked to open. */
  denyModal(sent: Sent): Promise<any>;
  /** Links carry the configured public URL (port 0); the server's real one. */
  local(url: string): string;
  close(): Promise<void>;
}

export async function startChannels(): Promise<Channels> {
  const slack = await startSlackStandIn(SLACK_TOKEN);
  const teams = await startReceiver(() => ({}));
  const pagerduty = await startReceiver((request) => ({ status: 'success', dedup_key: JSON.parse(request.body).dedup_key }));
  const hook = await startReceiver();
  hook.status = 200;
  const smtp = await startSmtpStandIn();
  Object.assign(process.env, {
    TG_CAPTURE_SLACK_TOKEN: SLACK_TOKEN,
    TG_CAPTURE_SLACK_SIGNING: SLACK_SIGNING,
    TG_CAPTURE_TEAMS_URL: `${teams.url}/workflows/1/triggers/manual/paths/invoke?sig=x`,
    TG_CAPTURE_PD_KEY: 'R0UT1NGK3YCAPTURE00000000000000',
    TG_CAPTURE_SMTP_URL: smtp.url,
    TG_CAPTURE_HOOK_SECRET: newWebhookSecret(),
  });
  const folder = mkdtempSync(join(tmpdir(), 'tollgate-channels-'));
  mkdirSync(join(folder, 'policy'));
  writeFileSync(join(folder, 'policy', 'policy.yaml'), POLICY(hook.url));
  const config = {
    ...serveConfig({ db: join(folder, 'tollgate.db'), policy: join(folder, 'policy'), port: 0, rateLimit: 0 }, {}),
    settings: localOutbound({ channels: { slack: { base_url: slack.url }, pagerduty: { base_url: pagerduty.url } } }),
  };
  const server = await startServer(config, { clock: new ManualClock(Date.now()), logger: false, watchPolicy: false, timerIntervalMs: 0 });
  const alice = await server.services.auth.addUser({ name: 'alice', password: 'alice-password', role: 'approver', groups: ['ops'] });
  await server.services.notifications.linkIdentity('default', alice.name, 'email', 'alice@example.com');
  await server.services.notifications.linkIdentity('default', alice.name, 'slack', 'U0ALICE');
  const agent = client(server.url, (await server.services.auth.createKey('pay-bot')).secret);
  const local = (url: string) => url.replace(/^http:\/\/127\.0\.0\.1:0/, server.url);

  async function send(action: Record<string, unknown>): Promise<Sent> {
    const reply = await agent('POST', '/v1/actions', action);
    if (reply.body?.decision !== 'REQUIRE_APPROVAL') throw new Error(`expected a request: ${JSON.stringify(reply.body)}`);
    const approvalId: string = reply.body.approval.id;
    await server.services.notifications.sender.deliverDue();
    const mine = (text: string) => text.includes(approvalId);
    const slackCall = slack.calls.find((call) => call.method === 'chat.postMessage' && mine(JSON.stringify(call.args.blocks)));
    const teamsBody = teams.received.find((request) => mine(request.body))?.body;
    const pagerBody = pagerduty.received.find((request) => mine(request.body))?.body;
    const mailRaw = smtp.mails.map((mail) => readMail(mail.raw)).find((mail) => mine(mail.text));
    const hookBody = hook.received.find((request) => mine(request.body))?.body;
    if (!slackCall || !teamsBody || !pagerBody || !mailRaw || !hookBody)
      throw new Error(
        `not every channel sent: ${JSON.stringify({ slackCall: !!slackCall, teamsBody, pagerBody, mail: !!mailRaw, hookBody })}`,
      );
    // Tollgate's own link: a forged `Approve:` line is for the tests to find, not to follow.
    const approveLink = local(/^Approve: (http:\/\/127\.0\.0\.1:0\/v1\/integrations\/links\/\S+)$/m.exec(mailRaw.text)![1]!);
    const page = await (await fetch(approveLink)).text();
    return {
      approvalId,
      slack: slackCall,
      teams: { card: JSON.parse(teamsBody).attachments[0].content, body: teamsBody },
      pagerduty: JSON.parse(pagerBody),
      mail: mailRaw,
      approveLink,
      page,
      webhook: JSON.parse(hookBody),
    };
  }

  async function denyModal(sent: Sent): Promise<any> {
    const actions = sent.slack.args.blocks.find((block: { type: string }) => block.type === 'actions');
    const deny = actions.elements.find((element: { action_id: string }) => element.action_id === 'tollgate_deny');
    const payload = {
      type: 'block_actions',
      user: { id: 'U0ALICE' },
      trigger_id: '1.2.capture',
      channel: { id: 'C0CAPTURE' },
      actions: [{ type: 'button', action_id: 'tollgate_deny', block_id: actions.block_id, value: deny.value }],
    };
    const before = slack.calls.length;
    const reply = await postSlackCallback(server.url, payload, SLACK_SIGNING, Math.floor(server.services.clock.now() / 1000));
    if (reply.status !== 200) throw new Error(`the click was refused: ${await reply.text()}`);
    const opened = slack.calls.slice(before).find((call) => call.method === 'views.open');
    if (opened === undefined) throw new Error('no modal was opened');
    return opened.args.view;
  }

  return {
    server,
    slack,
    teams,
    pagerduty,
    smtp,
    hook,
    send,
    denyModal,
    local,
    async close() {
      await server.close();
      await Promise.all([slack.close(), teams.close(), pagerduty.close(), hook.close(), smtp.close()]);
      rmSync(folder, { recursive: true, force: true });
    },
  };
}

/** Every text in Block Kit, in reading order: its object's type and the types of the blocks and elements around it. */
export function slackTexts(node: unknown, within: string[] = []): { within: string[]; type: string; text: string }[] {
  const found: { within: string[]; type: string; text: string }[] = [];
  if (Array.isArray(node)) for (const item of node) found.push(...slackTexts(item, within));
  else if (node !== null && typeof node === 'object') {
    const record = node as Record<string, unknown>;
    const type = typeof record.type === 'string' ? record.type : '';
    if (typeof record.text === 'string') found.push({ within, type, text: record.text });
    for (const value of Object.values(record))
      if (typeof value === 'object') found.push(...slackTexts(value, type === '' ? within : [...within, type]));
  }
  return found;
}

/** Every Adaptive Card element with its type, anywhere in the card. */
export function cardElements(card: unknown): Record<string, any>[] {
  const found: Record<string, any>[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node !== null && typeof node === 'object') {
      if (typeof (node as { type?: unknown }).type === 'string') found.push(node as Record<string, any>);
      Object.values(node).forEach(walk);
    }
  };
  walk(card);
  return found;
}
