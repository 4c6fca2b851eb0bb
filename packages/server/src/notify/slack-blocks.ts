// Block Kit for Tollgate's Slack messages: the request with approve, deny (reason in a modal)
// and open-in-dashboard buttons, the message it becomes once decided, and the deny modal.

import { headline, type NotificationData } from './message.js';

export const APPROVE_ACTION = 'tollgate_approve';
export const DENY_ACTION = 'tollgate_deny';
export const OPEN_ACTION = 'tollgate_open';
export const DENY_MODAL = 'tollgate_deny_reason';
export const REASON_BLOCK = 'reason';
export const REASON_INPUT = 'reason_input';

/** What a button carries: tenant, request and the digest the approver saw. */
export interface ButtonValue {
  t: string;
  a: string;
  d: string;
}

/** Slack's mrkdwn treats these three as control characters. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const plain = (text: string) => ({ type: 'plain_text', text: text.slice(0, 150), emoji: true });

function requestBlocks(data: NotificationData): Record<string, unknown>[] {
  const blocks: Record<string, unknown>[] = [
    { type: 'header', text: plain(headline(data)) },
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `*${escapeMrkdwn(data.summary)}*\nRisk: *${escapeMrkdwn(data.risk ?? 'unrated')}*  ·  Agent: ${escapeMrkdwn(data.agent)}`,
      },
    },
  ];
  if (data.key_context.length > 0)
    blocks.push({
      type: 'section',
      fields: data.key_context.slice(0, 10).map(({ key, value }) => ({
        type: 'mrkdwn',
        text: `*${escapeMrkdwn(key)}*\n${escapeMrkdwn(value)}`.slice(0, 2000),
      })),
    });
  if (data.criteria.length > 0)
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `Check: ${data.criteria.map(escapeMrkdwn).join('; ')}`.slice(0, 2000) }],
    });
  return blocks;
}

export function requestMessage(data: NotificationData): { text: string; blocks: Record<string, unknown>[] } {
  const value = JSON.stringify({ t: data.tenant_id, a: data.approval_id, d: data.digest } satisfies ButtonValue);
  return {
    text: `${headline(data)}: ${data.summary}`,
    blocks: [
      ...requestBlocks(data),
      {
        type: 'actions',
        block_id: 'tollgate_decide',
        elements: [
          { type: 'button', action_id: APPROVE_ACTION, text: plain('Approve'), style: 'primary', value },
          { type: 'button', action_id: DENY_ACTION, text: plain('Deny…'), style: 'danger', value },
          { type: 'button', action_id: OPEN_ACTION, text: plain('Open in dashboard'), url: data.url },
        ],
      },
    ],
  };
}

/** The request's message once it has an outcome (or a progress note): the buttons are gone. */
export function resultMessage(data: NotificationData, outcome: string): { text: string; blocks: Record<string, unknown>[] } {
  return {
    text: `${outcome}: ${data.summary}`,
    blocks: [
      ...requestBlocks({ ...data, event: 'requested' }).slice(1),
      { type: 'section', text: { type: 'mrkdwn', text: `*${escapeMrkdwn(outcome)}*` } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `<${data.url}|Open in dashboard>` }] },
    ],
  };
}

export function denyModal(value: ButtonValue & { channel?: string; ts?: string }, summary: string): Record<string, unknown> {
  return {
    type: 'modal',
    callback_id: DENY_MODAL,
    private_metadata: JSON.stringify(value),
    title: plain('Deny request'),
    submit: plain('Deny'),
    close: plain('Cancel'),
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `*${escapeMrkdwn(summary)}*` } },
      {
        type: 'input',
        block_id: REASON_BLOCK,
        label: plain('Reason (shown to the agent)'),
        element: { type: 'plain_text_input', action_id: REASON_INPUT, multiline: true, min_length: 1, max_length: 3000 },
      },
    ],
  };
}
