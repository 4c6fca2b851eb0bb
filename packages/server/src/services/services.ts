// Wires the services together over one store: what `tollgate serve` runs and tests construct.

import type { Store } from '../stores/store.js';
import type { Clock } from '../util/clock.js';
import { ApprovalService } from './approval-service.js';
import { StandingService } from './standing-service.js';
import { AuditService } from './audit-service.js';
import { AuditPublisher } from './audit-publisher.js';
import type { AuditKeys } from '../config/audit-keys.js';
import { AuthService, DEFAULT_TENANT } from './auth-service.js';
import { DecisionService } from './decision-service.js';
import { EventBus } from './event-bus.js';
import { JobService } from './job-service.js';
import type { TenantPolicies } from './tenant-policies.js';
import { QuestionService } from './question-service.js';
import { TimerService } from './timer-service.js';
import { WriteBatcher } from './write-batcher.js';
import { WorkflowRunner } from './workflow-runner.js';
import { ReviewService } from './review-service.js';
import { AgentService } from './agent-service.js';
import { newWebhookSecret } from './webhook-signing.js';
import { MetricsService } from './metrics-service.js';
import { ShadowService } from './shadow-service.js';
import { PolicyHistory } from './policy-history.js';
import { SimulationService } from './simulation-service.js';
import { environmentSecrets, type SecretLookup } from '../config/secrets.js';
import { TenantSecrets } from '../config/tenant-secrets.js';
import { defaultServerSettings, type ServerSettings } from '../config/server-settings.js';
import { NotificationRouter } from '../notify/router.js';
import { NotificationService } from '../notify/notification-service.js';
import { OutboundService } from './outbound-service.js';

export interface Services {
  store: Store;
  clock: Clock;
  /** The operator's server settings. */
  settings: ServerSettings;
  bus: EventBus;
  batcher: WriteBatcher;
  /** Every tenant's live policy. */
  policies: TenantPolicies;
  /** The secrets each tenant's policy may name. */
  secrets: TenantSecrets;
  auth: AuthService;
  decisions: DecisionService;
  approvals: ApprovalService;
  standing: StandingService;
  audit: AuditService;
  /** Signs the tenants' chain heads from time to time and publishes them to the configured sinks. */
  auditPublisher: AuditPublisher;
  timers: TimerService;
  /** Agents' questions to people. */
  questions: QuestionService;
  jobs: JobService;
  reviews: ReviewService;
  agents: AgentService;
  metrics: MetricsService;
  simulations: SimulationService;
  shadow: ShadowService;
  /** The versions each tenant's policy has had. */
  policyHistory: PolicyHistory;
  /** The Standard Webhooks secret a tenant's outbound webhooks are signed with. */
  webhookSecret(tenantId: string): Promise<string>;
  /** Slack, Teams, PagerDuty, e-mail and webhooks: the outbox, its sender and the callbacks. */
  notifications: NotificationService;
  /** Where a tenant's outbound calls may go (the operator's allow-list and the tenant admin's hosts). */
  outbound: OutboundService;
}

export function createServices(options: {
  store: Store;
  policies: TenantPolicies;
  clock: Clock;
  secret: string;
  baseUrl: string;
  /** Where channel secrets named in the policy are looked up; the environment by default. */
  secrets?: SecretLookup;
  /** The operator's server settings; none (the defaults) when not given. */
  settings?: ServerSettings;
  /** The audit signing key from the environment and earlier keys' public halves; else the key kept in the database. */
  auditKeys?: AuditKeys;
}): Services {
  const { store, policies, clock, secret, baseUrl } = options;
  const settings = options.settings ?? defaultServerSettings();
  const secrets = new TenantSecrets(settings, (tenantId) => policies.for(tenantId).fileSecrets(), options.secrets ?? environmentSecrets());
  const bus = new EventBus();
  const batcher = new WriteBatcher(store);
  const router = new NotificationRouter({ policies, secret, baseUrl });
  const runner = new WorkflowRunner(secret, policies, router);
  const webhookSecrets = new Map<string, Promise<string>>();
  // One per tenant, created once and kept in the database so that every node signs alike. A tenant's
  // admin reads theirs; with a shared one they could sign calls as if for another tenant.
  const webhookSecret = (tenantId: string): Promise<string> => {
    let found = webhookSecrets.get(tenantId);
    if (found === undefined) {
      const key = tenantId === DEFAULT_TENANT ? 'webhook_secret' : `webhook_secret:${tenantId}`;
      found = store.settings.getOrCreate(key, newWebhookSecret());
      found.catch(() => webhookSecrets.delete(tenantId));
      webhookSecrets.set(tenantId, found);
    }
    return found;
  };
  const outbound = new OutboundService({ store, clock, settings });
  const reviews = new ReviewService({ store, clock, bus, policies, webhookSecret, outbound });
  const standing = new StandingService({ store, clock, policies });
  const approvals = new ApprovalService({ store, bus, clock, runner, policies, baseUrl, standing });
  const shadow = new ShadowService({ store, clock, policies, bus, secrets });
  const auth = new AuthService({ store, clock });
  const questions = new QuestionService({
    store,
    bus,
    clock,
    policies,
    notify: (scope, question, step, answeredBy, now) => router.planQuestion(scope, question, step, answeredBy, now),
  });
  const audit = new AuditService({
    store,
    ...(options.auditKeys === undefined ? {} : { keys: options.auditKeys }),
    ...(settings.audit.publish.file === undefined ? {} : { publishedFile: settings.audit.publish.file }),
  });
  return {
    store,
    clock,
    settings,
    bus,
    batcher,
    policies,
    secrets,
    approvals,
    auth,
    standing,
    decisions: new DecisionService({ store, batcher, policies, approvals, bus, clock, secret, runner, shadow, standing }),
    audit,
    auditPublisher: new AuditPublisher({ store, clock, audit, settings: settings.audit, timeoutMs: settings.outbound.timeout_ms }),
    timers: new TimerService({ store, bus, clock, runner, questions }),
    questions,
    jobs: new JobService({ store, bus, clock, runner, secret, reviews, policies }),
    reviews,
    agents: new AgentService({ store, clock, policies }),
    metrics: new MetricsService({ store, clock, policies }),
    simulations: new SimulationService({ store, clock }),
    shadow,
    policyHistory: new PolicyHistory({ store, clock, policies }),
    webhookSecret,
    notifications: new NotificationService({
      store,
      clock,
      policies,
      approvals,
      questions,
      secrets,
      endpoints: settings.channels,
      secret,
      baseUrl,
      webhookSecret,
      outbound,
      router,
      checkPassword: (name, password, tenantId, address) => auth.checkPassword(name, password, tenantId, address),
    }),
    outbound,
  };
}
