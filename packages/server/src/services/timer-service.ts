// Approval deadlines: a sweep claims the requests whose deadline has passed and applies the
// policy's `on_timeout` once. Deadlines live in the database, so they survive restarts; claiming
// in a transaction (FOR UPDATE SKIP LOCKED on PostgreSQL) makes each fire exactly once.

import type { ApprovalRecord } from '../stores/records.js';
import type { Store, StoreScope } from '../stores/store.js';
import type { Clock } from '../util/clock.js';
import { appendAudit, type AuditDraft } from './audit-chain.js';
import type { EventBus } from './event-bus.js';
import { newGrant } from './grants.js';
import type { PolicyService } from './policy-service.js';

const BATCH = 500;

export interface TimedOut {
  approval: ApprovalRecord;
  status: ApprovalRecord['status'];
}

export class TimerService {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;

  constructor(private readonly deps: { store: Store; bus: EventBus; clock: Clock; policies: PolicyService; secret: string }) {}

  /** Sweeps every `intervalMs` until stopped. */
  start(intervalMs = 1000): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => void this.sweep().catch(() => undefined), intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Fires every due deadline now; returns how many fired. Overlapping calls share one sweep. */
  sweep(): Promise<number> {
    this.running ??= this.sweepAll().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async sweepAll(): Promise<number> {
    let fired = 0;
    for (;;) {
      const batch = await this.deps.store.transaction((scope) => this.fireDue(scope));
      fired += batch.length;
      for (const { approval, status } of batch) {
        this.deps.bus.publish({
          type: 'approval.timed_out',
          tenant_id: approval.tenant_id,
          approval_id: approval.id,
          action_id: approval.action_id,
          status,
          at: this.deps.clock.now(),
        });
      }
      if (batch.length < BATCH) return fired;
    }
  }

  private async fireDue(scope: StoreScope): Promise<TimedOut[]> {
    const now = this.deps.clock.now();
    const due = await scope.approvals.claimDue(now, BATCH);
    const onTimeout = this.deps.policies.current().bundle.defaults.on_timeout ?? 'deny';
    const fired: TimedOut[] = [];
    for (const approval of due) {
      // Escalation chains arrive with multi-stage workflows; a single-stage request that ran out of time ends here.
      const approve = onTimeout === 'approve';
      const status: ApprovalRecord['status'] = approve ? 'approved' : 'timed_out';
      const resolution = `no decision before the deadline (${new Date(approval.deadline ?? now).toISOString()}); on_timeout: ${onTimeout}`;
      if (!(await scope.approvals.update(approval.tenant_id, approval.id, approval.version, { status, decided_at: now, resolution })))
        continue;
      await scope.actions.transition(approval.tenant_id, approval.action_id, ['pending'], {
        status: approve ? 'approved' : 'timed_out',
        decided_at: now,
      });
      const audit: AuditDraft[] = [
        {
          type: 'approval.timed_out',
          actor: 'system',
          subject: approval.id,
          data: { action_id: approval.action_id, on_timeout: onTimeout, status },
        },
      ];
      if (approve) {
        const grant = newGrant(this.deps.secret, approval.tenant_id, approval.action_id, approval.id, approval.digest, now);
        await scope.grants.insert(grant);
        audit.push({
          type: 'grant.issued',
          actor: 'system',
          subject: approval.action_id,
          data: { grant_id: grant.id, digest: grant.digest, expires_at: grant.expires_at },
        });
      }
      await appendAudit(scope, approval.tenant_id, audit, now);
      fired.push({ approval, status });
    }
    return fired;
  }
}
