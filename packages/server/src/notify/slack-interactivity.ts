// Slack's interactivity callbacks: button clicks, the deny modal and a question's answer modal.
// Every request's signature and age are checked first; the Slack user must be linked to a Tollgate
// user, whose vote then goes through ApprovalService like any other (eligibility, separation of
// duties, digest), and whose answer goes through QuestionService (who may answer, choices offered).

import type { NotificationChannel } from '@tollgate/core';
import type { ChannelEndpoints } from '../config/server-settings.js';
import type { TenantSecrets } from '../config/tenant-secrets.js';
import { TollgateError } from '../errors.js';
import type { ApprovalService } from '../services/approval-service.js';
import type { QuestionService } from '../services/question-service.js';
import type { TenantPolicies } from '../services/tenant-policies.js';
import type { UserPrincipal } from '../services/principals.js';
import type { Store } from '../stores/store.js';
import type { Clock } from '../util/clock.js';
import { stringSetting } from './channel.js';
import { decisionView } from './message.js';
import { questionData } from './question-message.js';
import {
  ANSWER_ACTION,
  ANSWER_MODAL,
  ANSWER_TEXT_ACTION,
  answerModal,
  APPROVE_ACTION,
  CHOICES_BLOCK,
  CHOICES_INPUT,
  DENY_ACTION,
  DENY_MODAL,
  denyModal,
  REASON_BLOCK,
  REASON_INPUT,
  TEXT_BLOCK,
  TEXT_INPUT,
  type ButtonValue,
  type QuestionButtonValue,
} from './slack-blocks.js';
import { verifySlackRequest } from './slack-signature.js';

export interface SlackReply {
  status: number;
  /** undefined: an empty body, which is how Slack is told a modal may close. */
  body: unknown;
}

interface SlackPayload {
  type?: string;
  user?: { id?: string };
  trigger_id?: string;
  channel?: { id?: string };
  actions?: { action_id?: string; value?: string }[];
  view?: {
    callback_id?: string;
    private_metadata?: string;
    state?: {
      values?: Record<
        string,
        Record<string, { value?: string | null; selected_option?: { value?: string } | null; selected_options?: { value?: string }[] }>
      >;
    };
  };
}

function parseButton(value: string | undefined): ButtonValue {
  try {
    const parsed = JSON.parse(value ?? '') as Partial<ButtonValue>;
    if (typeof parsed.t === 'string' && typeof parsed.a === 'string' && typeof parsed.d === 'string') return parsed as ButtonValue;
  } catch {
    // reported below
  }
  throw new TollgateError('notify.bad_payload', 'the slack action does not name a tollgate request', { field: 'payload.actions' });
}

function parseQuestionButton(value: string | undefined): QuestionButtonValue {
  try {
    const parsed = JSON.parse(value ?? '') as Partial<QuestionButtonValue>;
    if (typeof parsed.t === 'string' && typeof parsed.q === 'string' && (parsed.c === undefined || Number.isInteger(parsed.c)))
      return parsed as QuestionButtonValue;
  } catch {
    // reported below
  }
  throw new TollgateError('notify.bad_payload', 'the slack action does not name a tollgate question', { field: 'payload.actions' });
}

/** The Slack client, loaded only when a callback needs it (see CHANNELS in outbox.ts). */
async function slackClientOf(token: string, apiUrl: string) {
  return (await import('./slack.js')).slackClient(token, apiUrl);
}

/** The verified channel of the tenant a button names, if its secret verified the request; else any verified one (which then refuses). */
function channelFor(candidates: SignedChannel[], tenantId: string): SignedChannel {
  return candidates.find((entry) => entry.tenantId === tenantId) ?? candidates[0]!;
}

/** A Slack channel of one tenant's policy, with the signing secret granted to that tenant. */
interface SignedChannel {
  tenantId: string;
  channel: NotificationChannel;
  secret: string;
}

export class SlackInteractions {
  constructor(
    private readonly deps: {
      store: Store;
      clock: Clock;
      policies: TenantPolicies;
      approvals: ApprovalService;
      questions: QuestionService;
      secrets: TenantSecrets;
      endpoints: ChannelEndpoints;
      baseUrl: string;
    },
  ) {}

  /**
   * Every tenant's Slack channels that have a signing secret. The secret that verifies a callback
   * names the tenant it may act in: whatever tenant its payload names, it decides nothing else.
   */
  private signedChannels(): SignedChannel[] {
    return this.deps.policies.tenants().flatMap((tenantId) => {
      const secrets = this.deps.secrets.for(tenantId);
      return (this.deps.policies.for(tenantId).current().bundle.notifications?.channels ?? []).flatMap((channel) => {
        if (channel.type !== 'slack') return [];
        const name = stringSetting(channel.settings, 'signing_secret_env');
        const secret = name === undefined ? undefined : secrets(name);
        return secret === undefined ? [] : [{ tenantId, channel, secret }];
      });
    });
  }

  async handle(rawBody: string, headers: { timestamp: string | undefined; signature: string | undefined }): Promise<SlackReply> {
    const signed = this.signedChannels();
    if (signed.length === 0) throw new TollgateError('notify.not_configured', 'no slack channel with a signing secret is configured');
    const verdict = verifySlackRequest(
      signed.map((entry) => entry.secret),
      headers,
      rawBody,
      this.deps.clock.now(),
    );
    if (verdict === 'stale')
      throw new TollgateError('notify.stale_request', 'the slack request timestamp is more than five minutes away; replays are refused');
    if (verdict === 'bad') throw new TollgateError('notify.bad_signature', 'the slack request signature does not verify');
    // Every channel whose secret verified it: tenants the operator gave one Slack app may share a secret.
    const secret = signed[verdict]!.secret;
    const verified = signed.filter((entry) => entry.secret === secret);

    let payload: SlackPayload;
    try {
      payload = JSON.parse(new URLSearchParams(rawBody).get('payload') ?? '') as SlackPayload;
    } catch {
      throw new TollgateError('notify.bad_payload', 'the slack request has no JSON `payload` field', { field: 'payload' });
    }
    const actionId = payload.actions?.[0]?.action_id ?? '';
    if (payload.type === 'block_actions' && (actionId.startsWith(`${ANSWER_ACTION}_`) || actionId === ANSWER_TEXT_ACTION))
      return this.answerButtons(verified, payload);
    if (payload.type === 'block_actions') return this.buttons(verified, payload);
    if (payload.type === 'view_submission' && payload.view?.callback_id === DENY_MODAL) return this.denyReason(verified, payload);
    if (payload.type === 'view_submission' && payload.view?.callback_id === ANSWER_MODAL) return this.answerModal(verified, payload);
    return { status: 200, body: { ok: true, ignored: payload.type ?? null } };
  }

  private async buttons(candidates: SignedChannel[], payload: SlackPayload): Promise<SlackReply> {
    const action = payload.actions?.[0];
    if (action?.action_id !== APPROVE_ACTION && action?.action_id !== DENY_ACTION) return { status: 200, body: { ok: true } };
    const button = parseButton(action.value);
    const verified = channelFor(candidates, button.t);
    const principal = await this.principal(verified, button.t, payload.user?.id);
    if (principal instanceof TollgateError) return this.refused(verified, payload, principal);
    if (action.action_id === DENY_ACTION) {
      // The reason is asked in a modal; its submission comes back as a view_submission.
      const approval = await this.deps.store.approvals.get(button.t, button.a);
      const requested = approval && (await this.deps.store.actions.get(button.t, approval.action_id));
      const token = this.token(verified);
      if (payload.trigger_id === undefined || token === undefined)
        throw new TollgateError('notify.bad_payload', 'the slack action has no `trigger_id`', { field: 'payload.trigger_id' });
      await (
        await slackClientOf(token, this.deps.endpoints.slack.base_url)
      ).views.open({
        trigger_id: payload.trigger_id,
        view: denyModal(
          button,
          approval === undefined || requested === undefined
            ? { title: `request ${button.a}`, facts: [], warnings: [], agent_summary: null, agent_reasoning: null, key_context: [] }
            : decisionView(requested, approval.state?.action ?? requested.payload),
        ),
      } as never);
      return { status: 200, body: { ok: true, modal: true } };
    }
    try {
      const view = await this.deps.approvals.vote(principal, button.a, { verdict: 'approve', digest: button.d });
      return { status: 200, body: { ok: true, status: view.status } };
    } catch (error) {
      if (error instanceof TollgateError) return this.refused(verified, payload, error);
      throw error;
    }
  }

  private async denyReason(candidates: SignedChannel[], payload: SlackPayload): Promise<SlackReply> {
    let button: ButtonValue;
    try {
      button = parseButton(payload.view?.private_metadata);
    } catch (error) {
      return { status: 200, body: { response_action: 'errors', errors: { [REASON_BLOCK]: (error as Error).message } } };
    }
    const reason = payload.view?.state?.values?.[REASON_BLOCK]?.[REASON_INPUT]?.value?.trim() ?? '';
    if (reason === '') return { status: 200, body: { response_action: 'errors', errors: { [REASON_BLOCK]: 'a denial needs a reason' } } };
    const principal = await this.principal(channelFor(candidates, button.t), button.t, payload.user?.id);
    try {
      if (principal instanceof TollgateError) throw principal;
      await this.deps.approvals.vote(principal, button.a, { verdict: 'deny', note: reason, digest: button.d });
    } catch (error) {
      if (error instanceof TollgateError)
        return { status: 200, body: { response_action: 'errors', errors: { [REASON_BLOCK]: error.message } } };
      throw error;
    }
    return { status: 200, body: undefined };
  }

  /** A choice's button answers at once; the other opens the modal for several picks and words. */
  private async answerButtons(candidates: SignedChannel[], payload: SlackPayload): Promise<SlackReply> {
    const action = payload.actions![0]!;
    const button = parseQuestionButton(action.value);
    const verified = channelFor(candidates, button.t);
    const principal = await this.principal(verified, button.t, payload.user?.id);
    if (principal instanceof TollgateError) return this.refused(verified, payload, principal);
    const question = await this.deps.store.questions.get(button.t, button.q);
    if (question === undefined)
      return this.refused(verified, payload, new TollgateError('question.not_found', `no question \`${button.q}\``));
    if (action.action_id === ANSWER_TEXT_ACTION) {
      const token = this.token(verified);
      if (payload.trigger_id === undefined || token === undefined)
        throw new TollgateError('notify.bad_payload', 'the slack action has no `trigger_id`', { field: 'payload.trigger_id' });
      const data = questionData(question, 'asked', null, this.deps.baseUrl, this.deps.clock.now());
      await (
        await slackClientOf(token, this.deps.endpoints.slack.base_url)
      ).views.open({
        trigger_id: payload.trigger_id,
        view: answerModal(button, data),
      } as never);
      return { status: 200, body: { ok: true, modal: true } };
    }
    const choice = button.c === undefined ? undefined : question.choices?.[button.c];
    try {
      if (choice === undefined)
        throw new TollgateError('question.invalid_answer', 'the button names no choice of this question', { field: 'choice' });
      const view = await this.deps.questions.answer(principal, question.id, { choice });
      return { status: 200, body: { ok: true, status: view.status } };
    } catch (error) {
      if (error instanceof TollgateError) return this.refused(verified, payload, error);
      throw error;
    }
  }

  private async answerModal(candidates: SignedChannel[], payload: SlackPayload): Promise<SlackReply> {
    const values = payload.view?.state?.values ?? {};
    const errorBlock = values[TEXT_BLOCK] !== undefined ? TEXT_BLOCK : CHOICES_BLOCK;
    const refuse = (message: string): SlackReply => ({
      status: 200,
      body: { response_action: 'errors', errors: { [errorBlock]: message } },
    });
    let button: QuestionButtonValue;
    try {
      button = parseQuestionButton(payload.view?.private_metadata);
    } catch (error) {
      return refuse((error as Error).message);
    }
    try {
      const principal = await this.principal(channelFor(candidates, button.t), button.t, payload.user?.id);
      if (principal instanceof TollgateError) throw principal;
      const question = await this.deps.store.questions.get(button.t, button.q);
      if (question === undefined) throw new TollgateError('question.not_found', `no question \`${button.q}\``);
      const picked = values[CHOICES_BLOCK]?.[CHOICES_INPUT];
      const indexes = [
        ...(picked?.selected_options ?? []).map((option) => option.value),
        ...(picked?.selected_option ? [picked.selected_option.value] : []),
      ];
      const choices = indexes.map((index) => question.choices?.[Number(index)]).filter((choice): choice is string => choice !== undefined);
      const text = values[TEXT_BLOCK]?.[TEXT_INPUT]?.value ?? null;
      await this.deps.questions.answer(principal, question.id, {
        ...(choices.length > 0 ? { choices } : {}),
        ...(text !== null && text.trim() !== '' ? { text } : {}),
      });
    } catch (error) {
      if (error instanceof TollgateError) return refuse(error.message);
      throw error;
    }
    return { status: 200, body: undefined };
  }

  private async principal(
    verified: SignedChannel,
    tenantId: string,
    slackUserId: string | undefined,
  ): Promise<UserPrincipal | TollgateError> {
    // The payload's tenant is the sender's word; the signing secret is the proof of where it came from.
    if (tenantId !== verified.tenantId)
      return new TollgateError('notify.wrong_tenant', 'this slack workspace decides only the requests of the tenant it is set up for');
    const userId = slackUserId === undefined ? undefined : await this.deps.store.identities.findUser(tenantId, 'slack', slackUserId);
    const user = userId === undefined ? undefined : await this.deps.store.users.get(tenantId, userId);
    if (user === undefined)
      return new TollgateError(
        'notify.unknown_slack_user',
        `slack user \`${slackUserId ?? '?'}\` is not linked to a tollgate user; run \`tollgate users link-slack\``,
      );
    return { kind: 'user', tenant_id: tenantId, user };
  }

  private token(verified: SignedChannel): string | undefined {
    const name = stringSetting(verified.channel.settings, 'token_env');
    return name === undefined ? undefined : this.deps.secrets.for(verified.tenantId)(name);
  }

  /** Tells the clicker why nothing happened (only they see it); Slack itself gets a 200, as it must. */
  private async refused(verified: SignedChannel, payload: SlackPayload, error: TollgateError): Promise<SlackReply> {
    const token = this.token(verified);
    if (token !== undefined && payload.channel?.id !== undefined && payload.user?.id !== undefined) {
      await (
        await slackClientOf(token, this.deps.endpoints.slack.base_url)
      ).chat
        .postEphemeral({ channel: payload.channel.id, user: payload.user.id, text: `Tollgate: ${error.message}` } as never)
        .catch(() => undefined);
    }
    return { status: 200, body: { ok: false, error: { code: error.code, message: error.message } } };
  }
}
