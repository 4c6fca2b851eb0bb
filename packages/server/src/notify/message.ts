// What every channel renders, in this order: what Tollgate itself knows (the action, its
// environment, agent and risk, the fields the deciding rules tested and the other weighty fields,
// with their actual values, and warnings where the agent's words contradict them), then the
// agent's own words (summary, reasoning, context), marked as the agent's, then criteria and links.
// Built inside the transaction that causes the message, so it says what was true at that moment.

import type { NotificationEvent } from '@tollgate/core';
import { oneSentence } from '../services/context-package.js';
import { agentWords, requestFacts } from '../services/request-facts.js';
import type { ActionRecord, ApprovalRecord } from '../stores/records.js';
import { clip, shown } from './shown-text.js';

/** Context keys too big for a chat message; the dashboard shows them. */
const LONG_SECTIONS = new Set(['diff', 'simulation', 'dry_run', 'details']);
const MAX_CONTEXT_KEYS = 8;
const MAX_VALUE_CHARS = 200;
const MAX_REASONING_CHARS = 600;
const MAX_LINE_TITLE = 200;
const MAX_LINE_LABEL = 60;
const MAX_LINE_VALUE = 80;

/** What a person deciding is shown, in order, wherever they decide: the part of a message that is about the request. */
export interface DecisionView {
  /** Tollgate's own one-line description: "pay-bot: refund (payment) in production". */
  title: string;
  /** What Tollgate knows, in order: action, environment, agent, risk, then the fields shown first. */
  facts: { label: string; value: string }[];
  /** Where the agent's words contradict a field, in Tollgate's words. */
  warnings: string[];
  /** The agent's own words, shown after the facts and marked as the agent's. */
  agent_summary: string | null;
  agent_reasoning: string | null;
  /** Short values of the agent's `context`, also its words. */
  key_context: { key: string; value: string }[];
}

/**
 * What a message is about: a workflow event the policy routes, or, for the tickets a request
 * opened (Jira, ServiceNow), a vote cast anywhere or a decision refused from the ticket itself.
 */
export type MessageEvent = NotificationEvent | 'voted' | 'refused';

export interface NotificationData extends DecisionView {
  event: MessageEvent;
  tenant_id: string;
  approval_id: string;
  action_id: string;
  digest: string;
  agent: string;
  /** The agent's summary, or Tollgate's sentence when it gave none (kept for webhook receivers). */
  summary: string;
  risk: string | null;
  status: string;
  /** The reducer's detail: why it escalated, who delegated, how it ended. */
  detail: string;
  step: string | null;
  criteria: string[];
  /** When the open stage times out (null when it does not); absent in messages queued before it was kept. */
  deadline?: number | null;
  url: string;
  at: number;
}

/** Approve and deny links for one recipient (e-mail, Teams). */
export interface NotificationLinks {
  approve: string;
  deny: string;
}

/** The facts every message leads with; the title already says them, so the one-line form skips them. */
const TITLE_FACTS = new Set(['Action', 'Capability', 'Environment', 'Agent']);

/** A value as text; an empty string as `""`, so it is seen to be empty rather than missing. */
function shortValue(value: unknown): string {
  return clip(typeof value === 'string' && value !== '' ? value : JSON.stringify(value), MAX_VALUE_CHARS);
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

/** The request as it now stands (`payload`: after any approved modification). */
export function decisionView(action: ActionRecord, payload: Record<string, unknown> = action.payload): DecisionView {
  const known = requestFacts(action, payload);
  const words = agentWords(payload);
  return {
    title: titleOf(known),
    facts: [
      { label: 'Action', value: known.action_type ?? 'not given' },
      ...(known.capability === null ? [] : [{ label: 'Capability', value: known.capability }]),
      { label: 'Environment', value: known.environment ?? 'not given' },
      { label: 'Agent', value: known.agent },
      { label: 'Risk', value: known.risk ?? 'not rated' },
      ...known.fields.map((field) => ({ label: field.path, value: shortValue(field.value) })),
    ],
    // Messages are plain text in every channel: the field names' code marks would show as backticks.
    warnings: known.contradictions.map((item) => item.message.replace(/`([^`]*)`/g, '$1')),
    // A summary of only spaces is none (and an empty text is refused by Slack's rich text).
    agent_summary: words.summary === '' ? null : words.summary,
    agent_reasoning: words.reasoning === null ? null : clip(words.reasoning, MAX_REASONING_CHARS),
    key_context: Object.entries(words.context)
      .filter(([key]) => !LONG_SECTIONS.has(key))
      .slice(0, MAX_CONTEXT_KEYS)
      .map(([key, value]) => ({ key, value: shortValue(value) })),
  };
}

export function notificationData(
  approval: ApprovalRecord,
  action: ActionRecord,
  effect: { event: MessageEvent; step: string | null; detail: string },
  status: string,
  baseUrl: string,
  now: number,
): NotificationData {
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
    ...decisionView(action, approval.state?.action ?? action.payload),
    risk: action.risk,
    status,
    detail: effect.detail,
    step: effect.step,
    criteria: [...criteria],
    deadline: approval.deadline,
    url: `${baseUrl}/approvals/${approval.id}`,
    at: now,
  };
}

/**
 * The data of a message queued before messages carried facts: what it has, its summary shown as
 * the agent's words (it may be), and a warning to look at the request itself before deciding.
 */
export function completeData(data: NotificationData): NotificationData {
  if (typeof data.title === 'string' && Array.isArray(data.facts) && Array.isArray(data.warnings)) return data;
  const old = data as Partial<NotificationData> & Pick<NotificationData, 'agent' | 'approval_id'>;
  return {
    ...data,
    title: old.title ?? titleOf({ agent: old.agent, action_type: null, capability: null, environment: null }),
    facts: old.facts ?? [
      { label: 'Agent', value: old.agent },
      { label: 'Risk', value: old.risk ?? 'not rated' },
    ],
    warnings: old.warnings ?? [
      "this message was queued before Tollgate listed a request's facts; open the request to see its fields before deciding",
    ],
    agent_summary: old.agent_summary !== undefined ? old.agent_summary : (old.summary ?? null),
    agent_reasoning: old.agent_reasoning ?? null,
    key_context: old.key_context ?? [],
    criteria: old.criteria ?? [],
  };
}

/**
 * The facts on one line, for what a channel shows before its message is opened (a notification,
 * a subject, an alert's summary): "pay-bot: refund (payment) in production · Risk: high ·
 * amount_usd: 950000 · payee: IBAN-1 · ⚠ 1 warning". Hidden characters are made visible.
 */
export function factLine(view: Pick<DecisionView, 'title' | 'facts' | 'warnings'>): string {
  let leading = 0;
  while (leading < view.facts.length && TITLE_FACTS.has(view.facts[leading]!.label)) leading++;
  const parts = [
    shown(view.title, MAX_LINE_TITLE),
    ...view.facts.slice(leading).map(({ label, value }) => `${shown(label, MAX_LINE_LABEL)}: ${shown(value, MAX_LINE_VALUE)}`),
  ];
  if (view.warnings.length > 0) parts.push(`⚠ ${view.warnings.length} ${view.warnings.length === 1 ? 'warning' : 'warnings'}`);
  return parts.join(' · ');
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
    case 'voted':
      return `Vote: ${data.detail}`;
    case 'refused':
      return `Not counted: ${data.detail}`;
  }
}

/** Whether the event asks people to decide (and so carries buttons or links). */
export function asksForDecision(event: MessageEvent): boolean {
  return event === 'requested' || event === 'reminder' || event === 'escalated';
}
