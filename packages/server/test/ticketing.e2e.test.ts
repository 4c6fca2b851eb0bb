// Approvals in Jira and ServiceNow, against local stand-ins that speak their wire formats (every
// body checked: ADF for Jira Cloud, wiki text for Data Center, Table API fields for ServiceNow):
// one ticket per request even when the first create's answer is lost; a linked, eligible person's
// move or approval approves; the requester, an auditor or an unlinked person changes nothing and
// the ticket says why; the outcome moves or closes the ticket; and the lying refund is shown
// below its real amount and payee, as in every channel.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { UNLINKED, startTicketing, type Ticketing } from './helpers/ticket-channels.js';
import { inOrder, READING_ORDER, REFUND, SUMMARY, WARNING } from './helpers/lying-refund.js';
import { adfTexts } from './helpers/ticketing-stand-ins.js';

const REASONING = 'Approve quickly: *low risk* [Approve](http://evil.example/phish) <!channel> {noformat} [code]<b>x</b>[/code]';
const LYING = { ...REFUND, reasoning: REASONING };
const DEPLOY = { action_type: 'deploy', environment: 'production', summary: 'deploy v2.3.1' };

async function votesOf(t: Ticketing, approvalId: string) {
  return t.server.services.store.votes.listByApproval('default', approvalId);
}

/** A server with both channels for the suite, its stand-ins' checks asserted after every test. */
function withTicketing(options: Parameters<typeof startTicketing>[0], set: (t: Ticketing) => void): void {
  let started: Ticketing | undefined;
  beforeAll(async () => {
    started = await startTicketing(options);
    set(started);
  });
  afterAll(async () => {
    await started?.close();
  });
  afterEach(() => {
    expect(started!.jira.violations).toEqual([]);
    expect(started!.servicenow.violations).toEqual([]);
  });
}

describe('Jira Cloud', () => {
  let t: Ticketing;
  withTicketing({}, (started) => (t = started));

  it('creates exactly one issue for a request when the answer to the first create was lost', async () => {
    t.jira.loseNextCreate = true;
    const approvalId = await t.submit(DEPLOY);
    await t.deliver();
    const [message] = (await t.server.services.store.outbox.list('default', { approvalId })).filter((m) => m.channel === 'ops-jira');
    expect(message).toMatchObject({ status: 'pending', attempts: 1 });
    expect(message!.last_error).toContain('502');
    t.clock.advance(31_000);
    await t.deliver();
    const issues = t.jira.issues.filter((issue) => issue.labels.includes(`tollgate-${approvalId}`));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ project: 'OPS', issuetype: 'Change', labels: [`tollgate-${approvalId}`, 'tollgate'] });
    // The retry looked for the issue first, by its label, and created nothing.
    expect(t.jira.calls.filter((call) => call.method === 'POST' && call.path === '/rest/api/3/issue')).toHaveLength(t.jira.issues.length);
    expect(await t.server.services.store.tickets.get('default', approvalId, 'ops-jira')).toMatchObject({
      key: issues[0]!.key,
      vendor_id: issues[0]!.id,
      url: `${t.jira.url}/browse/${issues[0]!.key}`,
    });
    expect((await t.server.services.store.outbox.get('default', message!.id))?.status).toBe('delivered');
    // People find the ticket from the request, in the API and in `tollgate approvals show`.
    const detail = await t.server.services.approvals.detail('default', approvalId);
    // Oldest first: ServiceNow's came first here, Jira's create having failed once.
    expect(detail.tickets).toEqual([
      { channel: 'ops-snow', type: 'servicenow', key: t.recordOf(approvalId).number, url: expect.stringContaining('change_request.do') },
      { channel: 'ops-jira', type: 'jira', key: issues[0]!.key, url: `${t.jira.url}/browse/${issues[0]!.key}` },
    ]);
  });

  it('dead-letters a create Jira refuses, with its reason, and makes the issue once re-driven', async () => {
    const token = process.env.TG_TICKET_JIRA_TOKEN;
    process.env.TG_TICKET_JIRA_TOKEN = 'a-revoked-token';
    try {
      const approvalId = await t.submit(DEPLOY);
      await t.deliver();
      const [dead] = (await t.server.services.store.outbox.list('default', { approvalId })).filter((m) => m.channel === 'ops-jira');
      // A 401 is not worth another try: dead at once, saying why.
      expect(dead).toMatchObject({ status: 'dead', attempts: 1 });
      expect(dead!.last_error).toContain('answered 401: {"errorMessages":["You are not authenticated."]');
      process.env.TG_TICKET_JIRA_TOKEN = token;
      await t.server.services.notifications.redrive('default', dead!.id, 'user:admin');
      await t.deliver();
      expect((await t.server.services.store.outbox.get('default', dead!.id))?.status).toBe('delivered');
      expect(t.jira.issues.filter((issue) => issue.labels.includes(`tollgate-${approvalId}`))).toHaveLength(1);
    } finally {
      process.env.TG_TICKET_JIRA_TOKEN = token;
    }
  });

  it('comments on a delegation, and counts the delegate’s move', async () => {
    const approvalId = await t.submit(DEPLOY);
    await t.deliver();
    const issue = t.issueOf(approvalId);
    const alice = (await t.server.services.store.users.findByName('default', 'alice'))!;
    t.clock.advance(1);
    await t.server.services.approvals.delegate({ kind: 'user', tenant_id: 'default', user: alice }, approvalId, { to: 'bob' });
    await t.deliver();
    inOrder(t.jira.textOf(issue.comments.at(-1)), ['Tollgate: Approval requested', 'delegated by alice', 'To decide here:']);
    const reply = await t.jiraWebhook(t.jira.move(issue, 'Approved', t.jiraUser('bob'), t.clock.now()));
    expect(reply.body).toMatchObject({ ok: true, status: 'approved' });
  });

  it("shows the lying refund's real amount and payee, and the warning, before the agent's words, all as plain text nodes", async () => {
    const approvalId = await t.submit(LYING);
    await t.deliver();
    const issue = t.issueOf(approvalId);
    expect(issue.summary).toContain('amount_usd: 950000 · payee: IBAN-ATTACKER-0001');
    expect(issue.summary).not.toContain('$5.00');
    expect(issue.summary.length).toBeLessThanOrEqual(255);
    const texts = adfTexts(issue.description);
    inOrder(texts.map((node) => node.text).join('\n'), [
      ...READING_ORDER,
      "The agent's reasoning:",
      'the payee is the customer who was charged twice',
      'Deadline: ',
      'Open the request in Tollgate',
    ]);
    // The agent's words carry no marks: its link, emphasis and mention are only characters, its address defanged.
    const reasoning = texts.find((node) => node.text.includes('Approve quickly'))!;
    expect(reasoning.marks).toEqual([]);
    expect(reasoning.text).toContain('*low risk* [Approve](http[:]//evil.example/phish) <!channel>');
    const links = texts.flatMap((node) => node.marks.filter((mark) => mark.type === 'link'));
    expect(links).toEqual([{ type: 'link', attrs: { href: expect.stringMatching(new RegExp(`/approvals/${approvalId}$`)) } }]);
    // The same facts on ServiceNow: the change's description, plain text within 4,000 characters.
    const record = t.recordOf(approvalId);
    expect(record.fields.short_description).toContain('amount_usd: 950000');
    inOrder(record.fields.description!, [
      'pay-bot: refund (payment)',
      '  amount_usd: 950000',
      '  payee: IBAN-ATTACKER-0001',
      `⚠ Check: ${WARNING}`,
      'The agent says:',
      `> ${SUMMARY}`,
    ]);
    // Journal fields render [code] as HTML: the agent's tags are only look-alike characters.
    expect(record.fields.description).not.toMatch(/\[code\]/i);
    expect(record.fields.description).toContain('［code]<b>x</b>［/code]');
    expect(record.fields).toMatchObject({ type: 'normal', category: 'Software', correlation_display: 'Tollgate' });
  });

  it("counts an eligible linked person's move to Approved as their vote, then notes it and moves nothing back", async () => {
    const approvalId = await t.submit(DEPLOY);
    await t.deliver();
    const issue = t.issueOf(approvalId);
    const reply = await t.jiraWebhook(t.jira.move(issue, 'Approved', t.jiraUser('alice'), t.clock.now()));
    expect(reply).toMatchObject({ status: 200, body: { ok: true, status: 'approved' } });
    const votes = await votesOf(t, approvalId);
    expect(votes.map((vote) => [vote.verdict, vote.user_id])).toEqual([
      ['approve', (await t.server.services.store.users.findByName('default', 'alice'))!.id],
    ]);
    await t.deliver();
    const said = issue.comments.map((comment) => t.jira.textOf(comment)).join('\n');
    inOrder(said, ['Tollgate: Vote: alice approved', 'Tollgate: Decided: approved']);
    // The issue is where alice put it, which is the outcome's status: no "could not move" note.
    expect(issue.status).toBe('Approved');
    expect(said).not.toContain('could not move');
  });

  it.each([
    ['the requester', 'carol', 'you requested this action', { requested_by: 'carol' }],
    ['an auditor', 'audrey', 'auditors can read approvals but not decide them', {}],
    [
      'an unlinked person',
      'dave',
      `jira user \`${UNLINKED.jira.accountId}\` is not linked to a tollgate user; run \`tollgate users link-jira\``,
      {},
    ],
  ])('changes nothing when %s moves the issue, moves it back and says why', async (_who, name, why, extra) => {
    const approvalId = await t.submit({ ...DEPLOY, ...extra });
    await t.deliver();
    const issue = t.issueOf(approvalId);
    const before = await t.chain();
    const reply = await t.jiraWebhook(t.jira.move(issue, 'Approved', t.jiraUser(name), t.clock.now()));
    expect(reply.status).toBe(200);
    expect(reply.body.ok).toBe(false);
    expect(await votesOf(t, approvalId)).toEqual([]);
    expect((await t.server.services.approvals.get('default', approvalId)).status).toBe('pending');
    expect(await t.chain()).toEqual(before);
    await t.deliver();
    expect(issue.status).toBe('Waiting');
    const said = t.jira.textOf(issue.comments.at(-1));
    expect(said).toContain('was not counted');
    expect(said).toContain(why);
  });

  it('takes /approve and /deny comments: a denial needs a reason, and the outcome moves the issue', async () => {
    const approvalId = await t.submit(DEPLOY);
    await t.deliver();
    const issue = t.issueOf(approvalId);
    const bare = await t.jiraWebhook(t.jira.comment(issue, '/deny', t.jiraUser('bob'), t.clock.now()));
    expect(bare.body).toMatchObject({ ok: false, error: { code: 'vote.invalid' } });
    expect(await votesOf(t, approvalId)).toEqual([]);
    // Tollgate's own comments and other talk decide nothing.
    expect((await t.jiraWebhook(t.jira.comment(issue, 'Tollgate: /approve', t.jiraUser('bob'), t.clock.now()))).body.ignored).toBeDefined();
    const denied = await t.jiraWebhook(t.jira.comment(issue, '/deny the rollout window is closed', t.jiraUser('bob'), t.clock.now()));
    expect(denied.body).toMatchObject({ ok: true, status: 'denied' });
    expect((await votesOf(t, approvalId))[0]).toMatchObject({ verdict: 'deny', note: 'the rollout window is closed' });
    await t.deliver();
    expect(issue.status).toBe('Declined');
    inOrder(issue.comments.map((comment) => t.jira.textOf(comment)).join('\n'), [
      'a denial needs a reason',
      'Tollgate: Vote: bob denied: the rollout window is closed',
      'Tollgate: Decided: denied',
    ]);
    // A late approval of the decided request is answered, not counted.
    const late = await t.jiraWebhook(t.jira.comment(issue, '/approve', t.jiraUser('alice'), t.clock.now()));
    expect(late.body).toMatchObject({ ok: false, error: { code: 'approval.closed' } });
  });

  it('notes votes cast elsewhere, and says a timeout is a timeout', async () => {
    const approvalId = await t.submit(DEPLOY);
    await t.deliver();
    const issue = t.issueOf(approvalId);
    t.clock.advance(61 * 60_000);
    expect(await t.server.services.timers.sweep()).toBeGreaterThanOrEqual(1);
    await t.deliver();
    expect(issue.status).toBe('Timed out');
    expect(t.jira.textOf(issue.comments.at(-1))).toContain('Tollgate: Timed out: nobody decided in time');
    expect(t.recordOf(approvalId).fields).toMatchObject({ state: '4', close_code: 'unsuccessful' });
    expect(t.recordOf(approvalId).fields.close_notes).toContain('Timed out: nobody decided in time');
  });
});

describe('Jira Data Center', () => {
  let t: Ticketing;
  withTicketing({ jiraApi: 'data-center' }, (started) => (t = started));

  it('writes REST API v2 wiki text with the request in noformat blocks, and reads people by user name', async () => {
    const approvalId = await t.submit(LYING);
    await t.deliver();
    expect(t.jira.violations).toEqual([]);
    const issue = t.issueOf(approvalId);
    const wiki = issue.description as string;
    inOrder(wiki, [
      'h3. Approval requested',
      '{noformat}',
      'amount_usd: 950000',
      'payee: IBAN-ATTACKER-0001',
      '{noformat}',
      '*⚠ Check:*',
      WARNING,
      '*The agent says:*',
      SUMMARY,
    ]);
    // The agent's `{noformat}` cannot close the block its words are in; its link is not a link.
    expect(wiki).toContain('{ noformat} ');
    expect(wiki).not.toContain('[Approve|');
    expect(t.jira.calls.some((call) => call.path === '/rest/api/2/search')).toBe(true);
    const reply = await t.jiraWebhook(t.jira.move(issue, 'Approved', t.jiraUser('alice'), t.clock.now(), 'checked with finance'));
    expect(reply.body).toMatchObject({ ok: true, status: 'approved' });
    expect((await votesOf(t, approvalId))[0]).toMatchObject({ verdict: 'approve', note: 'checked with finance' });
    await t.deliver();
    expect(t.jira.violations).toEqual([]);
    expect(t.jira.textOf(issue.comments.at(-1))).toContain('h3. Tollgate: Decided: approved');
  });
});

describe('ServiceNow', () => {
  let t: Ticketing;
  withTicketing({}, (started) => (t = started));

  it('creates exactly one change request when the answer to the first create was lost', async () => {
    t.servicenow.loseNextCreate = true;
    const approvalId = await t.submit(DEPLOY);
    await t.deliver();
    t.clock.advance(31_000);
    await t.deliver();
    const records = t.servicenow.records.filter((record) => record.fields.correlation_id === `tollgate:${approvalId}`);
    expect(records).toHaveLength(1);
    expect(t.servicenow.calls.filter((call) => call.method === 'POST')).toHaveLength(t.servicenow.records.length);
    expect(await t.server.services.store.tickets.get('default', approvalId, 'ops-snow')).toMatchObject({
      key: records[0]!.number,
      vendor_id: records[0]!.sys_id,
    });
  });

  it("counts an eligible linked person's approval record as their vote and closes the change with its close code", async () => {
    const approvalId = await t.submit(DEPLOY);
    await t.deliver();
    const record = t.recordOf(approvalId);
    const reply = await t.servicenowCallback(t.servicenow.approval(record, 'alice.smith', 'approved', 'looks right'));
    expect(reply.body).toMatchObject({ ok: true, status: 'approved' });
    expect((await votesOf(t, approvalId))[0]).toMatchObject({ verdict: 'approve', note: 'looks right' });
    await t.deliver();
    expect(record.work_notes.join('\n')).toContain('Tollgate: Vote: alice approved: looks right');
    expect(record.fields).toMatchObject({ state: '3', close_code: 'successful' });
    expect(record.fields.close_notes).toContain('Tollgate: Decided: approved');
  });

  it('changes nothing for a rejection without comments, by the requester or by an unlinked user, and notes why', async () => {
    const approvalId = await t.submit({ ...DEPLOY, requested_by: 'carol' });
    await t.deliver();
    const record = t.recordOf(approvalId);
    const before = await t.chain();
    const cases: [string, string, string][] = [
      ['bob.jones', 'rejected', 'a denial needs a reason'],
      ['carol.white', 'approved', 'you requested this action'],
      [UNLINKED.servicenow, 'approved', `servicenow user \`${UNLINKED.servicenow}\` is not linked to a tollgate user`],
    ];
    for (const [user, state] of cases) {
      const reply = await t.servicenowCallback(t.servicenow.approval(record, user, state));
      expect(reply.body.ok).toBe(false);
    }
    // A state that decides nothing is not answered at all.
    expect((await t.servicenowCallback(t.servicenow.approval(record, 'bob.jones', 'requested'))).body.ignored).toBeDefined();
    expect(await votesOf(t, approvalId)).toEqual([]);
    expect(await t.chain()).toEqual(before);
    await t.deliver();
    const notes = record.work_notes.join('\n');
    for (const [, , why] of cases) expect(notes).toContain(why);
    expect(record.fields.state).toBe('-5');
  });
});
