// Turns the workflow's notify effects into outbox messages: the policy's `notifications.routes`
// pick channels by event, approver group and risk; each channel type decides what it sends.
// Runs inside the transaction of the state change, so a message exists if and only if it did.
// Agents' questions go through the same routes (planQuestion).

import type { ApprovalStepState, NotificationChannel, NotificationRoute, NotifyEvent, PolicyBundle, WorkflowState } from '@tollgate/core';
import type { TenantPolicies } from '../services/tenant-policies.js';
import { eligiblePeople } from '../services/routing.js';
import type { NotificationLink, OutboxMessage } from '../stores/notify-store.js';
import { whyNotAnswering } from '../services/question-service.js';
import type { ApprovalRecord, QuestionRecord } from '../stores/records.js';
import type { StoreScope } from '../stores/store.js';
import { newId } from '../util/ids.js';
import { newAnswerLinks, newLinkPair } from './links.js';
import { asksForAnswer, questionData, type QuestionEvent, type QuestionStep } from './question-message.js';
import { asksForDecision, notificationData, type NotificationData } from './message.js';

export interface NotifyEffect {
  event: NotifyEvent;
  step: string | null;
  approvers: string[];
  detail: string;
}

/** Channels that keep a ticket per request: every vote is noted on it, and a decision may come back from it. */
export const TICKET_CHANNELS: ReadonlySet<string> = new Set(['jira', 'servicenow']);

/** The channel types that carry questions. */
const QUESTION_CHANNELS = new Set(['slack', 'teams', 'email', 'webhook']);

/**
 * The workflow event whose routes a question event follows: asked like `requested`, sent on like
 * `escalated`, answered like `decided`, expired like `timed_out`.
 */
export const QUESTION_ROUTES: Record<QuestionStep, NotifyEvent> = {
  asked: 'requested',
  escalated: 'escalated',
  answered: 'decided',
  expired: 'timed_out',
};

/** Channels that opened something for a request (a Slack message, a PagerDuty incident, a ticket) hear how it ends. */
const CLOSES_WHAT_IT_OPENED = new Set(['slack', 'pagerduty', ...TICKET_CHANNELS]);

export function routeMatches(route: NotificationRoute, event: NotifyEvent, groups: string[], risk: string | null): boolean {
  if (route.events !== undefined && !route.events.includes(event)) return false;
  if (route.risk !== undefined && (risk === null || !(route.risk as string[]).includes(risk))) return false;
  if (route.groups !== undefined && !groups.some((group) => route.groups!.includes(group))) return false;
  return true;
}

function recipientsOf(value: unknown): string[] {
  if (typeof value === 'string')
    return value
      .split(',')
      .map((address) => address.trim())
      .filter((address) => address !== '');
  return Array.isArray(value) ? value.filter((address): address is string => typeof address === 'string') : [];
}

export class NotificationRouter {
  constructor(private readonly deps: { policies: TenantPolicies; secret: string; baseUrl: string }) {}

  /** Writes the messages one notify effect causes; nothing when the policy routes it nowhere. */
  async plan(scope: StoreScope, approval: ApprovalRecord, state: WorkflowState, effect: NotifyEffect, now: number): Promise<void> {
    const bundle = this.deps.policies.for(approval.tenant_id).current().bundle;
    const spec = bundle.notifications;
    if (spec === undefined || spec.channels.length === 0) return;
    const action = await scope.actions.get(approval.tenant_id, approval.action_id);
    if (action === undefined) return;
    const groups =
      effect.step !== null
        ? effect.approvers
        : [...new Set(state.steps.flatMap((step) => (step.type === 'approval' ? step.approvers : [])))];
    const chosen = new Set(
      spec.routes.filter((route) => routeMatches(route, effect.event, groups, action.risk)).map((route) => route.channel),
    );
    if (effect.event === 'decided' || effect.event === 'timed_out') {
      for (const name of await scope.outbox.channelsOf(approval.tenant_id, approval.id)) {
        const channel = spec.channels.find((candidate) => candidate.name === name);
        if (channel !== undefined && CLOSES_WHAT_IT_OPENED.has(channel.type)) chosen.add(name);
      }
    }
    if (chosen.size === 0) return;
    const status = approval.status;
    const data = notificationData(approval, action, effect, status, this.deps.baseUrl, now);
    const messages: OutboxMessage[] = [];
    const links: NotificationLink[] = [];
    for (const channel of spec.channels) {
      if (!chosen.has(channel.name)) continue;
      const message = (event: string, payload: Record<string, unknown>, recipient: string | null = null): OutboxMessage =>
        outboxMessage(approval, channel, event, { ...payload, data }, recipient, now);
      switch (channel.type) {
        case 'slack':
        case 'webhook':
        case 'jira':
        case 'servicenow':
          messages.push(message(effect.event, {}));
          break;
        case 'teams': {
          const pair = asksForDecision(effect.event) ? this.links(data, null, now) : undefined;
          if (pair !== undefined) links.push(...pair.rows);
          messages.push(message(effect.event, pair === undefined ? {} : { links: pair.urls }));
          break;
        }
        case 'pagerduty': {
          const opens = effect.event === 'escalated' || (effect.event === 'requested' && action.risk === 'critical');
          const closes = effect.event === 'decided' || effect.event === 'timed_out';
          if (opens || closes) messages.push(message(effect.event, { event_action: opens ? 'trigger' : 'resolve' }));
          break;
        }
        case 'email':
          for (const { address, userId } of await this.emailRecipients(scope, bundle, channel, approval, state, effect)) {
            const pair = asksForDecision(effect.event) ? this.links(data, userId, now) : undefined;
            if (pair !== undefined) links.push(...pair.rows);
            messages.push(message(effect.event, pair === undefined ? {} : { links: pair.urls }, address));
          }
          break;
      }
    }
    await scope.notificationLinks.insert(links);
    await scope.outbox.insert(messages);
  }

  /**
   * Writes the messages a question's change causes: the routes of the matching workflow event
   * (QUESTION_ROUTES) with the question's approvers as groups and no risk, on Slack, Teams, e-mail
   * and webhooks; an answer or expiry also reaches every Slack channel that posted the question.
   */
  async planQuestion(scope: StoreScope, question: QuestionRecord, step: QuestionStep, answeredBy: string | null, now: number) {
    const event: QuestionEvent = `question.${step}`;
    const bundle = this.deps.policies.for(question.tenant_id).current().bundle;
    const spec = bundle.notifications;
    if (spec === undefined || spec.channels.length === 0) return;
    const chosen = new Set(
      spec.routes.filter((route) => routeMatches(route, QUESTION_ROUTES[step], question.approvers, null)).map((route) => route.channel),
    );
    if (!asksForAnswer(event))
      for (const name of await scope.outbox.channelsOf(question.tenant_id, question.id))
        if (spec.channels.some((channel) => channel.name === name && channel.type === 'slack')) chosen.add(name);
    const data = questionData(question, step, answeredBy, this.deps.baseUrl, now);
    const messages: OutboxMessage[] = [];
    const links: NotificationLink[] = [];
    // Multiple picks are made on the question's page: a link carries one choice.
    const linked = asksForAnswer(event) && question.choices !== null && !question.multiple ? question.choices : null;
    const answerLinks = (userId: string | null) => {
      if (linked === null) return {};
      const made = newAnswerLinks(this.deps.secret, this.deps.baseUrl, { ...question, choices: linked }, userId, now);
      links.push(...made.rows);
      return { answer_links: made.urls };
    };
    const subject = { tenant_id: question.tenant_id, id: question.id };
    for (const channel of spec.channels) {
      if (!chosen.has(channel.name) || !QUESTION_CHANNELS.has(channel.type)) continue;
      if (channel.type === 'slack' || channel.type === 'webhook')
        messages.push(outboxMessage(subject, channel, event, { data }, null, now));
      else if (channel.type === 'teams' && asksForAnswer(event))
        messages.push(outboxMessage(subject, channel, event, { data, ...answerLinks(null) }, null, now));
      else if (channel.type === 'email' && asksForAnswer(event))
        for (const { address, userId } of await this.questionRecipients(scope, bundle, channel, question))
          messages.push(outboxMessage(subject, channel, event, { data, ...answerLinks(userId) }, address, now));
    }
    await scope.notificationLinks.insert(links);
    await scope.outbox.insert(messages);
  }

  /** The channel's fixed `to` addresses (links ask them to sign in) and the people who may answer with an address (personal links). */
  private async questionRecipients(
    scope: StoreScope,
    bundle: PolicyBundle,
    channel: NotificationChannel,
    question: QuestionRecord,
  ): Promise<{ address: string; userId: string | null }[]> {
    const found = new Map<string, string | null>();
    for (const address of recipientsOf(channel.settings.to)) found.set(address.toLowerCase(), null);
    const people = (await scope.users.list(question.tenant_id)).filter((user) => whyNotAnswering(user, question, bundle) === undefined);
    const addresses = await scope.identities.ofUsers(
      question.tenant_id,
      'email',
      people.map((person) => person.id),
    );
    for (const [userId, address] of addresses) found.set(address.toLowerCase(), userId);
    return [...found].map(([address, userId]) => ({ address, userId }));
  }

  /**
   * A note on the tickets the request opened: a vote (from any door) on every ticket channel that
   * has messages for it, or a decision refused from one ticket (`only`) on that ticket alone.
   */
  async note(
    scope: StoreScope,
    approval: ApprovalRecord,
    note: { event: 'voted' | 'refused'; detail: string; step: string | null; only?: string; payload?: Record<string, unknown> },
    now: number,
  ): Promise<void> {
    const channels = (this.deps.policies.for(approval.tenant_id).current().bundle.notifications?.channels ?? []).filter(
      (channel) => TICKET_CHANNELS.has(channel.type) && (note.only === undefined || channel.name === note.only),
    );
    // Most policies have no ticket channel: a vote then costs no query here.
    if (channels.length === 0) return;
    const opened = new Set(await scope.outbox.channelsOf(approval.tenant_id, approval.id));
    const chosen = channels.filter((channel) => opened.has(channel.name));
    if (chosen.length === 0) return;
    const action = await scope.actions.get(approval.tenant_id, approval.action_id);
    if (action === undefined) return;
    const data = notificationData(approval, action, note, approval.status, this.deps.baseUrl, now);
    await scope.outbox.insert(chosen.map((channel) => outboxMessage(approval, channel, note.event, { ...note.payload, data }, null, now)));
  }

  /** Links use the server's public address (the operator's): a policy must not point approvers elsewhere. */
  private links(data: NotificationData, userId: string | null, now: number): ReturnType<typeof newLinkPair> {
    return newLinkPair(this.deps.secret, this.deps.baseUrl, data, userId, now);
  }

  /** The channel's fixed `to` addresses (links ask them to sign in) and the stage's eligible people with an address (personal links). */
  private async emailRecipients(
    scope: StoreScope,
    bundle: PolicyBundle,
    channel: NotificationChannel,
    approval: ApprovalRecord,
    state: WorkflowState,
    effect: NotifyEffect,
  ): Promise<{ address: string; userId: string | null }[]> {
    const found = new Map<string, string | null>();
    for (const address of recipientsOf(channel.settings.to)) found.set(address.toLowerCase(), null);
    const step = state.steps.find(
      (candidate): candidate is ApprovalStepState =>
        candidate.id === effect.step && candidate.type === 'approval' && candidate.status === 'active',
    );
    if (step !== undefined && asksForDecision(effect.event)) {
      const people = await eligiblePeople(scope, bundle, approval, state, step);
      const addresses = await scope.identities.ofUsers(
        approval.tenant_id,
        'email',
        people.map((person) => person.id),
      );
      for (const [userId, address] of addresses) found.set(address.toLowerCase(), userId);
    }
    return [...found].map(([address, userId]) => ({ address, userId }));
  }
}

function outboxMessage(
  approval: Pick<ApprovalRecord, 'tenant_id' | 'id'>,
  channel: NotificationChannel,
  event: string,
  payload: Record<string, unknown>,
  recipient: string | null,
  now: number,
): OutboxMessage {
  return {
    id: newId('ntf', now),
    tenant_id: approval.tenant_id,
    approval_id: approval.id,
    channel: channel.name,
    channel_type: channel.type,
    event,
    recipient,
    payload: { ...payload, settings: channel.settings },
    status: 'pending',
    attempts: 0,
    next_attempt_at: now,
    lease_until: null,
    last_error: null,
    result: null,
    created_at: now,
    updated_at: now,
    delivered_at: null,
  };
}
