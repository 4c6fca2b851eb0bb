// The notification side of the server in one place: the router the workflow writes through,
// the sender that empties the outbox, Slack's callbacks, Jira's and ServiceNow's decisions,
// one-click links, the dead-letter list and the identities that tie people elsewhere to their users.

import type { ChannelEndpoints } from '../config/server-settings.js';
import type { TenantSecrets } from '../config/tenant-secrets.js';
import type { OutboundService } from '../services/outbound-service.js';
import { TollgateError } from '../errors.js';
import { appendAudit } from '../services/audit-chain.js';
import type { ApprovalService } from '../services/approval-service.js';
import type { QuestionService } from '../services/question-service.js';
import type { TenantPolicies } from '../services/tenant-policies.js';
import type { IdentityKind, OutboxMessage, OutboxStatus } from '../stores/notify-store.js';
import type { User } from '../stores/records.js';
import type { Store } from '../stores/store.js';
import type { Clock } from '../util/clock.js';
import { linkIdentity } from './identities.js';
import { LinkActions } from './link-actions.js';
import { JiraWebhooks } from './jira-webhook.js';
import { NotificationSender } from './outbox.js';
import type { NotificationRouter } from './router.js';
import { ServiceNowCallbacks } from './servicenow-callback.js';
import { SlackInteractions } from './slack-interactivity.js';
import { TicketDecisions } from './ticket-decisions.js';

/** An outbox message as the API shows it: never its payload, whose links act for people. */
export interface NotificationView {
  id: string;
  approval_id: string | null;
  channel: string;
  channel_type: string;
  event: string;
  recipient: string | null;
  status: OutboxStatus;
  attempts: number;
  next_attempt_at: string | null;
  last_error: string | null;
  created_at: string;
  delivered_at: string | null;
}

export function notificationView(message: OutboxMessage): NotificationView {
  return {
    id: message.id,
    approval_id: message.approval_id,
    channel: message.channel,
    channel_type: message.channel_type,
    event: message.event,
    recipient: message.recipient,
    status: message.status,
    attempts: message.attempts,
    next_attempt_at: message.status === 'pending' ? new Date(message.next_attempt_at).toISOString() : null,
    last_error: message.last_error,
    created_at: new Date(message.created_at).toISOString(),
    delivered_at: message.delivered_at === null ? null : new Date(message.delivered_at).toISOString(),
  };
}

export class NotificationService {
  readonly sender: NotificationSender;
  readonly slack: SlackInteractions;
  readonly links: LinkActions;
  readonly jira: JiraWebhooks;
  readonly servicenow: ServiceNowCallbacks;

  constructor(
    private readonly deps: {
      store: Store;
      clock: Clock;
      policies: TenantPolicies;
      approvals: ApprovalService;
      questions: QuestionService;
      secrets: TenantSecrets;
      endpoints: ChannelEndpoints;
      secret: string;
      /** The server's public address, for the links in what Slack is shown. */
      baseUrl: string;
      webhookSecret(tenantId: string): Promise<string>;
      outbound: OutboundService;
      /** The router the workflow writes through: a ticket's refusals are written the same way. */
      router: NotificationRouter;
      checkPassword(name: string, password: string, tenantId: string, address: string | undefined): Promise<User>;
    },
  ) {
    const { store, clock, policies, approvals, questions, secrets, endpoints, secret, webhookSecret, outbound } = deps;
    this.sender = new NotificationSender({ store, clock, policies, secrets, webhookSecret, outbound });
    this.slack = new SlackInteractions({ store, clock, policies, approvals, questions, secrets, endpoints, baseUrl: deps.baseUrl });
    this.links = new LinkActions({ store, clock, secret, approvals, questions, checkPassword: deps.checkPassword });
    const decisions = new TicketDecisions({
      store,
      clock,
      policies,
      approvals,
      secrets,
      router: deps.router,
      kick: () => this.sender.kick(),
    });
    this.jira = new JiraWebhooks({ clock, decisions, site: (tenantId) => outbound.channelsFor(tenantId).jira });
    this.servicenow = new ServiceNowCallbacks({ clock, decisions });
  }

  async list(tenantId: string, filter: { status?: OutboxStatus[]; approvalId?: string; limit?: number }): Promise<NotificationView[]> {
    return (await this.deps.store.outbox.list(tenantId, filter)).map(notificationView);
  }

  /** Queues a dead message again, due now. */
  async redrive(tenantId: string, id: string, actor: string): Promise<NotificationView> {
    const now = this.deps.clock.now();
    return this.deps.store.transaction(async (scope) => {
      const message = await scope.outbox.get(tenantId, id);
      if (message === undefined) throw new TollgateError('notify.not_found', `no notification \`${id}\``);
      if (!(await scope.outbox.redrive(tenantId, id, now)))
        throw new TollgateError('notify.not_dead', `notification \`${id}\` is ${message.status}; only dead ones are re-driven`);
      await appendAudit(
        scope,
        tenantId,
        [{ type: 'notification.redriven', actor, subject: id, data: { channel: message.channel, approval_id: message.approval_id } }],
        now,
      );
      return notificationView((await scope.outbox.get(tenantId, id))!);
    });
  }

  /** Ties a Slack user id, an e-mail address, a Jira or ServiceNow user to the person called `name`. */
  async linkIdentity(tenantId: string, name: string, kind: IdentityKind, value: string, actor = 'system'): Promise<void> {
    await linkIdentity(this.deps.store, this.deps.clock.now(), { tenantId, name, kind, value, actor });
  }
}
