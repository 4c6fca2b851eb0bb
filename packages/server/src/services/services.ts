// Wires the services together over one store: what `tollgate serve` runs and tests construct.

import type { Store } from '../stores/store.js';
import type { Clock } from '../util/clock.js';
import { ApprovalService } from './approval-service.js';
import { AuditService } from './audit-service.js';
import { AuthService } from './auth-service.js';
import { DecisionService } from './decision-service.js';
import { EventBus } from './event-bus.js';
import { JobService } from './job-service.js';
import type { PolicyService } from './policy-service.js';
import { TimerService } from './timer-service.js';
import { WriteBatcher } from './write-batcher.js';
import { WorkflowRunner } from './workflow-runner.js';
import { ReviewService } from './review-service.js';
import { AgentService } from './agent-service.js';
import { newWebhookSecret } from './webhook-signing.js';

export interface Services {
  store: Store;
  clock: Clock;
  bus: EventBus;
  batcher: WriteBatcher;
  policies: PolicyService;
  auth: AuthService;
  decisions: DecisionService;
  approvals: ApprovalService;
  audit: AuditService;
  timers: TimerService;
  jobs: JobService;
  reviews: ReviewService;
  agents: AgentService;
  /** The Standard Webhooks secret outbound webhooks are signed with. */
  webhookSecret(): Promise<string>;
}

export function createServices(options: {
  store: Store;
  policies: PolicyService;
  clock: Clock;
  secret: string;
  baseUrl: string;
}): Services {
  const { store, policies, clock, secret, baseUrl } = options;
  const bus = new EventBus();
  const batcher = new WriteBatcher(store);
  const runner = new WorkflowRunner(secret, policies);
  let secretOnce: Promise<string> | undefined;
  // Created once and kept in the database, so every node signs with the same secret.
  const webhookSecret = (): Promise<string> => (secretOnce ??= store.settings.getOrCreate('webhook_secret', newWebhookSecret()));
  const reviews = new ReviewService({ store, clock, bus, policies, webhookSecret });
  const approvals = new ApprovalService({ store, bus, clock, runner, policies, baseUrl });
  return {
    store,
    clock,
    bus,
    batcher,
    policies,
    approvals,
    auth: new AuthService({ store, clock }),
    decisions: new DecisionService({ store, batcher, policies, approvals, bus, clock, secret, runner }),
    audit: new AuditService({ store }),
    timers: new TimerService({ store, bus, clock, runner }),
    jobs: new JobService({ store, bus, clock, runner, secret, reviews, policies }),
    reviews,
    agents: new AgentService({ store, clock, policies }),
    webhookSecret,
  };
}
