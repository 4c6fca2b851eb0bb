// The refund whose summary lies about its amount (issue 18): what every channel must show below
// the real amount and payee, and how a test reads that a message says things in order.

import { expect } from 'vitest';

export const SUMMARY = 'Refund $5.00 to customer #1182 (duplicate charge)';
export const REFUND = {
  action_type: 'refund',
  capability: 'payment',
  amount_usd: 950000,
  payee: 'IBAN-ATTACKER-0001',
  summary: SUMMARY,
  context: { amount: '$5.00' },
};
export const WARNING = "the agent's summary says $5.00, but amount_usd is 950000";

/** How a chat message or ticket reads, top to bottom. */
export const READING_ORDER = [
  'Approval requested',
  'pay-bot: refund (payment)',
  'amount_usd: ',
  '950000',
  'payee: ',
  'IBAN-ATTACKER-0001',
  '⚠ Check: ',
  WARNING,
  'The agent says:',
  SUMMARY,
];

/** Each of `parts` is in `text`, in this order. */
export function inOrder(text: string, parts: string[]): void {
  let from = -1;
  for (const part of parts) {
    const at = text.indexOf(part, from + 1);
    expect(at, `\`${part}\` after position ${from} in:\n${text.slice(0, 4000)}`).toBeGreaterThan(from);
    from = at;
  }
}
