// A real server whose policy sends questions to Slack, Teams and e-mail stand-ins, with the
// people, Slack links and SDK client the question tests use, and Slack's callbacks as Slack sends them.

import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tollgate } from '@tollgate/sdk';
import { serveConfig } from '../../src/config/config.js';
import { startServer, type RunningServer } from '../../src/server/start.js';
import { ManualClock } from '../../src/util/clock.js';
import { localOutbound } from './local-outbound.js';
import { startSmtpStandIn, type SmtpStandIn } from './smtp-stand-in.js';
import {
  postSlackCallback,
  startReceiver,
  startSlackStandIn,
  type Receiver,
  type SlackCall,
  type SlackStandIn,
} from './vendor-stand-ins.js';

export const SIGNING_SECRET = 'slack-signing-secret-for-question-tests';
const SLACK_TOKEN = 'xoxb-question-tests';

const POLICY = `
defaults: { decision: ALLOW }
questions: { approvers: [ops], timeout: 1h, on_timeout: expire }
notifications:
  channels:
    ops-slack: { type: slack, channel: C0TOLLGATE, token_env: TG_Q_SLACK_TOKEN, signing_secret_env: TG_Q_SLACK_SIGNING }
    ops-teams: { type: teams, webhook_url_env: TG_Q_TEAMS_URL }
    ops-mail: { type: email, from: tollgate@example.com, smtp_url_env: TG_Q_SMTP_URL }
  routes:
    - { channel: ops-slack, groups: [ops], events: [requested] }
    - { channel: ops-teams, groups: [ops], events: [requested] }
    - { channel: ops-mail, groups: [ops], events: [requested] }
`;

export interface QuestionChannels {
  server: RunningServer;
  clock: ManualClock;
  slack: SlackStandIn;
  teams: Receiver;
  smtp: SmtpStandIn;
  tollgate: Tollgate;
  ids: Record<string, string>;
  /** The Slack message posted for the question, once the outbox has sent it. */
  posted(questionId: string): Promise<SlackCall>;
  /** A signed callback as Slack sends it; `secret` forges one. */
  callback(payload: unknown, options?: { secret?: string; timestamp?: number }): Promise<{ status: number; body: any }>;
  /** A click on a button of the question's message, by a Slack user. */
  click(posted: SlackCall, actionId: string, slackUser: string): Record<string, unknown>;
  /** Links carry the public URL, which for a server on port 0 is not yet known when it is configured. */
  local(url: string): string;
  close(): Promise<void>;
}

export async function startQuestionChannels(): Promise<QuestionChannels> {
  const clock = new ManualClock(Date.now());
  const slack = await startSlackStandIn(SLACK_TOKEN);
  const teams = await startReceiver(() => ({}));
  const smtp = await startSmtpStandIn();
  Object.assign(process.env, {
    TG_Q_SLACK_TOKEN: SLACK_TOKEN,
    TG_Q_SLACK_SIGNING: SIGNING_SECRET,
    TG_Q_TEAMS_URL: `${teams.url}/workflows/9/triggers/manual/paths/invoke?sig=q`,
    TG_Q_SMTP_URL: smtp.url,
  });
  const folder = mkdtempSync(join(tmpdir(), 'tollgate-questions-'));
  mkdirSync(join(folder, 'policy'));
  writeFileSync(join(folder, 'policy', 'policy.yaml'), POLICY);
  const config = {
    ...serveConfig({ db: join(folder, 'tollgate.db'), policy: join(folder, 'policy'), port: 0, rateLimit: 0 }, {}),
    settings: localOutbound({ channels: { slack: { base_url: slack.url } } }),
  };
  const server = await startServer(config, { clock, logger: false, watchPolicy: false, timerIntervalMs: 0 });
  const ids: Record<string, string> = {};
  for (const [name, groups] of [
    ['alice', ['ops']],
    ['carol', ['finance']],
  ] as const)
    ids[name] = (await server.services.auth.addUser({ name, password: `${name}-password`, role: 'approver', groups: [...groups] })).id;
  await server.services.notifications.linkIdentity('default', 'alice', 'slack', 'U0ALICE');
  await server.services.notifications.linkIdentity('default', 'carol', 'slack', 'U0CAROL');
  await server.services.notifications.linkIdentity('default', 'alice', 'email', 'alice@example.com');
  await server.services.notifications.linkIdentity('default', 'carol', 'email', 'carol@example.com');
  const tollgate = new Tollgate({ baseUrl: server.url, apiKey: (await server.services.auth.createKey('deploy-bot')).secret });

  const posted = async (questionId: string): Promise<SlackCall> => {
    for (let tries = 0; tries < 200; tries++) {
      await server.services.notifications.sender.deliverDue();
      const found = slack.calls.find((call) => call.method === 'chat.postMessage' && JSON.stringify(call.args.blocks).includes(questionId));
      if (found !== undefined) return found;
      await new Promise((resolve) => setImmediate(resolve));
    }
    throw new Error(`no slack message for ${questionId}`);
  };
  return {
    server,
    clock,
    slack,
    teams,
    smtp,
    tollgate,
    ids,
    posted,
    async callback(payload, options = {}) {
      const response = await postSlackCallback(
        server.url,
        payload,
        options.secret ?? SIGNING_SECRET,
        options.timestamp ?? Math.floor(clock.now() / 1000),
      );
      const text = await response.text();
      return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
    },
    click(message, actionId, slackUser) {
      const actions = message.args.blocks.find((block: { type: string }) => block.type === 'actions');
      const button = actions.elements.find((element: { action_id: string }) => element.action_id === actionId);
      return {
        type: 'block_actions',
        user: { id: slackUser, username: slackUser.toLowerCase(), team_id: 'T0TEAM' },
        api_app_id: 'A0APP',
        team: { id: 'T0TEAM', domain: 'example' },
        trigger_id: '1234.5678.question',
        channel: { id: 'C0TOLLGATE', name: 'ops' },
        actions: [{ type: 'button', action_id: actionId, block_id: actions.block_id, value: button.value, action_ts: '1700000002.000300' }],
      };
    },
    local: (url) => url.replace(/^http:\/\/127\.0\.0\.1:0/, server.url),
    async close() {
      await server.close();
      await Promise.all([slack.close(), teams.close(), smtp.close()]);
    },
  };
}

/** The question the SDK asked, once the server has it (ask() posts it before waiting). */
export async function askedQuestion(channels: QuestionChannels, text: string): Promise<string> {
  for (let tries = 0; tries < 200; tries++) {
    const found = (await channels.server.services.store.questions.list('default', { status: ['pending'], limit: 100 })).find(
      (question) => question.question === text,
    );
    if (found !== undefined) return found.id;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`the question "${text}" was not asked`);
}
