// Trust line: an agent's text cannot forge a message. Whatever the summary, reasoning, context or
// fields hold (Slack mentions and links, mrkdwn and Markdown, fake lines after blank lines, a fake
// "Approve:" line, a right-to-left override, 10,000 characters), what each channel actually sent
// carries no live mention, link or formatting from it, shows hidden characters as `[U+202E]`
// marks, keeps the real links where agent text cannot imitate them, and stays within the vendor's limits.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cardElements, slackTexts, startChannels, type Channels, type Sent } from '../helpers/channel-captures.js';

const RLO = 'yes\u202Egnigats ot\u202C prоduction';
const FORGED_SUMMARY = [
  '<!channel> <http://evil.example/login|Open in dashboard> <@U0BOSS> <#C0OPS>',
  '',
  '',
  '',
  '*Risk: low* · Agent: trusted-readonly-bot',
  '[Approve](http://evil.example/phish) @here ~struck~ `code` _it_',
  '> a quote',
  '# Heading',
  '- a list',
  '1. a numbered list',
  RLO,
].join('\n');
const FORGERY = {
  action_type: 'deploy',
  environment: 'production',
  summary: FORGED_SUMMARY,
  reasoning: 'routine\n\n*Approved by security* <!here>',
  target: '[Approve](http://evil.example/target) <!everyone>',
  context: {
    note: 'fine\nApprove: http://evil.example/fake',
    '*Risk*': '_low_',
    '[Deny](http://evil.example/deny)': RLO,
  },
};
/** Tollgate's own addresses: every link and button must go to one of these. */
const OURS = /^http:\/\/127\.0\.0\.1:0\/(approvals\/apr_|v1\/integrations\/links\/lnk_)/;

type Block = Record<string, any>;

/** Slack's limits, from the Block Kit reference, checked on what was actually posted. */
function expectWithinSlackLimits(message: Block): void {
  expect(message.text.length).toBeLessThanOrEqual(3000);
  expect(message.blocks.length).toBeLessThanOrEqual(50);
  for (const block of message.blocks) {
    const where = JSON.stringify(block).slice(0, 200);
    if (block.type === 'header') expect(block.text.text.length, where).toBeLessThanOrEqual(150);
    if (block.type === 'section') {
      if (block.text !== undefined) expect(block.text.text.length, where).toBeLessThanOrEqual(3000);
      expect((block.fields ?? []).length, where).toBeLessThanOrEqual(10);
      for (const field of block.fields ?? []) expect(field.text.length, where).toBeLessThanOrEqual(2000);
    }
    if (block.type === 'context') {
      expect(block.elements.length, where).toBeLessThanOrEqual(10);
      for (const element of block.elements) expect(element.text.length, where).toBeLessThanOrEqual(2000);
    }
    if (block.type === 'rich_text') {
      const total = slackTexts(block).reduce((sum, entry) => sum + entry.text.length, 0);
      expect(total, where).toBeLessThanOrEqual(3000);
    }
    if (block.type === 'actions')
      for (const element of block.elements) {
        expect(element.text.text.length).toBeLessThanOrEqual(75);
        if (element.value !== undefined) expect(element.value.length).toBeLessThanOrEqual(2000);
      }
  }
}

/** No text Slack parses holds anything from the request, and what holds it is shown literally. */
function expectNothingLiveInSlack(message: Block, allowedMrkdwn: RegExp[] = []): void {
  const texts = slackTexts(message.blocks);
  // mrkdwn text objects are parsed; agent text is only ever in plain_text or rich_text `text`.
  for (const entry of texts.filter((candidate) => candidate.type === 'mrkdwn'))
    expect(
      allowedMrkdwn.some((pattern) => pattern.test(entry.text)),
      entry.text,
    ).toBe(true);
  for (const entry of texts.filter((candidate) => candidate.type === 'plain_text'))
    expect(JSON.stringify(message.blocks)).not.toContain(`"text":${JSON.stringify(entry.text)},"emoji":true`);
  // rich_text holds only plain text elements: no link, broadcast, user or channel elements.
  const kinds = new Set<string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node !== null && typeof node === 'object') {
      const record = node as Block;
      if (['rich_text_section', 'rich_text_quote'].includes(record.type)) for (const element of record.elements) kinds.add(element.type);
      Object.values(record).forEach(walk);
    }
  };
  walk(message.blocks);
  expect([...kinds].filter((kind) => kind !== 'text')).toEqual([]);
  // Agent text stays on one line: it cannot push a fake line up or draw one.
  for (const entry of texts) if (/evil|Risk: low|gnigats/.test(entry.text)) expect(entry.text, entry.text).not.toContain('\n');
  // The notification text is mrkdwn: escaped, and no formatting character that could pair.
  expect(message.text).not.toMatch(/[<>\n*~`]|(^|\W)_|_(\W|$)|@(here|channel|everyone)/);
  for (const button of message.blocks.filter((block: Block) => block.type === 'actions').flatMap((block: Block) => block.elements))
    if (button.url !== undefined) expect(button.url).toMatch(OURS);
}

function expectNoHiddenCharacters(text: string): void {
  expect(text).not.toMatch(/[\u202A-\u202E\u2066-\u2069\u200B-\u200F]/);
}

describe('agent text cannot forge a message', () => {
  let channels: Channels;
  let sent: Sent;
  let long: Sent;

  beforeAll(async () => {
    channels = await startChannels();
    sent = await channels.send(FORGERY);
    long = await channels.send({ action_type: 'deploy', environment: 'production', summary: `${'A long story. '.repeat(714)}end` });
  });
  afterAll(async () => {
    await channels?.close();
  });

  it('Slack: no live mention, link or formatting, hidden characters shown, the real buttons only', () => {
    const { args } = sent.slack;
    expectNothingLiveInSlack(args);
    expect(args.link_names).toBeUndefined();
    expect(args.unfurl_links).toBe('false');
    expect(args.unfurl_media).toBe('false');
    const everything = JSON.stringify(args);
    expectNoHiddenCharacters(everything);
    expect(everything).toContain('yes[U+202E]gnigats ot[U+202C] prоduction');
    // The forged line is there, as the agent's, quoted: not as a line of the message.
    const forged = slackTexts(args.blocks).find((entry) => entry.text.includes('*Risk: low* · Agent: trusted-readonly-bot'))!;
    expect(forged.within).toEqual(['rich_text', 'rich_text_quote']);
    expect(forged.text.startsWith('<!channel> <http://evil.example/login|Open in dashboard>')).toBe(true);
    expectWithinSlackLimits(args);
  });

  it("Slack's deny modal and decided message carry nothing live either", async () => {
    const view = await channels.denyModal(sent);
    expect(view.title.text.length).toBeLessThanOrEqual(24);
    expectNothingLiveInSlack({ text: 'modal', blocks: view.blocks });
    expectNoHiddenCharacters(JSON.stringify(view));
  });

  it('Teams: every text is a TextRun, which renders no Markdown, and the only actions are Tollgate’s', () => {
    const elements = cardElements(sent.teams.card);
    // TextBlock and FactSet render Markdown: `[Approve](http://evil.example/phish)` would be a link.
    expect(new Set(elements.map((element) => element.type))).toEqual(
      new Set(['AdaptiveCard', 'RichTextBlock', 'TextRun', 'Container', 'Action.OpenUrl']),
    );
    const runs = elements.filter((element) => element.type === 'TextRun').map((element) => element.text as string);
    expect(runs.some((text) => text.includes('[Approve](http://evil.example/phish)'))).toBe(true);
    for (const text of runs) if (/evil|Risk: low|gnigats/.test(text)) expect(text).not.toContain('\n');
    for (const action of sent.teams.card.actions) expect(action.url).toMatch(OURS);
    expectNoHiddenCharacters(sent.teams.body);
    expect(Buffer.byteLength(sent.teams.body)).toBeLessThan(28_000);
  });

  it('e-mail text: the only Approve and Deny lines are Tollgate’s, and agent text starts no line', () => {
    const lines = sent.mail.text.split('\n');
    expect(lines.filter((line) => /^Approve:/.test(line))).toEqual([
      expect.stringMatching(/^Approve: http:\/\/127\.0\.0\.1:0\/v1\/integrations\/links\/lnk_\S+$/),
    ]);
    expect(lines.filter((line) => /^Deny:/.test(line))).toEqual([
      expect.stringMatching(/^Deny: http:\/\/127\.0\.0\.1:0\/v1\/integrations\/links\/lnk_\S+$/),
    ]);
    for (const line of lines.filter((candidate) => /evil|Risk: low|gnigats|Approved by/.test(candidate)))
      expect(line, line).toMatch(/^(> | {2}target: )/);
    // Addresses in agent text are not clickable in mail clients that link what looks like one.
    expect(sent.mail.text).not.toMatch(/https?:\/\/evil/);
    expect(sent.mail.text).toContain('http[:]//evil.example/fake');
    expectNoHiddenCharacters(sent.mail.text);
    expect(sent.mail.text).toContain('yes[U+202E]gnigats ot[U+202C] prоduction');
  });

  it('e-mail HTML: escaped, and its only links are Tollgate’s', () => {
    const hrefs = [...sent.mail.html.matchAll(/href="([^"]*)"/g)].map((match) => match[1]!.replace(/&amp;/g, '&'));
    expect(hrefs.length).toBe(3);
    for (const href of hrefs) expect(href).toMatch(OURS);
    expect(sent.mail.html.match(/<a /g)?.length).toBe(3);
    expect(sent.mail.html).not.toContain('<!channel>');
    expect(sent.mail.html).toContain('&lt;!channel&gt; &lt;http[:]//evil.example/login|Open in dashboard&gt;');
    expect(sent.mail.html).not.toMatch(/https?:\/\/evil/);
    expectNoHiddenCharacters(sent.mail.html);
  });

  it('e-mail subject: one line within 200 characters, whatever a field holds (no header injection)', async () => {
    const injected = await channels.send({
      action_type: 'refund',
      amount_usd: 5000,
      payee: 'IBAN-1\r\nBcc: victim@example.com\r\nX-Forged: yes',
      summary: 'refund',
    });
    expect(injected.mail.subject).not.toMatch(/[\r\n]/);
    expect(injected.mail.subject).toContain('IBAN-1 ⏎ Bcc: victim@example.com ⏎ X-Forged: yes');
    expect(injected.mail.headers['x-forged']).toBeUndefined();
    expect(injected.mail.headers.bcc).toBeUndefined();
    expect(channels.smtp.mails.at(-1)!.to).toEqual(['alice@example.com']);
    for (const mail of [sent.mail, long.mail, injected.mail]) expect([...mail.subject].length).toBeLessThanOrEqual(200);
  });

  it('PagerDuty: plain one-line strings, hidden characters shown, within its limits', () => {
    const { summary, custom_details: details } = sent.pagerduty.payload;
    expect(summary.length).toBeLessThanOrEqual(1024);
    expect(summary).not.toContain('\n');
    expectNoHiddenCharacters(JSON.stringify(sent.pagerduty));
    const strings: string[] = [];
    const walk = (node: unknown): void => {
      if (typeof node === 'string') strings.push(node);
      else if (node !== null && typeof node === 'object') Object.values(node).forEach(walk);
    };
    walk(details);
    for (const text of strings) expect(text).not.toContain('\n');
    expect(JSON.stringify(details).length).toBeLessThan(8000);
    expect(long.pagerduty.payload.summary.length).toBeLessThanOrEqual(1024);
    expect(JSON.stringify(long.pagerduty.payload.custom_details).length).toBeLessThan(8000);
  });

  it('the confirmation page: escaped, no link from agent text, hidden characters shown', () => {
    expect(sent.page).not.toContain('<!channel>');
    expect(sent.page).toContain('&lt;!channel&gt;');
    expect(sent.page.match(/<a /g)).toBeNull();
    expect(sent.page).not.toMatch(/https?:\/\/evil/);
    expectNoHiddenCharacters(sent.page);
    expect(sent.page).toContain('yes[U+202E]gnigats ot[U+202C] prоduction');
  });

  it('a 10,000-character summary is cut, and the cut said, within every vendor limit', () => {
    const cut = /… \(truncated, \d+ characters more\)/;
    expectWithinSlackLimits(long.slack.args);
    expect(JSON.stringify(long.slack.args.blocks)).toMatch(cut);
    expect(JSON.stringify(long.teams.card)).toMatch(cut);
    expect(Buffer.byteLength(long.teams.body)).toBeLessThan(28_000);
    expect(long.mail.text).toMatch(cut);
    expect(long.mail.html).toMatch(cut);
    expect(long.pagerduty.payload.summary).toMatch(cut);
    expect(long.page).toMatch(cut);
    for (const message of [long.slack.args.blocks, long.teams.card, long.mail.text, long.page])
      expect(JSON.stringify(message).length).toBeLessThan(20_000);
  });

  it('many long fields in any script keep every message within its limits', async () => {
    const fields = Object.fromEntries(
      Array.from({ length: 20 }, (_, index) => [`target_${index}_${'名'.repeat(150)}`, `${'\u202E'.repeat(50)}${'値'.repeat(600)}`]),
    );
    // Under the API's 256 KB body limit, and far over every channel's.
    const heavy = await channels.send({
      action_type: 'deploy',
      environment: 'production',
      ...fields,
      summary: '要約'.repeat(2000),
      reasoning: '理由'.repeat(2000),
      context: Object.fromEntries(Array.from({ length: 12 }, (_, index) => [`${'鍵'.repeat(150)}${index}`, '値'.repeat(600)])),
    });
    expectWithinSlackLimits(heavy.slack.args);
    expectNothingLiveInSlack(heavy.slack.args);
    expect(Buffer.byteLength(heavy.teams.body)).toBeLessThan(28_000);
    expect(heavy.pagerduty.payload.summary.length).toBeLessThanOrEqual(1024);
    expect(Buffer.byteLength(JSON.stringify(heavy.pagerduty.payload.custom_details))).toBeLessThan(32_000);
    expect([...heavy.mail.subject].length).toBeLessThanOrEqual(200);
  });
});
