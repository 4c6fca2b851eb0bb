// The inbox's order and its time-left wording: what needs a decision first comes first.

import { expect, it } from 'vitest';
import { inboxOrder } from '../src/lib/inbox-order.js';
import { duration, timeLeft } from '../src/lib/time.js';

const item = (id: string, deadline: string | null, risk: string | null, created_at = '2026-11-25T09:00:00.000Z') => ({
  id,
  deadline,
  risk,
  created_at,
});

it('puts the soonest deadline first, then the highest risk, then the oldest, and no deadline last', () => {
  const items = [
    item('none-critical', null, 'critical'),
    item('late-low', '2026-11-25T12:00:00.000Z', 'low'),
    item('soon-low', '2026-11-25T10:00:00.000Z', 'low'),
    item('soon-high', '2026-11-25T10:00:00.000Z', 'high'),
    item('none-low-old', null, 'low', '2026-11-25T08:00:00.000Z'),
    item('none-low-new', null, 'low'),
  ];
  expect([...items].sort(inboxOrder).map((entry) => entry.id)).toEqual([
    'soon-high',
    'soon-low',
    'late-low',
    'none-critical',
    'none-low-old',
    'none-low-new',
  ]);
});

it('says how much time is left in the two largest units, and when a deadline has passed', () => {
  const now = Date.parse('2026-11-25T10:00:00.000Z');
  expect(duration(2 * 3_600_000 + 5 * 60_000 + 7000)).toBe('2 h 5 min');
  expect(timeLeft('2026-11-25T10:10:00.000Z', now)).toEqual({ text: '10 min left', overdue: false, urgent: true });
  expect(timeLeft('2026-11-25T09:59:30.000Z', now)).toEqual({ text: 'overdue by 30 s', overdue: true, urgent: true });
  expect(timeLeft(null, now).text).toBe('no deadline');
});
