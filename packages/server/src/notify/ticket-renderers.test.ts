// The ticket renderers on their own: Jira's ADF (held to the published schema's rules) and wiki
// text, ServiceNow's plain fields, each within its vendor's limits with the cut said, hidden
// characters shown; and how Jira comments and signatures are read.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { NOTIFICATION_DATA } from '../../test/helpers/notification-data.js';
import { adfProblems, adfTexts } from '../../test/helpers/ticketing-stand-ins.js';
import { adfDocument } from './jira-adf.js';
import { commentCommand, commentText, verifyJiraSignature } from './jira-webhook.js';
import { wikiText } from './jira-wiki.js';
import type { NotificationData } from './message.js';
import { plainField, SERVICENOW_LIMITS } from './servicenow.js';
import { requestBlocks } from './ticket-blocks.js';

const DATA: NotificationData = {
  ...NOTIFICATION_DATA,
  facts: [...NOTIFICATION_DATA.facts, { label: 'empty', value: '' }],
  criteria: ['the payee is the customer'],
  key_context: [{ key: 'note', value: 'yes\u202Egnigats ot\u202C production' }],
  deadline: Date.UTC(2026, 0, 1, 12),
};

const HUGE = {
  ...DATA,
  agent_summary: 'x'.repeat(40_000),
  warnings: Array.from({ length: 9 }, (_, i) => `warning ${i} ${'w'.repeat(500)}`),
};

describe('ticket renderers', () => {
  it('builds ADF the schema accepts, with the agent text in unmarked text nodes and hidden characters shown', () => {
    const doc = adfDocument(requestBlocks(DATA, { howToDecide: ['comment /approve'] }));
    expect(adfProblems(doc)).toEqual([]);
    const texts = adfTexts(doc);
    expect(texts.find((node) => node.text === 'Refund $5.00')?.marks).toEqual([]);
    expect(texts.some((node) => node.text.includes('yes[U+202E]gnigats ot[U+202C] production'))).toBe(true);
    expect(texts.some((node) => node.text === 'Deadline: 2026-01-01T12:00:00Z')).toBe(true);
    // No empty text node, which ADF refuses, even for an empty value.
    expect(texts.every((node) => node.text.length > 0)).toBe(true);
  });

  it('keeps a huge request within each vendor’s limit, saying what was cut', () => {
    // Each part is cut to what every channel shows of it; jira.ts would cut shorter still past 32,000.
    const doc = JSON.stringify(adfDocument(requestBlocks(HUGE)));
    expect(adfProblems(JSON.parse(doc))).toEqual([]);
    expect(doc.length).toBeLessThan(32_000);
    expect(doc).toContain('(truncated, 38');
    expect(doc).toContain('4 more warnings');
    expect(wikiText(requestBlocks(HUGE)).length).toBeLessThan(32_000);
    const description = plainField((scale) => requestBlocks(HUGE, { scale }), SERVICENOW_LIMITS.description);
    expect(description.length).toBeLessThanOrEqual(4000);
    expect(description.indexOf('amount_usd: 950000')).toBeLessThan(description.indexOf('The agent says:'));
  });

  it('writes wiki text whose data cannot close its noformat block or format', () => {
    const wiki = wikiText(requestBlocks({ ...DATA, agent_summary: '{noformat}*bold* [x|http://evil.example]{NOFORMAT}' }));
    expect(wiki).toContain('{ noformat}*bold* [x|http[:]//evil.example]{ NOFORMAT}');
    expect(wiki).toMatch(/^h3\. Approval requested/);
  });

  it('reads comment commands and comment bodies in both formats', () => {
    expect(commentCommand('/approve')).toEqual({ verdict: 'approve', note: '' });
    expect(commentCommand('  /DENY  the window is closed\nsee CHG1')).toEqual({ verdict: 'deny', note: 'the window is closed\nsee CHG1' });
    expect(commentCommand('please /approve')).toBeUndefined();
    expect(commentCommand('/approved')).toBeUndefined();
    expect(commentCommand('/approve-later')).toBeUndefined();
    const adf = {
      version: 1,
      type: 'doc',
      content: [
        {
          type: 'paragraph',
          content: [
            { type: 'text', text: '/deny ' },
            { type: 'text', text: 'no' },
          ],
        },
      ],
    };
    expect(commentText(adf).trim()).toBe('/deny no');
    expect(commentText('/approve ok')).toBe('/approve ok');
  });

  it('verifies X-Hub-Signature over the exact body', () => {
    const body = '{"timestamp":1}';
    const good = `sha256=${createHmac('sha256', 's3cret').update(body).digest('hex')}`;
    expect(verifyJiraSignature('s3cret', body, good)).toBe(true);
    expect(verifyJiraSignature('s3cret', `${body} `, good)).toBe(false);
    expect(verifyJiraSignature('other', body, good)).toBe(false);
    expect(verifyJiraSignature('s3cret', body, undefined)).toBe(false);
    expect(verifyJiraSignature('s3cret', body, good.replace('sha256=', 'sha1='))).toBe(false);
  });
});
