// A request's notification data as the router writes it, for the renderers' own tests.

import type { NotificationData } from '../../src/notify/message.js';

export const NOTIFICATION_DATA: NotificationData = {
  event: 'requested',
  tenant_id: 'default',
  approval_id: 'apr_1',
  action_id: 'act_1',
  digest: 'sha256:x',
  agent: 'pay-bot',
  summary: 'Refund $5.00',
  title: 'pay-bot: refund (payment) in production',
  facts: [
    { label: 'Action', value: 'refund' },
    { label: 'Capability', value: 'payment' },
    { label: 'Environment', value: 'production' },
    { label: 'Agent', value: 'pay-bot' },
    { label: 'Risk', value: 'high' },
    { label: 'amount_usd', value: '950000' },
  ],
  warnings: ["the agent's summary says $5.00, but amount_usd is 950000"],
  agent_summary: 'Refund $5.00',
  agent_reasoning: null,
  risk: 'high',
  status: 'pending',
  detail: 'waiting for 1 of finance',
  step: 'approval',
  criteria: [],
  key_context: [],
  url: 'https://tollgate.example/approvals/apr_1',
  at: 0,
};
