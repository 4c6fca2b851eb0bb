// Delivers the outbox after commit: claims due messages, sends each through its channel, and
// settles it as delivered, due again later (exponential backoff) or dead after the last try.
// Delivery is at least once; each message keeps one id across tries for vendors to deduplicate.

import type { TenantSecrets } from '../config/tenant-secrets.js';
import type { OutboundService } from '../services/outbound-service.js';
import type { TenantPolicies } from '../services/tenant-policies.js';
import type { OutboxMessage } from '../stores/notify-store.js';
import type { Store } from '../stores/store.js';
import type { Clock } from '../util/clock.js';
import { DeliveryError, type Deliver, type DeliveryContext } from './channel.js';

export const MAX_ATTEMPTS = 8;
export const BASE_DELAY_MS = 30_000;
export const MAX_DELAY_MS = 60 * 60_000;
/** Long enough for any one send to finish; a sender that died mid-send gives the message up after it. */
export const LEASE_MS = 60_000;
const BATCH = 50;

/**
 * Channel implementations, loaded on first use: the vendor clients are not needed by the CLI
 * commands and hooks that share this package, whose start-up time people wait for.
 */
export const CHANNELS: Record<string, () => Promise<Deliver>> = {
  slack: async () => (await import('./slack.js')).deliverSlack,
  teams: async () => (await import('./teams.js')).deliverTeams,
  pagerduty: async () => (await import('./pagerduty.js')).deliverPagerDuty,
  email: async () => (await import('./email.js')).deliverEmail,
  webhook: async () => (await import('./webhook.js')).deliverWebhook,
  jira: async () => (await import('./jira.js')).deliverJira,
  servicenow: async () => (await import('./servicenow.js')).deliverServiceNow,
};

/** Within one change, a vote is noted before what it caused (the decision, the next stage). */
const EVENT_RANK: Record<string, number> = { voted: 0, refused: 0 };

/** The order messages are sent in: as their changes happened, and within one change as above. */
export function deliveryOrder(a: OutboxMessage, b: OutboxMessage): number {
  return a.created_at - b.created_at || (EVENT_RANK[a.event] ?? 1) - (EVENT_RANK[b.event] ?? 1) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** The wait before try `attempts + 1`: 30 s, 1 min, 2 min, … up to an hour. */
export function backoff(attempts: number): number {
  return Math.min(BASE_DELAY_MS * 2 ** Math.max(0, attempts - 1), MAX_DELAY_MS);
}

export interface SendReport {
  delivered: number;
  retried: number;
  dead: number;
}

export class NotificationSender {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<SendReport> | undefined;
  /** Set by stop(): no send starts after it, so a shutdown waits for one send at most, not a backlog. */
  private stopping = false;

  constructor(
    private readonly deps: {
      store: Store;
      clock: Clock;
      policies: TenantPolicies;
      secrets: TenantSecrets;
      webhookSecret(tenantId: string): Promise<string>;
      outbound: OutboundService;
      onError?: (message: OutboxMessage, error: DeliveryError) => void;
    },
  ) {}

  start(intervalMs = 1000): void {
    if (this.timer !== undefined) return;
    this.stopping = false;
    this.timer = setInterval(() => void this.deliverDue().catch(() => undefined), intervalMs);
    this.timer.unref();
  }

  /** Ends the loop: sends under way finish, messages claimed but not yet tried go back to the queue. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  /** Delivers soon after a commit instead of at the next interval, when the loop runs in this process. */
  kick(): void {
    // Without channels no change writes to the outbox, and the decision path's rate is not taxed by a claim per event.
    if (this.timer === undefined || !this.deps.policies.anyChannels()) return;
    void this.deliverDue().catch(() => undefined);
  }

  /** Sends every message due now; overlapping calls share one run. */
  deliverDue(): Promise<SendReport> {
    this.running ??= this.deliverAll().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async deliverAll(): Promise<SendReport> {
    const report: SendReport = { delivered: 0, retried: 0, dead: 0 };
    while (!this.stopping) {
      const now = this.deps.clock.now();
      const claimed = (await this.deps.store.transaction((scope) => scope.outbox.claimDue(now, now + LEASE_MS, BATCH))).sort(deliveryOrder);
      for (const [index, message] of claimed.entries()) {
        if (this.stopping) {
          // Left leased, they would wait out the lease (a minute) before another sender could try them.
          await this.release(claimed.slice(index));
          return report;
        }
        report[await this.deliver(message)]++;
      }
      if (claimed.length < BATCH) return report;
    }
    return report;
  }

  private async release(messages: OutboxMessage[]): Promise<void> {
    const now = this.deps.clock.now();
    for (const message of messages) await this.deps.store.outbox.release(message.id, message.attempts, now);
  }

  private async deliver(message: OutboxMessage): Promise<'delivered' | 'retried' | 'dead'> {
    const { store, clock } = this.deps;
    const load = CHANNELS[message.channel_type];
    // The current policy's settings win, so fixing a channel and re-driving its dead messages works.
    const current = this.deps.policies
      .for(message.tenant_id)
      .current()
      .bundle.notifications?.channels.find((channel) => channel.name === message.channel);
    const settings = current?.type === message.channel_type ? current.settings : (message.payload.settings as Record<string, unknown>);
    let result: Record<string, unknown> | null = null;
    let failure: DeliveryError | undefined;
    try {
      if (load === undefined) throw new DeliveryError(`no channel type \`${message.channel_type}\``, false);
      result = await (await load())(message, settings ?? {}, this.context(message));
    } catch (error) {
      failure = error instanceof DeliveryError ? error : new DeliveryError((error as Error).message, true, { cause: error });
    }
    const now = clock.now();
    if (failure === undefined) {
      await store.outbox.settle(message.id, message.attempts, now, { status: 'delivered', result, last_error: null });
      return 'delivered';
    }
    this.deps.onError?.(message, failure);
    const dead = !failure.retryable || message.attempts >= MAX_ATTEMPTS;
    await store.outbox.settle(message.id, message.attempts, now, {
      status: dead ? 'dead' : 'pending',
      last_error: failure.message.slice(0, 1000),
      ...(dead ? {} : { next_attempt_at: now + backoff(message.attempts) }),
    });
    return dead ? 'dead' : 'retried';
  }

  private context(message: OutboxMessage): DeliveryContext {
    const { store, secrets, webhookSecret, outbound } = this.deps;
    const key = [message.tenant_id, message.approval_id ?? '', message.channel] as const;
    return {
      secrets: secrets.for(message.tenant_id),
      endpoints: outbound.channelsFor(message.tenant_id),
      request: (url, request, options) => outbound.request(message.tenant_id, url, request, `notification:${message.channel}`, options),
      webhookSecret: () => webhookSecret(message.tenant_id),
      async delivered(message) {
        if (message.approval_id === null) return [];
        const sent = await store.outbox.list(message.tenant_id, { approvalId: message.approval_id, status: ['delivered'], limit: 100 });
        return sent.filter((other) => other.channel === message.channel && other.id !== message.id).reverse();
      },
      async waitingBefore(message) {
        if (message.approval_id === null) return undefined;
        const open = await store.outbox.list(message.tenant_id, {
          approvalId: message.approval_id,
          status: ['pending', 'sending'],
          limit: 100,
        });
        return open.find((other) => other.channel === message.channel && other.id !== message.id && deliveryOrder(other, message) < 0);
      },
      ticket: {
        get: () => store.tickets.get(...key),
        record: (ticket) => {
          const now = this.deps.clock.now();
          return store.tickets.record({
            tenant_id: message.tenant_id,
            approval_id: message.approval_id ?? '',
            channel: message.channel,
            channel_type: message.channel_type,
            ...ticket,
            created_at: now,
            updated_at: now,
          });
        },
        setDigest: (digest) => store.tickets.setDigest(...key, digest, this.deps.clock.now()),
      },
    };
  }
}
