// Approval deadlines and reminders: a sweep claims the requests whose next timer is due and
// gives their workflow a `tick`. Timers live in the database (the request's `deadline` is its
// workflow's next timer), so they survive restarts; claiming inside a transaction (FOR UPDATE
// SKIP LOCKED on PostgreSQL) makes each fire exactly once across nodes.

import type { Store, StoreScope } from '../stores/store.js';
import type { Clock } from '../util/clock.js';
import { appendAudit, type AuditDraft } from './audit-chain.js';
import type { EventBus, LiveEvent } from './event-bus.js';
import { SweepWrites } from './sweep-writes.js';
import type { WorkflowRunner } from './workflow-runner.js';

const BATCH = 200;
/** Due timers fire within this of their deadline; an empty sweep is one indexed query. */
export const SWEEP_EVERY_MS = 250;
/** Sweeps running at once: on PostgreSQL each claims its own batch (SKIP LOCKED) on its own connection. */
const PARALLEL = { sqlite: 1, postgres: 4 } as const;

export class TimerService {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;

  constructor(
    private readonly deps: {
      store: Store;
      bus: EventBus;
      clock: Clock;
      runner: WorkflowRunner;
      /** Agents' questions, whose deadlines the same sweep applies. */
      questions?: { expireDue(): Promise<number> };
    },
  ) {}

  /** Sweeps every `intervalMs` until stopped. */
  start(intervalMs = SWEEP_EVERY_MS): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => void this.sweep().catch(() => undefined), intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  /** Fires every due timer now; returns how many requests it ticked. Overlapping calls share one sweep. */
  sweep(): Promise<number> {
    this.running ??= this.sweepAll().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async sweepAll(): Promise<number> {
    let fired = 0;
    const sweeper = async (): Promise<void> => {
      for (;;) {
        // Each request's logged event is held and the batch's written in one statement.
        const { count, live } = await this.deps.store.transaction((scope) => this.fireDue(scope), { holdInserts: true });
        fired += count;
        for (const event of live) this.deps.bus.publish(event);
        if (count < BATCH) return;
      }
    };
    await Promise.all(Array.from({ length: PARALLEL[this.deps.store.dialect] }, sweeper));
    await this.deps.questions?.expireDue();
    return fired;
  }

  private async fireDue(scope: StoreScope): Promise<{ count: number; live: LiveEvent[] }> {
    const now = this.deps.clock.now();
    const due = await scope.approvals.claimDue(now, BATCH);
    const live: LiveEvent[] = [];
    const audit = new Map<string, AuditDraft[]>();
    const writes = new SweepWrites(scope);
    for (const approval of due) {
      const collectAudit = (drafts: AuditDraft[]): void => {
        audit.set(approval.tenant_id, [...(audit.get(approval.tenant_id) ?? []), ...drafts]);
      };
      const applied = await this.deps.runner.apply(writes.scope, approval, { type: 'tick' }, now, 'system', { collectAudit });
      live.push(...applied.live);
    }
    await writes.apply();
    // One append per tenant and batch: the chain head is locked once, not once per request.
    for (const [tenantId, drafts] of audit) if (drafts.length > 0) await appendAudit(scope, tenantId, drafts, now);
    return { count: due.length, live };
  }
}
