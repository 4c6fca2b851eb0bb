// What every channel renders, in this order: what Tollgate itself knows (the action, its
// environment, agent and risk, the fields the deciding rules tested and the other weighty fields,
// with their actual values, and warnings where the agent's words contradict them), then the
// agent's own words (summary, reasoning, context), marked as the agent's, then criteria and links.
// Built inside the transaction that causes the message, so it says what was true at that moment.

import type { NotificationEvent } from '@tollgate/core';
import { oneSentence } from '../services/context-package.js';
import { agentWords, requestFacts } from '../services/request-facts.js';
import type { ActionRecord, ApprovalRecord } from '../stores/records.js';

/** Context keys too big for a chat message; the dashboard shows them. */
const LONG_SECTIONS = new Set(['diff', 'simulation', 'dry_run', 'details']);
const MAX_CONTEXT_KEYS = 8;
const MAX_VALUE_CHARS = 200;
const MAX_REASONING_CHARS = 600;

export interface NotificationData {
  event: NotificationEvent;
  tenant_id: string;
  approval_id: string;
  action_id: string;
  digest: string;
  agent: string;
  /** The agent's summary, or Tollgate's sentence when it gave none: a title, never the facts. */
  summary: string;
  /** Tollgate's own one-line description: "pay-bot: refund (payment) in production". */
  title: string;
  /** What Tollgate knows, in order: action, environment, agent, risk, then the fields shown first. */
  facts: { label: string; value: string }[];
  /** Where the agent's words contradict a field, in Tollgate's words. */
  warnings: string[];
  /** The agent's own words, shown after the facts and marked as the agent's. */
  agent_summary: string | null;
  agent_reasoning: string | null;
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

function shorten(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function shortValue(value: unknown): string {
  return shorten(typeof value === 'string' ? value : JSON.stringify(value), MAX_VALUE_CHARS);
}

/** "pay-bot: refund (payment) in production": what Tollgate knows, in its own words. */
export function titleOf(facts: {
  agent: string;
  action_type: string | null;
  capability: string | null;
  environment: string | null;
}): string {
  const what = facts.action_type ?? 'an action';
  const capability = facts.capability === null || facts.capability === facts.action_type ? '' : ` (${facts.capability})`;
  const where = facts.environment === null ? '' : ` in ${facts.environment}`;
  return `${facts.agent}: ${what}${capability}${where}`;
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
  const known = requestFacts(action, payload);
  const words = agentWords(payload);
  return {
    event: effect.event,
    tenant_id: approval.tenant_id,
    approval_id: approval.id,
    action_id: approval.action_id,
    digest: approval.digest,
    agent: action.agent,
    summary: oneSentence(action),
    title: titleOf(known),
    facts: [
      { label: 'Action', value: known.action_type ?? 'not given' },
      ...(known.capability === null ? [] : [{ label: 'Capability', value: known.capability }]),
      { label: 'Environment', value: known.environment ?? 'not given' },
      { label: 'Agent', value: known.agent },
      { label: 'Risk', value: known.risk ?? 'not rated' },
      ...known.fields.map((field) => ({ label: field.path, value: shortValue(field.value) })),
    ],
    warnings: known.contradictions.map((item) => item.message),
    agent_summary: words.summary,
    agent_reasoning: words.reasoning === null ? null : shorten(words.reasoning, MAX_REASONING_CHARS),
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
