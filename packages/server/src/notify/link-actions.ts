// What the one-click links of e-mail and Teams do: a GET only shows what the link would do (link
// scanners fetch links), the form's POST votes, through ApprovalService, or answers a question
// with the link's choice, through QuestionService, once per link.

import { TollgateError } from '../errors.js';
import type { ApprovalService } from '../services/approval-service.js';
import type { QuestionService, QuestionView } from '../services/question-service.js';
import type { ApprovalView } from '../services/views.js';
import type { NotificationLink } from '../stores/notify-store.js';
import type { QuestionRecord, User } from '../stores/records.js';
import type { Store } from '../stores/store.js';
import type { Clock } from '../util/clock.js';
import { linkIdOf, signatureMatches } from './links.js';
import { decisionView, type DecisionView } from './message.js';

/** What the confirmation page shows: the request's facts and warnings first, as every message does. */
export interface LinkPreview extends DecisionView {
  kind?: undefined;
  link: NotificationLink;
  /** Channel links (Teams, shared addresses) ask who is deciding. */
  needsSignIn: boolean;
  requestStatus: string;
}

/** What an answer link's confirmation page shows: the question as the agent asked it and the choice the link answers with. */
export interface AnswerLinkPreview {
  kind: 'question';
  link: NotificationLink;
  needsSignIn: boolean;
  question: QuestionRecord;
  choice: string;
}

export interface LinkForm {
  note?: string;
  name?: string;
  password?: string;
}

export class LinkActions {
  constructor(
    private readonly deps: {
      store: Store;
      clock: Clock;
      secret: string;
      approvals: ApprovalService;
      questions: QuestionService;
      /** The auth service's check, which limits failed tries per name and per address wherever a password is typed. */
      checkPassword(name: string, password: string, tenantId: string, address: string | undefined): Promise<User>;
    },
  ) {}

  async preview(token: string): Promise<LinkPreview | AnswerLinkPreview> {
    const link = await this.usable(token);
    if (link.verdict === 'answer') {
      const question = await this.deps.store.questions.get(link.tenant_id, link.approval_id);
      if (question === undefined) throw invalid();
      return { kind: 'question', link, needsSignIn: link.user_id === null, question, choice: link.digest };
    }
    const approval = await this.deps.store.approvals.get(link.tenant_id, link.approval_id);
    const action = approval && (await this.deps.store.actions.get(link.tenant_id, approval.action_id));
    if (approval === undefined || action === undefined) throw invalid();
    return {
      link,
      ...decisionView(action, approval.state?.action ?? action.payload),
      needsSignIn: link.user_id === null,
      requestStatus: approval.status,
    };
  }

  /** `address` is the client's, whose wrong passwords count toward its sign-in limit. */
  async confirm(
    token: string,
    form: LinkForm,
    address: string | undefined,
  ): Promise<{ approval: ApprovalView } | { question: QuestionView }> {
    const link = await this.usable(token);
    const note = form.note?.trim() ?? '';
    if (link.verdict === 'deny' && note === '') throw new TollgateError('request.invalid', 'a denial needs a reason', { field: 'note' });
    const user = await this.person(link, form, address);
    const now = this.deps.clock.now();
    if (!(await this.deps.store.notificationLinks.use(link.id, now))) throw await this.whyUnusable(link.id);
    const principal = { kind: 'user' as const, tenant_id: link.tenant_id, user };
    try {
      // Every rule of answering (who may, whether it is still open, the choice offered) is QuestionService's.
      if (link.verdict === 'answer')
        return { question: await this.deps.questions.answer(principal, link.approval_id, { choice: link.digest }) };
      const verdict = link.verdict;
      return {
        approval: await this.deps.approvals.vote(principal, link.approval_id, {
          verdict,
          digest: link.digest,
          ...(note === '' ? {} : { note }),
        }),
      };
    } catch (error) {
      // The vote did not happen, so the link is not spent: the person may fix what was wrong.
      await this.deps.store.notificationLinks.release(link.id, now);
      throw error;
    }
  }

  private async usable(token: string): Promise<NotificationLink> {
    const id = linkIdOf(token);
    const link = id === undefined ? undefined : await this.deps.store.notificationLinks.get(null, id);
    if (link === undefined || !signatureMatches(this.deps.secret, token, link)) throw invalid();
    if (link.used_at !== null) throw used();
    if (link.expires_at <= this.deps.clock.now()) throw expired();
    return link;
  }

  private async whyUnusable(id: string): Promise<TollgateError> {
    const link = await this.deps.store.notificationLinks.get(null, id);
    return link?.used_at != null ? used() : expired();
  }

  private async person(link: NotificationLink, form: LinkForm, address: string | undefined) {
    const { store } = this.deps;
    if (link.user_id !== null) {
      const user = await store.users.get(link.tenant_id, link.user_id);
      if (user === undefined) throw invalid();
      return user;
    }
    if (form.name === undefined || form.name === '' || form.password === undefined)
      throw new TollgateError('auth.required', 'sign in with your tollgate name and password to decide', { field: 'name' });
    return this.deps.checkPassword(form.name, form.password, link.tenant_id, address);
  }
}

const invalid = () => new TollgateError('notify.link_invalid', 'this link is not valid');
const used = () => new TollgateError('notify.link_used', 'this link has been used already');
const expired = () => new TollgateError('notify.link_expired', 'this link has expired');
