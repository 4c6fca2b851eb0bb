// The channels' renderers on their own: the notification line, Slack's mrkdwn escaping, the Teams
// card's size budget, and messages queued before messages carried facts.
import { describe, expect, it } from 'vitest';
import { NOTIFICATION_DATA } from '../../test/helpers/notification-data.js';
import type { OutboxMessage } from '../stores/notify-store.js';
import { emailContent } from './email.js';
import { completeData, factLine, type NotificationData } from './message.js';
import { alertSummary, customDetails } from './pagerduty.js';
import { mrkdwnLiteral, requestMessage } from './slack-blocks.js';
import { adaptiveCard, TEAMS_CARD_BUDGET } from './teams.js';

const DATA = NOTIFICATION_DATA;

/** What the outbox held for a request before messages carried facts. */
const OLD: Record<string, unknown> = { ...DATA };
for (const key of ['title', 'facts', 'warnings', 'agent_summary', 'agent_reasoning']) delete OLD[key];
const OLD_DATA = OLD as unknown as NotificationData;

function outboxMessage(data: unknown, links?: { approve: string; deny: string }): OutboxMessage {
  return {
    id: 'ntf_1',
    tenant_id: 'default',
    approval_id: 'apr_1',
    channel: 'c',
    channel_type: 'teams',
    event: 'requested',
    recipient: 'alice@example.com',
    payload: { data, ...(links === undefined ? {} : { links }) },
    status: 'pending',
    attempts: 0,
    next_attempt_at: 0,
    lease_until: null,
    last_error: null,
    result: null,
    created_at: 0,
    updated_at: 0,
    delivered_at: null,
  };
}

describe('factLine', () => {
  it('says the title once, then risk and the fields, and counts the warnings', () => {
    expect(factLine(DATA)).toBe('pay-bot: refund (payment) in production · Risk: high · amount_usd: 950000 · ⚠ 1 warning');
  });
});

describe('mrkdwnLiteral', () => {
  it('leaves no mention, link, formatting or line break for Slack to parse', () => {
    const text = mrkdwnLiteral('<!channel> <http://evil.example|Open> *bold* ~strike~ `code` _it_ drop_table @here\n> quote & more');
    expect(text).toBe(
      '&lt;!channel&gt; &lt;http://evil.example|Open&gt; ∗bold∗ ∼strike∼ ˋcodeˋ ˍitˍ drop_table ＠here ⏎ &gt; quote &amp; more',
    );
  });

  it('cuts within its limit without leaving half an entity', () => {
    const text = mrkdwnLiteral('&'.repeat(400), 100);
    expect(text.length).toBeLessThanOrEqual(100);
    expect(text).toMatch(/^(&amp;)+… \(truncated/);
  });
});

describe('the Teams card', () => {
  it('is built again with shorter texts until it fits the budget', () => {
    const huge = {
      ...DATA,
      facts: Array.from({ length: 40 }, (_, index) => ({ label: `field_${index}_${'名'.repeat(200)}`, value: '値'.repeat(3000) })),
      agent_summary: '要'.repeat(10_000),
      key_context: Array.from({ length: 8 }, (_, index) => ({ key: `${index}${'鍵'.repeat(200)}`, value: '値'.repeat(3000) })),
    };
    const card = adaptiveCard(outboxMessage(huge));
    expect(Buffer.byteLength(JSON.stringify(card))).toBeLessThanOrEqual(TEAMS_CARD_BUDGET);
    expect(JSON.stringify(card)).toContain('field_39_');
    expect(JSON.stringify(card)).toMatch(/… \(truncated, \d+ characters more\)/);
  });
});

describe('a message queued before messages carried facts', () => {
  it('is completed with what it has, its summary shown as the agent’s, and a warning to look closer', () => {
    expect(completeData(DATA)).toBe(DATA);
    const completed = completeData(OLD_DATA);
    expect(completed).toMatchObject({
      title: 'pay-bot: an action',
      facts: [
        { label: 'Agent', value: 'pay-bot' },
        { label: 'Risk', value: 'high' },
      ],
      warnings: [expect.stringContaining('queued before Tollgate listed')],
      agent_summary: 'Refund $5.00',
      agent_reasoning: null,
    });
  });

  it('renders in every channel', () => {
    const message = outboxMessage(OLD, { approve: 'https://t.example/a', deny: 'https://t.example/d' });
    const slack = JSON.stringify(requestMessage(completeData(OLD_DATA)).blocks);
    const teams = JSON.stringify(adaptiveCard(message));
    const mail = emailContent(message);
    const details = JSON.stringify(customDetails(completeData(OLD_DATA)));
    for (const text of [slack, teams, mail.text, mail.html, details]) {
      expect(text).toContain('queued before Tollgate listed');
      expect(text).toContain('Refund $5.00');
    }
    expect(alertSummary(completeData(OLD_DATA))).toBe(
      'Approval requested: pay-bot: an action · Risk: high · ⚠ 1 warning · the agent says: “Refund $5.00”',
    );
  });
});
