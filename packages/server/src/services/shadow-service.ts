// Shadow mode (DESIGN §3.6): a candidate policy evaluated beside the live one on every decision,
// enforcing nothing. The candidate is kept in the database, so it survives restarts and every node
// evaluates it; only disagreements are stored, written in batches off the decision path.
// Promotion (audited) makes it the live policy on every node, kept in the database in place of
// the policy files until those change (PolicyService.promote holds the rule).

import { gateOf, type CompiledPolicy, type PolicyDecision, type PolicyFile } from '@tollgate/core';
import { TollgateError } from '../errors.js';
import type { ActionRecord, ShadowDiffRecord } from '../stores/records.js';
import type { Store, StoredPolicy } from '../stores/store.js';
import type { Clock } from '../util/clock.js';
import { newId } from '../util/ids.js';
import { appendAudit } from './audit-chain.js';
import type { EventBus } from './event-bus.js';
import type { PolicyService } from './policy-service.js';
import { compileCandidate } from './simulation-service.js';

/** Differences held in memory before a write; a burst of them becomes one insert. */
const FLUSH_AT = 200;
const FLUSH_AFTER_MS = 50;
const EXAMPLES = 10;
/** How often a node re-reads the stored policies, in case it missed another node's event. */
export const SHADOW_SYNC_EVERY_MS = 5_000;

interface Shadow {
  policy: CompiledPolicy;
  files: PolicyFile[];
  /** When it was stored: differences are counted from then. */
  loaded_at: number;
  /** Per tenant: decisions seen and how many differed, since this process loaded the shadow. */
  seen: Map<string, { evaluated: number; differed: number }>;
}

export interface ShadowSummary {
  version: string;
  live_version: string;
  loaded_at: string;
  evaluated: number;
  differed: number;
  /** Recorded differences by direction, counted from the stored rows (all processes). */
  stored: { total: number; stricter: number; looser: number };
  changes: { from: string; to: string; direction: 'stricter' | 'looser'; live_rule: string; shadow_rule: string; count: number }[];
  examples: ShadowDiffRecord[];
}

/** What `restore` found in the database at start, for the log. */
export interface RestoreReport {
  /** A promoted policy applied in place of the files. */
  promoted?: string;
  /** A promoted policy dropped because the policy files changed since. */
  dropped?: string;
  /** A stored policy that no longer loads, left in place and not applied. */
  broken?: { slot: StoredPolicy['slot']; version: string };
  shadow?: string;
}

const RANK: Record<string, number> = { ALLOW: 0, REVIEW: 1, REQUIRE_APPROVAL: 2, DENY: 3 };

export class ShadowService {
  #shadow: Shadow | undefined;
  /** The stored promotion this process applied, while it stands in for the files. */
  #promoted: StoredPolicy | undefined;
  #queue: ShadowDiffRecord[] = [];
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> = Promise.resolve();
  #syncTimer: NodeJS.Timeout | undefined;
  #syncing: Promise<void> | undefined;

  constructor(
    private readonly deps: { store: Store; clock: Clock; policies: PolicyService; bus: EventBus; onError?: (error: unknown) => void },
  ) {
    // Another node stored a shadow, cleared it or promoted it: read the database, as a reload
    // reads the policy files.
    deps.bus.subscribe(undefined, (event) => {
      if (event.remote === true && (event.type === 'policy.shadow_changed' || event.type === 'policy.reloaded'))
        void this.sync().catch((error: unknown) => this.deps.onError?.(error));
    });
    // The policy files changed to something the promotion did not replace: they win, and the
    // stored promotion is history.
    deps.policies.onChange(() => {
      const promoted = this.#promoted;
      if (promoted === undefined || deps.policies.promotedVersion() !== undefined) return;
      this.#promoted = undefined;
      void this.#dropPromotion(promoted).catch((error: unknown) => this.deps.onError?.(error));
    });
  }

  current(): { version: string; files: PolicyFile[]; loaded_at: number } | undefined {
    const shadow = this.#shadow;
    return shadow === undefined ? undefined : { version: shadow.policy.version, files: shadow.files, loaded_at: shadow.loaded_at };
  }

  /**
   * At start, before serving: applies a stored promotion while the policy files still hold a
   * version it replaced (else drops it), then loads the stored shadow — or stores `startup` (the
   * `--shadow` files) as the shadow when it differs from the stored one.
   */
  async restore(startup?: PolicyFile[]): Promise<RestoreReport> {
    const { store, policies, clock } = this.deps;
    const report: RestoreReport = {};
    const promoted = await store.shadowDiffs.getPolicy('promoted');
    if (promoted !== undefined) {
      const files = policies.current().version;
      if (files === promoted.version || promoted.replaces.includes(files)) {
        const result = policies.promote(promoted.files, promoted.replaces);
        if (result.ok) {
          this.#promoted = promoted;
          report.promoted = promoted.version;
        } else report.broken = { slot: 'promoted', version: promoted.version };
      } else {
        await this.#dropPromotion(promoted);
        report.dropped = promoted.version;
      }
    }
    if (startup !== undefined) {
      const policy = compileCandidate(startup);
      const stored = await store.shadowDiffs.getPolicy('shadow');
      if (stored?.version !== policy.version)
        await store.shadowDiffs.putPolicy({
          slot: 'shadow',
          version: policy.version,
          files: startup,
          replaces: [],
          tenant_id: null,
          actor: 'system',
          created_at: clock.now(),
        });
    }
    await this.#syncShadow(report);
    if (this.#shadow !== undefined) report.shadow = this.#shadow.policy.version;
    return report;
  }

  /** Re-reads the stored shadow and promotion and applies what changed. Overlapping calls share one read. */
  sync(): Promise<void> {
    this.#syncing ??= (async () => {
      await this.#syncShadow();
      await this.#syncPromotion();
    })().finally(() => {
      this.#syncing = undefined;
    });
    return this.#syncing;
  }

  /** Re-reads the stored policies every `intervalMs` until `close`: events between nodes are best effort. */
  watch(intervalMs = SHADOW_SYNC_EVERY_MS): void {
    if (this.#syncTimer !== undefined) return;
    this.#syncTimer = setInterval(() => void this.sync().catch((error: unknown) => this.deps.onError?.(error)), intervalMs).unref();
  }

  async #syncShadow(report?: RestoreReport): Promise<void> {
    const stored = await this.deps.store.shadowDiffs.getPolicy('shadow');
    const local = this.#shadow;
    if (stored === undefined) {
      if (local !== undefined) {
        this.#shadow = undefined;
        await this.flush();
      }
      return;
    }
    if (local !== undefined && local.policy.version === stored.version && local.loaded_at === stored.created_at) return;
    try {
      this.#load(compileCandidate(stored.files), stored.files, stored.created_at);
    } catch (error) {
      // Stored by an older release whose rules this one rejects: evaluate nothing rather than fail.
      this.#shadow = undefined;
      if (report !== undefined) report.broken = { slot: 'shadow', version: stored.version };
      else this.deps.onError?.(error);
    }
  }

  async #syncPromotion(): Promise<void> {
    const { policies } = this.deps;
    const stored = await this.deps.store.shadowDiffs.getPolicy('promoted');
    if (stored === undefined || stored.version === policies.promotedVersion()) return;
    // Promoted elsewhere over the policy this node runs: take it. A node running other files
    // (deployed since) keeps them.
    const live = policies.current().version;
    if (live !== stored.version && !stored.replaces.includes(live)) return;
    const result = policies.promote(stored.files, stored.replaces);
    if (!result.ok) throw new TollgateError('policy.invalid', 'the promoted policy does not load', { diagnostics: result.diagnostics });
    this.#promoted = stored;
  }

  #load(policy: CompiledPolicy, files: PolicyFile[], loadedAt: number): void {
    this.#shadow = { policy, files, loaded_at: loadedAt, seen: new Map() };
  }

  /** Stores a candidate as the shadow of every node (throws policy.invalid with its diagnostics); audited. */
  async set(files: PolicyFile[], tenantId: string, actor: string): Promise<string> {
    const policy = compileCandidate(files);
    const now = this.deps.clock.now();
    await this.deps.store.transaction(async (scope) => {
      await scope.shadowDiffs.putPolicy({
        slot: 'shadow',
        version: policy.version,
        files,
        replaces: [],
        tenant_id: tenantId,
        actor,
        created_at: now,
      });
      await appendAudit(
        scope,
        tenantId,
        [
          {
            type: 'policy.shadow_set',
            actor,
            subject: null,
            data: { shadow_version: policy.version, live_version: this.deps.policies.current().version },
          },
        ],
        now,
      );
    });
    await this.flush();
    this.#load(policy, files, now);
    this.#announce(tenantId, { shadow_version: policy.version });
    return policy.version;
  }

  /** Stops shadowing on every node; audited. */
  async clear(tenantId: string, actor: string): Promise<void> {
    const now = this.deps.clock.now();
    const version = await this.deps.store.transaction(async (scope) => {
      const stored = await scope.shadowDiffs.getPolicy('shadow');
      if (stored === undefined || !(await scope.shadowDiffs.deletePolicy('shadow'))) return undefined;
      await appendAudit(
        scope,
        tenantId,
        [{ type: 'policy.shadow_cleared', actor, subject: null, data: { shadow_version: stored.version } }],
        now,
      );
      return stored.version;
    });
    this.#shadow = undefined;
    await this.flush();
    if (version === undefined) throw new TollgateError('shadow.not_set', 'no shadow policy is loaded');
    this.#announce(tenantId, { shadow_version: null });
  }

  /**
   * On the decision path, after the action is stored: one more in-memory evaluation with the
   * same inputs; a disagreement is queued, never awaited, and never changes the live decision.
   */
  observe(action: ActionRecord, options: { level?: number; novel?: boolean }): void {
    const shadow = this.#shadow;
    if (shadow === undefined) return;
    let evaluation: PolicyDecision;
    try {
      evaluation = shadow.policy.evaluate(action.payload, { now: action.created_at, actionId: action.id, ...options });
    } catch (error) {
      this.deps.onError?.(error);
      return;
    }
    let seen = shadow.seen.get(action.tenant_id);
    if (seen === undefined) shadow.seen.set(action.tenant_id, (seen = { evaluated: 0, differed: 0 }));
    seen.evaluated++;
    if (evaluation.decision === action.decision) return;
    seen.differed++;
    this.#queue.push({
      id: newId('shd', action.created_at),
      tenant_id: action.tenant_id,
      action_id: action.id,
      agent: action.agent,
      action_type: action.action_type,
      environment: action.environment,
      live_version: action.policy_version,
      shadow_version: shadow.policy.version,
      live_decision: action.decision,
      shadow_decision: evaluation.decision,
      live_gate: gateOf(action.evaluation),
      shadow_gate: gateOf(evaluation),
      created_at: action.created_at,
    });
    if (this.#queue.length >= FLUSH_AT) void this.flush();
    else this.#timer ??= setTimeout(() => void this.flush(), FLUSH_AFTER_MS).unref();
  }

  /** Writes the queued differences; resolves when everything queued so far is stored. */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const batch = this.#queue;
    this.#queue = [];
    this.#writing = this.#writing.then(async () => {
      if (batch.length === 0) return;
      try {
        await this.deps.store.shadowDiffs.insert(batch);
      } catch (error) {
        // Shadow results are advisory: losing a batch must not disturb live decisions.
        this.deps.onError?.(error);
      }
    });
    return this.#writing;
  }

  async summary(tenantId: string): Promise<ShadowSummary> {
    await this.sync();
    const shadow = this.#require();
    await this.flush();
    const version = shadow.policy.version;
    const since = shadow.loaded_at;
    const counts = await this.deps.store.shadowDiffs.counts(tenantId, version, since);
    const changes = counts
      .map((c) => ({
        from: c.live_decision,
        to: c.shadow_decision,
        direction: (RANK[c.shadow_decision]! > RANK[c.live_decision]! ? 'stricter' : 'looser') as 'stricter' | 'looser',
        live_rule: c.live_gate,
        shadow_rule: c.shadow_gate,
        count: c.count,
      }))
      .sort((a, b) => b.count - a.count || (a.from + a.to + a.shadow_rule < b.from + b.to + b.shadow_rule ? -1 : 1));
    const seen = shadow.seen.get(tenantId) ?? { evaluated: 0, differed: 0 };
    const stricter = changes.filter((c) => c.direction === 'stricter').reduce((n, c) => n + c.count, 0);
    const total = changes.reduce((n, c) => n + c.count, 0);
    return {
      version,
      live_version: this.deps.policies.current().version,
      loaded_at: new Date(shadow.loaded_at).toISOString(),
      evaluated: seen.evaluated,
      differed: seen.differed,
      stored: { total, stricter, looser: total - stricter },
      changes,
      examples: await this.deps.store.shadowDiffs.list(tenantId, version, { since, limit: EXAMPLES }),
    };
  }

  /**
   * Makes the stored shadow the live policy of every node (audited with what it was seen to
   * change) and ends shadowing. The promotion is stored, so restarts keep it while the policy
   * files still hold the version it replaced. A candidate that no longer loads is refused with
   * its diagnostics, and nothing changes.
   */
  async promote(tenantId: string, actor: string): Promise<{ version: string; previous: string; summary: ShadowSummary }> {
    const { store, policies, clock } = this.deps;
    const stored = await store.shadowDiffs.getPolicy('shadow');
    if (stored === undefined) throw new TollgateError('shadow.not_set', 'no shadow policy is loaded');
    // Checked again: the shadow may have been stored by an older release.
    const candidate = compileCandidate(stored.files);
    const summary = await this.summary(tenantId);
    const previous = policies.current().version;
    // The versions of policy files this promotion stands in for: the live one, and those an
    // earlier promotion (still applied here) stood in for.
    const earlier = this.#promoted !== undefined && policies.promotedVersion() === this.#promoted.version ? this.#promoted.replaces : [];
    const replaces = [...new Set([previous, ...earlier])].filter((version) => version !== candidate.version);
    const now = clock.now();
    const promoted: StoredPolicy = {
      slot: 'promoted',
      version: candidate.version,
      files: stored.files,
      replaces,
      tenant_id: tenantId,
      actor,
      created_at: now,
    };
    await store.transaction(async (scope) => {
      const current = await scope.shadowDiffs.getPolicy('shadow');
      if (current?.version !== stored.version || current.created_at !== stored.created_at)
        throw new TollgateError('shadow.changed', 'the shadow policy changed meanwhile; look at it again before promoting');
      await scope.shadowDiffs.putPolicy(promoted);
      await scope.shadowDiffs.deletePolicy('shadow');
      await appendAudit(
        scope,
        tenantId,
        [
          {
            type: 'policy.promoted',
            actor,
            subject: null,
            data: {
              version: candidate.version,
              previous_version: previous,
              shadow_evaluated: summary.evaluated,
              shadow_differed: summary.differed,
              stricter: summary.stored.stricter,
              looser: summary.stored.looser,
            },
          },
        ],
        now,
      );
    });
    const result = policies.promote(stored.files, replaces);
    if (!result.ok) throw new TollgateError('policy.invalid', 'the shadow policy no longer loads', { diagnostics: result.diagnostics });
    this.#promoted = promoted;
    this.#shadow = undefined;
    await this.flush();
    if (result.changed) this.deps.bus.publish({ type: 'policy.reloaded', tenant_id: tenantId, at: now, data: { version: result.version } });
    this.#announce(tenantId, { shadow_version: null, promoted: result.version });
    return { version: result.version, previous, summary };
  }

  async close(): Promise<void> {
    clearInterval(this.#syncTimer);
    this.#syncTimer = undefined;
    await this.#syncing?.catch(() => undefined);
    await this.flush();
  }

  #require(): Shadow {
    if (this.#shadow === undefined) throw new TollgateError('shadow.not_set', 'no shadow policy is loaded');
    return this.#shadow;
  }

  /** Tells the other nodes (and live views) that the stored policies changed. */
  #announce(tenantId: string, data: Record<string, unknown>): void {
    this.deps.bus.publish({ type: 'policy.shadow_changed', tenant_id: tenantId, at: this.deps.clock.now(), data });
  }

  /** Deletes a stored promotion the policy files have moved past, audited where it was made. */
  async #dropPromotion(promoted: StoredPolicy): Promise<void> {
    const now = this.deps.clock.now();
    await this.deps.store.transaction(async (scope) => {
      const current = await scope.shadowDiffs.getPolicy('promoted');
      if (current?.version !== promoted.version) return;
      await scope.shadowDiffs.deletePolicy('promoted');
      if (promoted.tenant_id !== null)
        await appendAudit(
          scope,
          promoted.tenant_id,
          [
            {
              type: 'policy.promotion_superseded',
              actor: 'system',
              subject: null,
              data: { version: promoted.version, files_version: this.deps.policies.current().version },
            },
          ],
          now,
        );
    });
  }
}
