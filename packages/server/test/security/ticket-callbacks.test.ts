// Trust line: a decision from Jira or ServiceNow counts only when the callback verifies under the
// secret of the tenant and channel its address names, and only on that tenant's own tickets. An
// unsigned, forged, altered or replayed callback, one to a tenant or channel that has no secret,
// and another tenant's admin signing with its own secret about this tenant's ticket are each
// refused with their code; nothing changes: no vote, no audit event, no comment queued.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newWebhookSecret } from '../../src/services/webhook-signing.js';
import { client } from '../helpers/http.js';
import { JIRA_SECRET, SN_SECRET, startTicketing, type Ticketing } from '../helpers/ticket-channels.js';
import { postServiceNowCallback, type JiraIssue, type ServiceNowRecord } from '../helpers/ticketing-stand-ins.js';

const DEPLOY = { action_type: 'deploy', environment: 'production', summary: 'deploy v2.3.1' };
/** What acme's admin knows: the secrets of its own Jira webhook and ServiceNow callback. */
const ACME_JIRA_SECRET = 'acme-jira-webhook-secret-known-to-its-admin';
const ACME_SN_SECRET = newWebhookSecret();

const ACME_POLICY = `
defaults: { decision: ALLOW }
notifications:
  channels:
    acme-jira: { type: jira, project: OPS, token_env: ACME_JIRA_TOKEN, webhook_secret_env: ACME_JIRA_HOOK, vote_statuses: { approve: Approved } }
    acme-snow: { type: servicenow, token_env: ACME_SN_TOKEN, callback_secret_env: ACME_SN_HOOK }
  routes:
    - { channel: acme-jira }
    - { channel: acme-snow }
`;

describe('callbacks from Jira and ServiceNow', () => {
  let t: Ticketing;
  let approvalId: string;
  let issue: JiraIssue;
  let record: ServiceNowRecord;

  /** Everything a refused callback must leave as it was: votes, the request, both chains, the outbox. */
  async function state() {
    const { store } = t.server.services;
    return {
      votes: await store.votes.listByApproval('default', approvalId),
      status: (await store.approvals.get('default', approvalId))?.status,
      chain: await t.chain(),
      acme: await t.chain('acme'),
      outbox: (await store.outbox.list('default', { approvalId })).length,
    };
  }

  beforeAll(async () => {
    t = await startTicketing({ settings: { tenants: { acme: { secrets: { prefix: 'ACME_' } } } } });
    Object.assign(process.env, {
      ACME_JIRA_TOKEN: 'acme-token',
      ACME_JIRA_HOOK: ACME_JIRA_SECRET,
      ACME_SN_TOKEN: 'acme-sn',
      ACME_SN_HOOK: ACME_SN_SECRET,
    });
    const { auth } = t.server.services;
    await auth.addUser({ name: 'mallory', password: 'mallory-password', role: 'admin', groups: [], tenant: 'acme' });
    const mallory = client(t.server.url, (await auth.login('mallory', 'mallory-password', 'acme')).token);
    const pushed = await mallory('PUT', '/v1/tenants/acme/policy', { files: [{ path: 'acme.yaml', text: ACME_POLICY }] });
    expect(pushed.status).toBe(200);
    approvalId = await t.submit(DEPLOY);
    await t.deliver();
    issue = t.issueOf(approvalId);
    record = t.recordOf(approvalId);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('refuses an unsigned, forged, altered or replayed Jira webhook, and one for a channel without a secret', async () => {
    const before = await state();
    const move = () => t.jira.move(issue, 'Approved', t.jiraUser('alice'), t.server.services.clock.now());
    const cases: [string, Promise<{ status: number; body: any }>, string][] = [
      ['unsigned', t.jiraWebhook(move(), null), 'notify.bad_signature'],
      ['signed with another secret', t.jiraWebhook(move(), 'a-guess'), 'notify.bad_signature'],
      [
        'to a tenant that has no jira channel',
        t.jiraWebhook(move(), JIRA_SECRET, '/v1/integrations/jira/nobody/ops-jira'),
        'notify.bad_signature',
      ],
      ['to a channel of another type', t.jiraWebhook(move(), SN_SECRET, '/v1/integrations/jira/default/ops-snow'), 'notify.bad_signature'],
      [
        'replayed two hours later',
        t.jiraWebhook({ ...move(), timestamp: t.server.services.clock.now() - 2 * 60 * 60_000 }),
        'notify.stale_request',
      ],
    ];
    for (const [what, sent, code] of cases) {
      const reply = await sent;
      expect(reply.status, what).toBe(401);
      expect(reply.body.error.code, what).toBe(code);
    }
    // The signature is over the bytes sent: one changed after signing does not verify.
    const body = JSON.stringify(move());
    const { createHmac } = await import('node:crypto');
    const signature = `sha256=${createHmac('sha256', JIRA_SECRET).update(body).digest('hex')}`;
    const altered = await fetch(`${t.server.url}/v1/integrations/jira/default/ops-jira`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature': signature },
      body: body.replace(t.jiraUser('alice').accountId!, t.jiraUser('bob').accountId!),
    });
    expect(altered.status).toBe(401);
    expect(await state()).toEqual(before);
  });

  it('refuses an unsigned, forged or replayed ServiceNow callback', async () => {
    const before = await state();
    const approved = () => t.servicenow.approval(record, 'alice.smith', 'approved');
    expect((await t.servicenowCallback(approved(), null)).status).toBe(401);
    const forged = await t.servicenowCallback(approved(), newWebhookSecret());
    expect(forged).toMatchObject({ status: 401, body: { error: { code: 'notify.bad_signature' } } });
    // Signed ten minutes before the server's clock: the tolerance is five.
    const old = await postServiceNowCallback(
      t.server.url,
      '/v1/integrations/servicenow/default/ops-snow',
      approved(),
      SN_SECRET,
      Math.floor(t.clock.now() / 1000) - 600,
    );
    expect(old.status).toBe(401);
    expect(((await old.json()) as { error: { code: string } }).error.code).toBe('notify.stale_request');
    expect(await state()).toEqual(before);
  });

  it("binds a callback to the tenant whose secret verified it: acme's admin cannot decide the default tenant's ticket", async () => {
    const before = await state();
    // Signed with acme's own secret, to acme's own address, naming the default tenant's issue and a default approver.
    const onAcme = await t.jiraWebhook(
      t.jira.move(issue, 'Approved', t.jiraUser('bob'), t.server.services.clock.now()),
      ACME_JIRA_SECRET,
      '/v1/integrations/jira/acme/acme-jira',
    );
    expect(onAcme).toMatchObject({ status: 200, body: { ok: false, error: { code: 'notify.unknown_ticket' } } });
    // Signed with acme's secret, to the default tenant's address.
    const onDefault = await t.jiraWebhook(
      t.jira.move(issue, 'Approved', t.jiraUser('bob'), t.server.services.clock.now()),
      ACME_JIRA_SECRET,
    );
    expect(onDefault).toMatchObject({ status: 401, body: { error: { code: 'notify.bad_signature' } } });
    const snow = await t.servicenowCallback(
      t.servicenow.approval(record, 'bob.jones', 'approved'),
      ACME_SN_SECRET,
      '/v1/integrations/servicenow/acme/acme-snow',
    );
    expect(snow.body).toMatchObject({ ok: false, error: { code: 'notify.unknown_ticket' } });
    expect((await t.servicenowCallback(t.servicenow.approval(record, 'bob.jones', 'approved'), ACME_SN_SECRET)).status).toBe(401);
    expect(await state()).toEqual(before);
    // The same move, signed by the default tenant's Jira, counts: the request was decidable all along.
    const real = await t.jiraWebhook(t.jira.move(issue, 'Approved', t.jiraUser('bob'), t.server.services.clock.now()));
    expect(real.body).toMatchObject({ ok: true, status: 'approved' });
  });
});
