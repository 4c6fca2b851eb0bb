// A real server whose requests go to a Jira channel and a ServiceNow channel on local stand-ins
// (the sites from the operator's settings), with an injected clock, the ops group's people linked
// to their Jira and ServiceNow users, and the calls the vendors make back, signed as they sign them.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serveConfig } from '../../src/config/config.js';
import { startServer, type RunningServer } from '../../src/server/start.js';
import { newWebhookSecret } from '../../src/services/webhook-signing.js';
import type { Role } from '../../src/stores/records.js';
import { ManualClock } from '../../src/util/clock.js';
import { client } from './http.js';
import { localOutbound } from './local-outbound.js';
import {
  postJiraWebhook,
  postServiceNowCallback,
  startJiraStandIn,
  startServiceNowStandIn,
  type JiraIssue,
  type JiraStandIn,
  type ServiceNowRecord,
  type ServiceNowStandIn,
} from './ticketing-stand-ins.js';

export const JIRA_SECRET = 'jira-webhook-secret-of-the-default-tenant';
export const SN_SECRET = newWebhookSecret();
const JIRA_USER = 'tollgate-bot@example.com';
const JIRA_TOKEN = 'ATATT3xFfGF0-jira-api-token';
const SN_USER = 'tollgate.integration';
const SN_PASSWORD = 'servicenow-integration-password';

/** Refunds and deploys wait for `ops`, an hour at most; both channels hear everything. */
export const TICKET_POLICY = `
defaults: { decision: ALLOW, timeout: 1h, on_timeout: deny }
rules:
  - name: refunds
    match: { action_type: refund }
    decision: REQUIRE_APPROVAL
    risk: critical
    approvers: [ops]
    criteria: [the payee is the customer who was charged twice]
  - name: deploys
    match: { action_type: deploy }
    decision: REQUIRE_APPROVAL
    approvers: [ops]
notifications:
  channels:
    ops-jira:
      type: jira
      project: OPS
      issue_type: Change
      labels: [tollgate]
      user_env: TG_TICKET_JIRA_USER
      token_env: TG_TICKET_JIRA_TOKEN
      webhook_secret_env: TG_TICKET_JIRA_HOOK
      transitions: { approved: Approve, denied: Decline, timed_out: Time out, reopen: Reopen }
      vote_statuses: { approve: Approved, deny: Declined }
    ops-snow:
      type: servicenow
      user_env: TG_TICKET_SN_USER
      password_env: TG_TICKET_SN_PASSWORD
      callback_secret_env: TG_TICKET_SN_HOOK
      fields: { type: normal, category: Software }
  routes:
    - { channel: ops-jira }
    - { channel: ops-snow }
`;

/** The people: linked in Jira (account id on Cloud, user name on Data Center) and ServiceNow, but `dave`. */
export const PEOPLE: { name: string; role: Role; jira: { accountId: string; name: string } | null; servicenow: string | null }[] = [
  { name: 'alice', role: 'approver', jira: { accountId: '5b10ac8d82e05b22cc7d4ef5', name: 'alice.dc' }, servicenow: 'alice.smith' },
  {
    name: 'bob',
    role: 'approver',
    jira: { accountId: '712020:2e1f6a0b-4c5d-4e6f-8a9b-0c1d2e3f4a5b', name: 'bob.dc' },
    servicenow: 'bob.jones',
  },
  { name: 'carol', role: 'approver', jira: { accountId: '5c1b2e3f4a5b6c7d8e9f0a1b', name: 'carol.dc' }, servicenow: 'carol.white' },
  { name: 'audrey', role: 'auditor', jira: { accountId: '5d2c3f4a5b6c7d8e9f0a1b2c', name: 'audrey.dc' }, servicenow: 'audrey.black' },
  { name: 'dave', role: 'approver', jira: null, servicenow: null },
];

/** Dave is in ops but linked nowhere: his Jira and ServiceNow ids. */
export const UNLINKED = { jira: { accountId: '5e3d4a5b6c7d8e9f0a1b2c3d', name: 'dave.dc' }, servicenow: 'dave.green' };

export interface Ticketing {
  server: RunningServer;
  clock: ManualClock;
  jira: JiraStandIn;
  servicenow: ServiceNowStandIn;
  /** Submits the action as `pay-bot` and returns its request's id (the summary says it must wait). */
  submit(action: Record<string, unknown>): Promise<string>;
  /** Runs the sender once, as its loop would. */
  deliver(): Promise<void>;
  /** Moves the clock past every backoff and delivers until the outbox is quiet. */
  settle(): Promise<void>;
  issueOf(approvalId: string): JiraIssue;
  recordOf(approvalId: string): ServiceNowRecord;
  /** The Jira user of a person, as this site names them (account id on Cloud, user name on Data Center). */
  jiraUser(name: string): { accountId?: string; name?: string };
  /** Posts a Jira webhook for the default tenant's channel, signed with `secret` (the channel's by default; null: unsigned). */
  jiraWebhook(event: unknown, secret?: string | null, path?: string): Promise<{ status: number; body: any }>;
  servicenowCallback(record: unknown, secret?: string | null, path?: string): Promise<{ status: number; body: any }>;
  /** The default tenant's audit chain: its length and head. */
  chain(tenant?: string): Promise<{ seq: number; hash: string }>;
  close(): Promise<void>;
}

export async function startTicketing(
  options: { jiraApi?: 'cloud' | 'data-center'; policy?: string; settings?: Record<string, unknown> } = {},
): Promise<Ticketing> {
  const api = options.jiraApi ?? 'cloud';
  const jira = await startJiraStandIn({
    api,
    project: 'OPS',
    authorization: `Basic ${Buffer.from(`${JIRA_USER}:${JIRA_TOKEN}`).toString('base64')}`,
  });
  const servicenow = await startServiceNowStandIn({
    authorization: `Basic ${Buffer.from(`${SN_USER}:${SN_PASSWORD}`).toString('base64')}`,
  });
  Object.assign(process.env, {
    TG_TICKET_JIRA_USER: JIRA_USER,
    TG_TICKET_JIRA_TOKEN: JIRA_TOKEN,
    TG_TICKET_JIRA_HOOK: JIRA_SECRET,
    TG_TICKET_SN_USER: SN_USER,
    TG_TICKET_SN_PASSWORD: SN_PASSWORD,
    TG_TICKET_SN_HOOK: SN_SECRET,
  });
  const folder = mkdtempSync(join(tmpdir(), 'tollgate-tickets-'));
  mkdirSync(join(folder, 'policy'));
  writeFileSync(join(folder, 'policy', 'policy.yaml'), options.policy ?? TICKET_POLICY);
  const clock = new ManualClock(Date.now());
  const config = {
    ...serveConfig({ db: join(folder, 'tollgate.db'), policy: join(folder, 'policy'), port: 0, host: '127.0.0.1', rateLimit: 0 }, {}),
    settings: localOutbound({
      channels: { jira: { base_url: jira.url, api }, servicenow: { base_url: servicenow.url } },
      ...options.settings,
    }),
  };
  const server = await startServer(config, { clock, logger: false, watchPolicy: false, timerIntervalMs: 0 });
  const { auth, notifications } = server.services;
  for (const person of PEOPLE) {
    await auth.addUser({ name: person.name, password: `${person.name}-password`, role: person.role, groups: ['ops'] });
    if (person.jira !== null)
      await notifications.linkIdentity('default', person.name, 'jira', api === 'cloud' ? person.jira.accountId : person.jira.name);
    if (person.servicenow !== null) await notifications.linkIdentity('default', person.name, 'servicenow', person.servicenow);
  }
  const agent = client(server.url, (await auth.createKey('pay-bot')).secret);
  const answer = async (response: Response) => {
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: response.status, body };
  };

  // Each submission is its own request: an identical action still pending would be taken for its retry.
  let submitted = 0;
  const ticketing: Ticketing = {
    server,
    clock,
    jira,
    servicenow,
    async submit(action) {
      submitted += 1;
      const reply = await agent('POST', '/v1/actions', { idempotency_key: `ticketing-${submitted}`, ...action });
      if (reply.body?.decision !== 'REQUIRE_APPROVAL') throw new Error(`expected a request: ${JSON.stringify(reply.body)}`);
      return reply.body.approval.id as string;
    },
    async deliver() {
      await notifications.sender.deliverDue();
    },
    async settle() {
      for (let round = 0; round < 10; round++) {
        const report = await notifications.sender.deliverDue();
        if (report.retried === 0) return;
        clock.advance(60 * 60_000);
      }
    },
    issueOf(approvalId) {
      const issue = jira.issues.find((candidate) => candidate.labels.includes(`tollgate-${approvalId}`));
      if (issue === undefined) throw new Error(`no issue for ${approvalId}`);
      return issue;
    },
    recordOf(approvalId) {
      const record = servicenow.records.find((candidate) => candidate.fields.correlation_id === `tollgate:${approvalId}`);
      if (record === undefined) throw new Error(`no record for ${approvalId}`);
      return record;
    },
    jiraUser(name) {
      const person = PEOPLE.find((candidate) => candidate.name === name);
      const ids = person?.jira ?? UNLINKED.jira;
      return api === 'cloud' ? { accountId: ids.accountId } : { name: ids.name };
    },
    async jiraWebhook(event, secret = JIRA_SECRET, path = '/v1/integrations/jira/default/ops-jira') {
      // Each person's action happens a moment after the last.
      clock.advance(1);
      return answer(await postJiraWebhook(server.url, path, event, secret ?? undefined));
    },
    async servicenowCallback(record, secret = SN_SECRET, path = '/v1/integrations/servicenow/default/ops-snow') {
      clock.advance(1);
      return answer(await postServiceNowCallback(server.url, path, record, secret ?? undefined, Math.floor(clock.now() / 1000)));
    },
    async chain(tenant = 'default') {
      const head = await server.services.store.audit.head(tenant);
      return { seq: head.seq, hash: head.hash };
    },
    async close() {
      await server.close();
      await Promise.all([jira.close(), servicenow.close()]);
      rmSync(folder, { recursive: true, force: true });
    },
  };
  return ticketing;
}
