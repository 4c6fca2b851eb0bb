// Trust line: a person deciding outside the dashboard is shown what Tollgate knows before the
// agent's words. The refund whose summary says "$5.00" while `amount_usd` is 950000 must show the
// amount and the payee, and the contradiction, ahead of the summary in what every channel actually
// sent: Slack (message, deny modal, decided message), Teams, e-mail (both parts), PagerDuty, the
// one-click confirmation page and the webhook; and a message queued before facts still delivers.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cardElements, slackTexts, startChannels, type Channels, type Sent } from '../helpers/channel-captures.js';
import { inOrder, READING_ORDER, REFUND, SUMMARY, WARNING } from '../helpers/lying-refund.js';
import { readMail } from '../helpers/smtp-stand-in.js';

describe('what an approver reads first is what Tollgate knows', () => {
  let channels: Channels;
  let sent: Sent;

  beforeAll(async () => {
    channels = await startChannels();
    sent = await channels.send(REFUND);
  });
  afterAll(async () => {
    await channels?.close();
  });

  it('Slack: title, amount, payee and the warning come before the agent says anything, its words in a quote', () => {
    const texts = slackTexts(sent.slack.args.blocks);
    inOrder(texts.map((entry) => entry.text).join('\n'), READING_ORDER);
    const summary = texts.find((entry) => entry.text.includes(SUMMARY))!;
    expect(summary.within).toEqual(['rich_text', 'rich_text_quote']);
    // The notification line (what a phone shows) carries the facts, not the agent's claim.
    expect(sent.slack.args.text).toContain('amount_usd: 950000 · payee: IBAN-ATTACKER-0001');
    expect(sent.slack.args.text).not.toContain('$5.00');
  });

  it("Slack's deny modal shows the facts and the warning above the agent's summary", async () => {
    const view = await channels.denyModal(sent);
    inOrder(
      slackTexts(view.blocks)
        .map((entry) => entry.text)
        .join('\n'),
      ['pay-bot: refund (payment)', '950000', 'IBAN-ATTACKER-0001', WARNING, 'The agent says:', SUMMARY, 'Reason (shown to the agent)'],
    );
    expect(view.title.text.length).toBeLessThanOrEqual(24);
  });

  it('Teams: the card reads title, facts, warning, then the agent in its own box', () => {
    const runs = cardElements(sent.teams.card.body).filter((element) => element.type === 'TextRun');
    inOrder(runs.map((element) => element.text).join('\n'), READING_ORDER);
    const box = sent.teams.card.body.find((element: { type: string }) => element.type === 'Container');
    expect(JSON.stringify(box)).toContain(SUMMARY);
    expect(JSON.stringify(box)).not.toContain('950000 ');
  });

  it('e-mail: the subject, the text part and the HTML part lead with the facts and the warning', () => {
    expect(sent.mail.subject).toContain('amount_usd: 950000 · payee: IBAN-ATTACKER-0001');
    expect(sent.mail.subject).not.toContain('$5.00');
    inOrder(sent.mail.text, [
      'pay-bot: refund (payment)',
      '  amount_usd: 950000',
      '  payee: IBAN-ATTACKER-0001',
      `⚠ Check: ${WARNING}`,
      'Approve: http',
      'The agent says:',
      `> ${SUMMARY}`,
      '> amount: $5.00',
    ]);
    inOrder(sent.mail.html, [
      'pay-bot: refund (payment)',
      '<th align="left">amount_usd</th><td>950000</td>',
      '<td>IBAN-ATTACKER-0001</td>',
      '⚠ Check:',
      WARNING.replace("'", '&#39;'),
      '>Approve</a>',
      'The agent says:',
      `<blockquote style="margin:0 0 1em;padding-left:.75em;border-left:3px solid #999;color:#444">${SUMMARY}</blockquote>`,
    ]);
  });

  it("PagerDuty: the alert's summary and details give the facts first, the agent's words last and attributed", () => {
    const { summary, custom_details: details } = sent.pagerduty.payload;
    inOrder(summary, [
      'pay-bot: refund (payment)',
      'amount_usd: 950000',
      'payee: IBAN-ATTACKER-0001',
      '⚠ 2 warnings',
      'the agent says: “',
      SUMMARY,
    ]);
    expect(Object.keys(details).slice(0, 4)).toEqual(['title', 'facts', 'warnings', 'agent_says']);
    expect(details.facts).toEqual(expect.arrayContaining(['amount_usd: 950000', 'payee: IBAN-ATTACKER-0001']));
    expect(details.warnings).toContain(WARNING);
    expect(details.agent_says).toMatchObject({ summary: SUMMARY, context: ['amount: $5.00'] });
  });

  it('the one-click confirmation page shows the facts and the warning before the agent says anything', () => {
    inOrder(sent.page, [
      'Approve this request?',
      'pay-bot: refund (payment)',
      '<td>950000</td>',
      '<td>IBAN-ATTACKER-0001</td>',
      '⚠ Check:',
      WARNING.replace("'", '&#39;'),
      'The agent says:',
      SUMMARY,
      '<form method="post">',
    ]);
  });

  it("the webhook's data carries the same facts and warnings", () => {
    expect(sent.webhook.data).toMatchObject({
      title: 'pay-bot: refund (payment)',
      facts: expect.arrayContaining([
        { label: 'amount_usd', value: '950000' },
        { label: 'payee', value: 'IBAN-ATTACKER-0001' },
      ]),
      warnings: expect.arrayContaining([WARNING]),
      agent_summary: SUMMARY,
    });
  });

  it('the Slack message a decision turns it into still leads with the facts', async () => {
    const post = await fetch(sent.approveLink, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ note: 'checked the payee' }),
    });
    expect(post.status).toBe(200);
    await channels.server.services.notifications.sender.deliverDue();
    const update = channels.slack.calls.find(
      (call) => call.method === 'chat.update' && JSON.stringify(call.args.blocks).includes(sent.approvalId),
    )!;
    inOrder(
      slackTexts(update.args.blocks)
        .map((entry) => entry.text)
        .join('\n'),
      ['pay-bot: refund (payment)', '950000', 'IBAN-ATTACKER-0001', WARNING, 'The agent says:', SUMMARY, 'Decided'],
    );
    expect(update.args.text).toMatch(/^Decided: .*amount_usd: 950000/);
  });

  it('a message queued before messages carried facts still delivers on every channel, with a warning to look closer', async () => {
    const { server } = channels;
    const { approvalId } = await channels.send({ ...REFUND, amount_usd: 700 });
    const queued = await server.services.store.outbox.list('default', { approvalId });
    const before = {
      slack: channels.slack.calls.length,
      teams: channels.teams.received.length,
      pd: channels.pagerduty.received.length,
      mail: channels.smtp.mails.length,
    };
    // What the outbox held before: no title, facts, warnings or agent_* fields.
    const old = queued.map((message, index) => {
      const { title, facts, warnings, agent_summary, agent_reasoning, ...data } = message.payload.data as Record<string, unknown>;
      expect([title, facts, warnings, agent_summary, agent_reasoning].every((field) => field !== undefined)).toBe(true);
      return {
        ...message,
        id: `ntf_0ld${index}`,
        payload: { ...message.payload, data },
        status: 'pending' as const,
        attempts: 0,
        next_attempt_at: 0,
        result: null,
        delivered_at: null,
      };
    });
    await server.services.store.outbox.insert(old);
    await server.services.notifications.sender.deliverDue();
    for (const message of old)
      expect((await server.services.store.outbox.get('default', message.id))?.status, message.channel).toBe('delivered');
    const fallback = 'queued before Tollgate listed';
    expect(JSON.stringify(channels.slack.calls.slice(before.slack).map((call) => call.args.blocks))).toContain(fallback);
    expect(channels.teams.received.slice(before.teams).some((request) => request.body.includes(fallback))).toBe(true);
    expect(channels.pagerduty.received.slice(before.pd).some((request) => request.body.includes(fallback))).toBe(true);
    const mail = readMail(channels.smtp.mails.at(-1)!.raw);
    expect(before.mail).toBeLessThan(channels.smtp.mails.length);
    inOrder(mail.text, ['Agent: pay-bot', `⚠ Check: this message was ${fallback}`, 'The agent says:', `> ${SUMMARY}`]);
  });
});
