// Agents' questions to people (the guide's exception pattern: an uncertain agent asks rather than
// guesses). Routed like an approval, to the policy's `questions.approvers` or else the `defaults`
// approvers; a question nobody answers in time is sent on to `escalate_to` once, or expires.
// Deadlines are checked by the timer sweep and again whenever a question is read.

import type { PolicyBundle } from '@tollgate/core';
import { TollgateError } from '../errors.js';
import type { QuestionStep } from '../notify/question-message.js';
import { decides, type QuestionAnswer, type QuestionRecord, type User } from '../stores/records.js';
import type { Store, StoreScope } from '../stores/store.js';
import type { Clock } from '../util/clock.js';
import { newId } from '../util/ids.js';
import { appendAudit } from './audit-chain.js';
import { MAX_WAIT_SECONDS } from './decision-service.js';
import type { EventBus, LiveEvent, LiveEventType } from './event-bus.js';
import { personOf } from './people.js';
import type { AgentPrincipal, Principal, UserPrincipal } from './principals.js';
import { checkAnswer, checkQuestion } from './question-input.js';
import type { TenantPolicies } from './tenant-policies.js';

const SWEEP_BATCH = 200;

/** What QuestionService calls to have a change's messages written (NotificationRouter.planQuestion). */
export type QuestionNotifier = (
  scope: StoreScope,
  question: QuestionRecord,
  step: QuestionStep,
  answeredBy: string | null,
  now: number,
) => Promise<void>;

/** A question as its agent and people read it: the record without its bookkeeping, times in ISO form. */
export type QuestionView = Pick<QuestionRecord, (typeof SHOWN)[number]> & {
  created_at: string;
  deadline: string | null;
  /** Once answered: what was picked or written, by whom and when. */
  answer: (QuestionAnswer & { answered_by: { id: string; name: string | null }; answered_at: string }) | null;
};

const SHOWN = [
  'id',
  'status',
  'agent',
  'question',
  'choices',
  'multiple',
  'free_text',
  'context',
  'urgency',
  'approvers',
  'escalated',
] as const;

const iso = (ms: number): string => new Date(ms).toISOString();

function notFound(id: string): TollgateError {
  return new TollgateError('question.not_found', `no question \`${id}\``);
}

export class QuestionService {
  constructor(
    private readonly deps: {
      store: Store;
      bus: EventBus;
      clock: Clock;
      policies: TenantPolicies;
      /** Writes the messages the change causes (the policy's notification routes), in its transaction. */
      notify?: QuestionNotifier;
    },
  ) {}

  private async notify(scope: StoreScope, question: QuestionRecord, step: QuestionStep, now: number, answeredBy?: User) {
    await this.deps.notify?.(scope, question, step, answeredBy?.name ?? null, now);
  }

  private bundle(tenantId: string): PolicyBundle {
    return this.deps.policies.for(tenantId).current().bundle;
  }

  async ask(principal: AgentPrincipal, body: unknown): Promise<QuestionView> {
    const asked = checkQuestion(body);
    const now = this.deps.clock.now();
    const bundle = this.bundle(principal.tenant_id);
    const timeout = bundle.questions?.timeout;
    const record: QuestionRecord = {
      tenant_id: principal.tenant_id,
      id: newId('qst', now),
      agent: principal.agent,
      ...asked,
      status: 'pending',
      approvers: bundle.questions?.approvers ?? bundle.defaults.approvers ?? [],
      escalated: false,
      deadline: timeout === undefined ? null : now + timeout,
      created_at: now,
      answered_at: null,
      answer: null,
      answered_by: null,
      version: 0,
    };
    await this.deps.store.transaction(async (scope) => {
      await scope.questions.insert(record);
      await this.notify(scope, record, 'asked', now);
      await appendAudit(
        scope,
        record.tenant_id,
        [
          {
            type: 'question.asked',
            actor: `agent:${record.agent}`,
            subject: record.id,
            data: { question: record.question, choices: record.choices, urgency: record.urgency, approvers: record.approvers },
          },
        ],
        now,
      );
    });
    this.deps.bus.publish({ ...liveOf(record, now), type: 'question.asked' });
    return this.view(record);
  }

  /** A question as its agent or the tenant's people see it; an agent sees only its own. With `waitSeconds`, held until answered. */
  async get(principal: Principal, id: string, options: { waitSeconds?: number; signal?: AbortSignal } = {}): Promise<QuestionView> {
    const seconds = Math.min(options.waitSeconds ?? 0, MAX_WAIT_SECONDS);
    const answered =
      seconds > 0
        ? this.deps.bus.waitFor(
            principal.tenant_id,
            (event) => event.question_id === id && (event.type === 'question.answered' || event.type === 'question.expired'),
            seconds * 1000,
            options.signal,
          )
        : undefined;
    // Read after subscribing, so an answer that lands in between is not missed.
    const current = await this.read(principal, id);
    if (current.status !== 'pending' || answered === undefined) return this.view(current);
    await answered;
    return this.view(await this.read(principal, id));
  }

  /** Pending questions the person may answer, newest first. */
  async pendingFor(principal: UserPrincipal, limit = 100): Promise<QuestionView[]> {
    const now = this.deps.clock.now();
    const listed = await this.deps.store.questions.list(principal.tenant_id, { status: ['pending'], limit: 1000 });
    // A deadline the sweep has not reached yet is applied here, so the list never shows a question run out.
    const pending: QuestionRecord[] = [];
    for (const question of listed) {
      if (question.deadline === null || question.deadline > now) pending.push(question);
      else if (await this.timeOut(question, now)) {
        const latest = await this.deps.store.questions.get(question.tenant_id, question.id);
        if (latest?.status === 'pending') pending.push(latest);
      }
    }
    const bundle = this.bundle(principal.tenant_id);
    const mine = pending.filter((question) => this.eligibility(principal.user, question, bundle) === undefined).slice(0, limit);
    return Promise.all(mine.map((question) => this.view(question)));
  }

  async answer(principal: UserPrincipal, id: string, body: unknown): Promise<QuestionView> {
    const question = await this.read(principal, id);
    if (question.status !== 'pending') throw closed(question);
    const refused = this.eligibility(principal.user, question, this.bundle(principal.tenant_id));
    if (refused !== undefined) throw new TollgateError('question.not_eligible', refused);
    const answer = checkAnswer(body, question);
    const now = this.deps.clock.now();
    const patch = { status: 'answered' as const, answer, answered_by: `user:${principal.user.id}`, answered_at: now };
    const written = await this.deps.store.transaction(async (scope) => {
      if (!(await scope.questions.update(question.tenant_id, question.id, question.version, patch))) return false;
      await this.notify(scope, { ...question, ...patch }, 'answered', now, principal.user);
      await appendAudit(
        scope,
        question.tenant_id,
        [
          {
            type: 'question.answered',
            actor: patch.answered_by,
            subject: question.id,
            data: { choices: answer.choices, text: answer.text },
          },
        ],
        now,
      );
      return true;
    });
    if (!written) {
      const latest = await this.read(principal, id);
      throw closed(latest);
    }
    const record = { ...question, ...patch, version: question.version + 1 };
    this.deps.bus.publish({ ...liveOf(record, now), type: 'question.answered' });
    return this.view(record);
  }

  /** Runs out every tenant's questions whose deadline has passed (the timer sweep calls it); answers how many. */
  async expireDue(): Promise<number> {
    const now = this.deps.clock.now();
    let count = 0;
    for (const question of await this.deps.store.questions.due(now, SWEEP_BATCH)) if (await this.timeOut(question, now)) count += 1;
    return count;
  }

  /** The question, its deadline applied first when it has passed. */
  private async read(principal: Principal, id: string): Promise<QuestionRecord> {
    const question = await this.deps.store.questions.get(principal.tenant_id, id);
    if (question === undefined || (principal.kind === 'agent' && question.agent !== principal.agent) || principal.kind === 'worker')
      throw notFound(id);
    const now = this.deps.clock.now();
    if (question.status === 'pending' && question.deadline !== null && question.deadline <= now) {
      await this.timeOut(question, now);
      return (await this.deps.store.questions.get(principal.tenant_id, id)) ?? question;
    }
    return question;
  }

  /** Escalates once when the policy says so, else expires; false when another writer got there first. */
  private async timeOut(question: QuestionRecord, now: number): Promise<boolean> {
    const spec = this.bundle(question.tenant_id).questions;
    const escalate = spec?.on_timeout === 'escalate' && !question.escalated && spec.escalate_to !== undefined;
    const patch: Parameters<StoreScope['questions']['update']>[3] = escalate
      ? { approvers: spec.escalate_to!, escalated: true, deadline: now + (spec.timeout ?? 0) }
      : { status: 'expired', deadline: null };
    const event: { type: LiveEventType } = { type: escalate ? 'question.escalated' : 'question.expired' };
    const data = escalate ? { approvers: patch.approvers } : { deadline: iso(question.deadline ?? now) };
    const written = await this.deps.store.transaction(async (scope) => {
      if (!(await scope.questions.update(question.tenant_id, question.id, question.version, patch))) return false;
      await this.notify(scope, { ...question, ...patch }, escalate ? 'escalated' : 'expired', now);
      await appendAudit(scope, question.tenant_id, [{ ...event, actor: 'system', subject: question.id, data }], now);
      return true;
    });
    if (written) this.deps.bus.publish({ ...liveOf({ ...question, ...patch }, now), ...event });
    return written;
  }

  /** Why the person may not answer, or undefined when they may. */
  private eligibility(user: User, question: QuestionRecord, bundle: PolicyBundle): string | undefined {
    return whyNotAnswering(user, question, bundle);
  }

  private async view(question: QuestionRecord): Promise<QuestionView> {
    let answer: QuestionView['answer'] = null;
    if (question.answer !== null && question.answered_by !== null) {
      const userId = question.answered_by.replace(/^user:/, '');
      const user = await this.deps.store.users.get(question.tenant_id, userId);
      answer = {
        ...question.answer,
        answered_by: { id: userId, name: user?.name ?? null },
        answered_at: iso(question.answered_at ?? question.created_at),
      };
    }
    return {
      ...(Object.fromEntries(SHOWN.map((key) => [key, question[key]])) as Pick<QuestionRecord, (typeof SHOWN)[number]>),
      created_at: iso(question.created_at),
      deadline: question.deadline === null ? null : iso(question.deadline),
      answer,
    };
  }
}

/** Why the person may not answer the question, or undefined when they may (also who gets personal links). */
export function whyNotAnswering(user: User, question: QuestionRecord, bundle: PolicyBundle): string | undefined {
  if (user.disabled_at !== null) return 'this user is disabled';
  if (!decides(user.role)) return `${user.role}s can read questions but not answer them`;
  if (question.approvers.length === 0) return undefined;
  const person = personOf(user, bundle);
  if (question.approvers.some((approver) => approver === user.id || approver === user.name || person.groups.includes(approver)))
    return undefined;
  return `only ${question.approvers.map((a) => `\`${a}\``).join(', ')} may answer this question`;
}

/** The live event about a question, without its type. */
function liveOf(question: QuestionRecord, at: number): Omit<LiveEvent, 'type'> {
  return { tenant_id: question.tenant_id, question_id: question.id, status: question.status, at };
}

function closed(question: QuestionRecord): TollgateError {
  return new TollgateError('question.closed', `this question is ${question.status} already`, { status: question.status });
}
