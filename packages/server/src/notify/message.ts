// What every channel renders: the request in one sentence, its risk, key context and criteria,
// the event and its detail, and links. Built inside the transaction that causes the message, so
// the message says what was true at that moment.

import type { NotificationEvent } from '@tollgate/core';
import { oneSentence } from '../services/context-package.js';
import type { ActionRecord, ApprovalRecord } from '../stores/records.js';

/** Context keys too big for a chat message; the dashboard shows them. */
const LONG_SECTIONS = new Set(['diff', 'simulation', 'dry_run', 'details']);
const MAX_CONTEXT_KEYS = 8;
const MAX_VALUE_CHARS = 200;

export interface NotificationData {
  event: NotificationEvent;
  tenant_id: string;
  approval_id: string;
  action_id: string;
  digest: string;
  agent: string;
  summary: string;
  risk: string | null;
  status: string;
  /** The reducer's detail: why it escalated, who delegated, how it ended. */
  detail: string;
  step: string | null;
  criteria: string[];
  key_context: { key: string; value: string }[];
  url: string;
  at: number;
}

/** Approve and deny links for one recipient (e-mail, Teams). */
export interface NotificationLinks {
  approve: string;
  deny: string;
}

function shortValue(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS - 1)}…` : text;
}

export function notificationData(
  approval: ApprovalRecord,
  action: ActionRecord,
  effect: { event: NotificationEvent; step: string | null; detail: string },
  status: string,
  baseUrl: string,
  now: number,
): NotificationData {
  const payload = approval.state?.action ?? action.payload;
  const context = typeof payload.context === 'object' && payload.context !== null ? (payload.context as Record<string, unknown>) : {};
  const criteria = new Set<string>(approval.criteria);
  for (const step of approval.state?.steps ?? [])
    if (step.type === 'approval') for (const criterion of step.criteria) criteria.add(criterion);
  return {
    event: effect.event,
    tenant_id: approval.tenant_id,
    approval_id: approval.id,
    action_id: approval.action_id,
    digest: approval.digest,
    agent: action.agent,
    summary: oneSentence(action),
    risk: action.risk,
    status,
    detail: effect.detail,
    step: effect.step,
    criteria: [...criteria],
    key_context: Object.entries(context)
      .filter(([key]) => !LONG_SECTIONS.has(key))
      .slice(0, MAX_CONTEXT_KEYS)
      .map(([key, value]) => ({ key, value: shortValue(value) })),
    url: `${baseUrl}/approvals/${approval.id}`,
    at: now,
  };
}

/** The headline of a message for the event. */
export function headline(data: NotificationData): string {
  switch (data.event) {
    case 'requested':
      return 'Approval requested';
    case 'reminder':
      return 'Reminder: approval still needed';
    case 'escalated':
      return `Escalated: ${data.detail}`;
    case 'timed_out':
      return 'Timed out: nobody decided in time';
    case 'decided':
      return `Decided: ${data.detail}`;
  }
}

/** Whether the event asks people to decide (and so carries buttons or links). */
export function asksForDecision(event: NotificationEvent): boolean {
  return event === 'requested' || event === 'reminder' || event === 'escalated';
}
