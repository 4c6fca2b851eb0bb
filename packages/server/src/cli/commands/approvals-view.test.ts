// `tollgate approvals show`'s page on its own: the tickets a request opened are listed with their
// keys and addresses, a vendor's text printed inert.
import { describe, expect, it } from 'vitest';
import { approvalPage, type ApprovalDetail } from './approvals-view.js';

const APPROVAL: ApprovalDetail = {
  id: 'apr_1',
  status: 'pending',
  action_id: 'act_1',
  approvers: ['ops'],
  require: 1,
  deadline: null,
  created_at: '2026-01-01T00:00:00.000Z',
  url: 'https://tollgate.example/approvals/apr_1',
};

describe('approvals show', () => {
  it('lists the Jira issue and ServiceNow record of the request before its link', () => {
    const page = approvalPage(
      {
        ...APPROVAL,
        tickets: [
          { channel: 'ops-jira', type: 'jira', key: 'OPS-12', url: 'https://acme.atlassian.net/browse/OPS-12' },
          { channel: 'cab', type: 'servicenow', key: 'CHG0030001\u001b[2J', url: null },
        ],
      },
      Date.parse('2026-01-01T00:01:00.000Z'),
    );
    const tickets = page.filter((line) => line.startsWith('ticket'));
    expect(tickets[0]).toBe('ticket     OPS-12 (ops-jira) https://acme.atlassian.net/browse/OPS-12');
    // A terminal escape from the vendor's answer is printed, not obeyed.
    expect(tickets[1]).not.toContain('\u001b');
    expect(tickets[1]).toContain('CHG0030001');
    expect(page.indexOf(tickets[1]!)).toBeLessThan(page.findIndex((line) => line.startsWith('link')));
  });
});
