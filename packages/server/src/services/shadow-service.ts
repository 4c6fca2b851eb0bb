// Each tenant's policy changes through the API (DESIGN §3.6): a shadow candidate evaluated beside
// the tenant's live policy on every decision, enforcing nothing; its promotion; and a push, which
// makes a policy live at once. All of it is per tenant and kept in the database, so every node and
// restart applies it, and audited on the chain of the tenant it changes. Only disagreements are
// stored, written in batches off the decision path. A promoted or pushed policy stands in for the
// tenant's policy files (or its starter policy) until those change (PolicyService.promote).

import { gateOf, type CompiledPolicy, type PolicyDecision, type PolicyFile } from '@tollgate/core';
import type { TenantSecrets } from '../config/tenant-secrets.js';
import { TollgateError } from '../errors.js';
import type { ActionRecord, ShadowDiffRecord } from '../stores/records.js';
import type { Store, StoredPolicy } from '../stores/store.js';
import type { Clock } from '../util/clock.js';
import { newId } from '../util/ids.js';
import { appendAudit } from './audit-chain.js';
import { DEFAULT_TENANT } from './auth-service.js';
import type { EventBus } from './event-bus.js';
import { compileCandidate } from './simulation-service.js';
import type { PolicyService } from './policy-service.js';
import type { TenantPolicies } from './tenant-policies.js';

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
  /** Decisions seen and how many differed, since this process loaded the shadow. */
  evaluated: number;
  differed: number;
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

/** What `restore` found in the database at start, for the log, per tenant. */
export interface RestoreReport {
  /** Tenants whose promoted policy is applied in place of their files: tenant → version. */
  promoted: Record<string, string>;
  /** Promotions dropped because the tenant's policy files changed since. */
  dropped: Record<string, string>;
  /** Stored policies that no longer load, left in place and not applied. */
  broken: { tenant_id: string; slot: StoredPolicy['slot']; version: string }[];
  /** Tenants with a shadow: tenant → version. */
  shadows: Record<string, string>;
}

const RANK: Record<string, number> = { ALLOW: 0, REVIEW: 1, REQUIRE_APPROVAL: 2, DENY: 3 };

export class ShadowService {
  readonly #shadows = new Map<string, Shadow>();
  /** The stored promotion this process applied per tenant, while it stands in for the files. */
  readonly #promoted = new Map<string, StoredPolicy>();
  #queue: ShadowDiffRecord[] = [];
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> = Promise.resolve();
  #syncTimer: NodeJS.Timeout | undefined;
  #syncing: Promise<void> | undefined;
  /** Stored promotions found not to load (tenant, version, stored at): not tried again every sync. */
  readonly #unloadable = new Set<string>();

  constructor(
    private readonly deps: {
      store: Store;
      clock: Clock;
      policies: TenantPolicies;
      bus: EventBus;
      secrets: TenantSecrets;
      onError?: (error: unknown) => void;
    },
  ) {
    // Another node stored a shadow, cleared it, promoted or pushed: read the database, as a
    // reload reads the policy files.
    deps.bus.subscribe(undefined, (event) => {
      if (event.remote === true && (event.type === 'policy.shadow_changed' || event.type === 'policy.reloaded'))
        void this.sync().catch((error: unknown) => this.deps.onError?.(error));
    });
    // A tenant's policy files changed to something its promotion did not replace: they win, and
    // the stored promotion is history.
    deps.policies.onChange((tenantId) => {
      const promoted = this.#promoted.get(tenantId);
      if (promoted === undefined || deps.policies.for(tenantId).promotedVersion() !== undefined) return;
      this.#promoted.delete(tenantId);
      void this.#dropPromotion(promoted).catch((error: unknown) => this.deps.onError?.(error));
    });
  }

  current(tenantId: string): { version: string; files: PolicyFile[]; loaded_at: number } | undefined {
    const shadow = this.#shadows.get(tenantId);
    return shadow === undefined ? undefined : { version: shadow.policy.version, files: shadow.files, loaded_at: shadow.loaded_at };
  }

  /**
   * At start, before serving: applies each tenant's stored promotion while its policy files still
   * hold a version it replaced (else drops it), loads the stored shadows, and stores `startup`
   * (the `--shadow` files) as the default tenant's shadow when it differs from the stored one.
   */
  async restore(startup?: PolicyFile[]): Promise<RestoreReport> {
    const { store, clock } = this.deps;
    const report: RestoreReport = { promoted: {}, dropped: {}, broken: [], shadows: {} };
    if (startup !== undefined) {
      const policy = this.#compile(DEFAULT_TENANT, startup);
      const stored = await store.tenantPolicies.get(DEFAULT_TENANT, 'shadow');
      if (stored?.version !== policy.version)
        await store.tenantPolicies.put({
          tenant_id: DEFAULT_TENANT,
          slot: 'shadow',
          version: policy.version,
          files: startup,
          replaces: [],
          actor: 'system',
          created_at: clock.now(),
        });
    }
    const tenants = new Set((await store.tenantPolicies.heads()).map((head) => head.tenant_id));
    for (const tenantId of tenants) {
      const promoted = await store.tenantPolicies.get(tenantId, 'promoted');
      if (promoted !== undefined) {
        const policies = this.deps.policies.for(tenantId);
        if (ShadowService.#stillStandsIn(policies, promoted)) {
          const result = policies.promote(promoted.files, promoted.replaces, promoted.source);
          if (result.ok) {
            this.#promoted.set(tenantId, promoted);
            report.promoted[tenantId] = promoted.version;
          } else report.broken.push({ tenant_id: tenantId, slot: 'promoted', version: promoted.version });
        } else {
          await this.#dropPromotion(promoted);
          report.dropped[tenantId] = promoted.version;
        }
      }
      await this.#syncShadow(tenantId, report);
      const shadow = this.#shadows.get(tenantId);
      if (shadow !== undefined) report.shadows[tenantId] = shadow.policy.version;
    }
    return report;
  }

  /** Re-reads what every tenant has stored and applies what changed. Overlapping calls share one read. */
  sync(): Promise<void> {
    this.#syncing ??= (async () => {
      const heads = await this.deps.store.tenantPolicies.heads();
      const stored = new Map<string, { shadow?: (typeof heads)[number]; promoted?: (typeof heads)[number] }>();
      for (const head of heads) stored.set(head.tenant_id, { ...stored.get(head.tenant_id), [head.slot]: head });
      const tenants = new Set([...stored.keys(), ...this.#shadows.keys()]);
      for (const tenantId of tenants) {
        const heads = stored.get(tenantId);
        const local = this.#shadows.get(tenantId);
        const shadowMoved =
          heads?.shadow === undefined
            ? local !== undefined
            : local === undefined || local.policy.version !== heads.shadow.version || local.loaded_at !== heads.shadow.created_at;
        // One tenant's stored policy that no longer loads is that tenant's problem alone: it is
        // reported once and left, and every other tenant is still synced (and told nothing of it).
        try {
          if (shadowMoved) await this.#syncShadow(tenantId);
          const promoted = heads?.promoted;
          if (promoted !== undefined && promoted.version !== this.deps.policies.for(tenantId).promotedVersion()) {
            const key = `${tenantId}\u0000${promoted.version}\u0000${promoted.created_at}`;
            if (!this.#unloadable.has(key)) {
              try {
                await this.#syncPromotion(tenantId);
              } catch (error) {
                this.#unloadable.add(key);
                throw error;
              }
            }
          }
        } catch (error) {
          this.deps.onError?.(error);
        }
      }
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

  async #syncShadow(tenantId: string, report?: RestoreReport): Promise<void> {
    const stored = await this.deps.store.tenantPolicies.get(tenantId, 'shadow');
    const local = this.#shadows.get(tenantId);
    if (stored === undefined) {
      if (local !== undefined) {
        this.#shadows.delete(tenantId);
        await this.flush();
      }
      return;
    }
    if (local !== undefined && local.policy.version === stored.version && local.loaded_at === stored.created_at) return;
    try {
      this.#load(tenantId, this.#compile(tenantId, stored.files), stored.files, stored.created_at);
    } catch (error) {
      // Stored by an older release whose rules this one rejects, or naming a secret the operator
      // has since taken back: evaluate nothing rather than fail.
      this.#shadows.delete(tenantId);
      if (report !== undefined) report.broken.push({ tenant_id: tenantId, slot: 'shadow', version: stored.version });
      else this.deps.onError?.(error);
    }
  }

  async #syncPromotion(tenantId: string): Promise<void> {
    const policies = this.deps.policies.for(tenantId);
    const stored = await this.deps.store.tenantPolicies.get(tenantId, 'promoted');
    if (stored === undefined || stored.version === policies.promotedVersion()) return;
    // Promoted elsewhere over the policy this node runs: take it. A node running other files
    // (deployed since) keeps them.
    if (!ShadowService.#stillStandsIn(policies, stored)) return;
    const result = policies.promote(stored.files, stored.replaces, stored.source);
    if (!result.ok) throw new TollgateError('policy.invalid', 'the promoted policy does not load', { diagnostics: result.diagnostics });
    this.#promoted.set(tenantId, stored);
  }

  /**
   * Whether a stored promotion still applies: the tenant's policy files hold a version it replaced
   * (or its own). A tenant without files has nothing that could have moved past it.
   */
  static #stillStandsIn(policies: PolicyService, promoted: StoredPolicy): boolean {
    const live = policies.current().version;
    return !policies.servedFromFiles() || live === promoted.version || promoted.replaces.includes(live);
  }

  #load(tenantId: string, policy: CompiledPolicy, files: PolicyFile[], loadedAt: number): void {
    this.#shadows.set(tenantId, { policy, files, loaded_at: loadedAt, evaluated: 0, differed: 0 });
  }

  /**
   * Compiles a policy a tenant's admin sent: it must load, and name only the secrets the operator
   * granted to the tenant (else any policy could read the server's environment).
   */
  #compile(tenantId: string, files: PolicyFile[]): CompiledPolicy {
    const policy = compileCandidate(files);
    const refused = this.deps.secrets.check(tenantId, policy.bundle);
    if (refused.length > 0)
      throw new TollgateError('policy.secret_not_granted', refused[0]!.message, { field: 'files', diagnostics: refused });
    return policy;
  }

  /** Stores a candidate as the tenant's shadow on every node (throws policy.invalid with its diagnostics); audited. */
  async set(files: PolicyFile[], tenantId: string, actor: string): Promise<string> {
    const policy = this.#compile(tenantId, files);
    const now = this.deps.clock.now();
    await this.deps.store.transaction(async (scope) => {
      await scope.tenantPolicies.put({
        tenant_id: tenantId,
        slot: 'shadow',
        version: policy.version,
        files,
        replaces: [],
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
            data: { shadow_version: policy.version, live_version: this.deps.policies.for(tenantId).current().version },
          },
        ],
        now,
      );
    });
    await this.flush();
    this.#load(tenantId, policy, files, now);
    this.#announce(tenantId, { shadow_version: policy.version });
    return policy.version;
  }

  /** Stops the tenant's shadow on every node; audited. */
  async clear(tenantId: string, actor: string): Promise<void> {
    const now = this.deps.clock.now();
    const version = await this.deps.store.transaction(async (scope) => {
      const stored = await scope.tenantPolicies.get(tenantId, 'shadow');
      if (stored === undefined || !(await scope.tenantPolicies.delete(tenantId, 'shadow'))) return undefined;
      await appendAudit(
        scope,
        tenantId,
        [{ type: 'policy.shadow_cleared', actor, subject: null, data: { shadow_version: stored.version } }],
        now,
      );
      return stored.version;
    });
    this.#shadows.delete(tenantId);
    await this.flush();
    if (version === undefined) throw new TollgateError('shadow.not_set', 'no shadow policy is loaded');
    this.#announce(tenantId, { shadow_version: null });
  }

  /**
   * On the decision path, after the action is stored: one more in-memory evaluation with the
   * same inputs under the tenant's shadow; a disagreement is queued, never awaited, and never
   * changes the live decision.
   */
  observe(action: ActionRecord, options: { level?: number; novel?: boolean }): void {
    const shadow = this.#shadows.get(action.tenant_id);
    if (shadow === undefined) return;
    let evaluation: PolicyDecision;
    try {
      evaluation = shadow.policy.evaluate(action.payload, { now: action.created_at, actionId: action.id, ...options });
    } catch (error) {
      this.deps.onError?.(error);
      return;
    }
    shadow.evaluated++;
    if (evaluation.decision === action.decision) return;
    shadow.differed++;
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
    const shadow = this.#require(tenantId);
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
    const stricter = changes.filter((c) => c.direction === 'stricter').reduce((n, c) => n + c.count, 0);
    const total = changes.reduce((n, c) => n + c.count, 0);
    return {
      version,
      live_version: this.deps.policies.for(tenantId).current().version,
      loaded_at: new Date(shadow.loaded_at).toISOString(),
      evaluated: shadow.evaluated,
      differed: shadow.differed,
      stored: { total, stricter, looser: total - stricter },
      changes,
      examples: await this.deps.store.shadowDiffs.list(tenantId, version, { since, limit: EXAMPLES }),
    };
  }

  /**
   * Makes the tenant's stored shadow its live policy on every node (audited with what it was seen
   * to change) and ends shadowing. A candidate that no longer loads is refused with its
   * diagnostics, and nothing changes.
   */
  async promote(tenantId: string, actor: string): Promise<{ version: string; previous: string; summary: ShadowSummary }> {
    const stored = await this.deps.store.tenantPolicies.get(tenantId, 'shadow');
    if (stored === undefined) throw new TollgateError('shadow.not_set', 'no shadow policy is loaded');
    // Checked again: the shadow may have been stored by an older release, or under other grants.
    const candidate = this.#compile(tenantId, stored.files);
    const summary = await this.summary(tenantId);
    const made = await this.#makeLive(tenantId, candidate, stored.files, actor, {
      check: async (scope) => {
        const current = await scope.tenantPolicies.get(tenantId, 'shadow');
        if (current?.version !== stored.version || current.created_at !== stored.created_at)
          throw new TollgateError('shadow.changed', 'the shadow policy changed meanwhile; look at it again before promoting');
        await scope.tenantPolicies.delete(tenantId, 'shadow');
      },
      audit: (previous) => ({
        type: 'policy.promoted',
        data: {
          version: candidate.version,
          previous_version: previous,
          shadow_evaluated: summary.evaluated,
          shadow_differed: summary.differed,
          stricter: summary.stored.stricter,
          looser: summary.stored.looser,
        },
      }),
    });
    this.#shadows.delete(tenantId);
    await this.flush();
    this.#announce(tenantId, { shadow_version: null, promoted: made.version });
    return { ...made, summary };
  }

  /**
   * Makes `files` the tenant's live policy at once, on every node (`tollgate policy push`); audited.
   * Like a promotion it stands in for the tenant's policy files until those change.
   */
  async push(tenantId: string, files: PolicyFile[], actor: string): Promise<{ version: string; previous: string; changed: boolean }> {
    const candidate = this.#compile(tenantId, files);
    const made = await this.#makeLive(tenantId, candidate, files, actor, {
      audit: (previous) => ({ type: 'policy.pushed', data: { version: candidate.version, previous_version: previous } }),
      source: 'pushed',
    });
    this.#announce(tenantId, { pushed: made.version });
    return made;
  }

  /** Stores `candidate` as the tenant's promoted policy, audits it in the same transaction, and applies it here. */
  async #makeLive(
    tenantId: string,
    candidate: CompiledPolicy,
    files: PolicyFile[],
    actor: string,
    how: {
      check?: (scope: Parameters<Parameters<Store['transaction']>[0]>[0]) => Promise<void>;
      audit: (previous: string) => { type: string; data: Record<string, unknown> };
      source?: 'promoted' | 'pushed';
    },
  ): Promise<{ version: string; previous: string; changed: boolean }> {
    const { store, clock } = this.deps;
    const policies = this.deps.policies.for(tenantId);
    const previous = policies.current().version;
    // The versions of policy files this stands in for: the live one, and those an earlier
    // promotion (still applied here) stood in for.
    const earlierPromotion = this.#promoted.get(tenantId);
    const earlier =
      earlierPromotion !== undefined && policies.promotedVersion() === earlierPromotion.version ? earlierPromotion.replaces : [];
    const replaces = [...new Set([previous, ...earlier])].filter((version) => version !== candidate.version);
    const now = clock.now();
    const promoted: StoredPolicy = {
      tenant_id: tenantId,
      slot: 'promoted',
      version: candidate.version,
      files,
      replaces,
      actor,
      created_at: now,
      source: how.source ?? 'promoted',
    };
    const audit = how.audit(previous);
    await store.transaction(async (scope) => {
      await how.check?.(scope);
      await scope.tenantPolicies.put(promoted);
      await appendAudit(scope, tenantId, [{ type: audit.type, actor, subject: null, data: audit.data }], now);
    });
    const result = policies.promote(files, replaces, how.source);
    if (!result.ok) throw new TollgateError('policy.invalid', 'the policy no longer loads', { diagnostics: result.diagnostics });
    this.#promoted.set(tenantId, promoted);
    if (result.changed) this.deps.bus.publish({ type: 'policy.reloaded', tenant_id: tenantId, at: now, data: { version: result.version } });
    return { version: result.version, previous, changed: result.changed };
  }

  async close(): Promise<void> {
    clearInterval(this.#syncTimer);
    this.#syncTimer = undefined;
    await this.#syncing?.catch(() => undefined);
    await this.flush();
  }

  #require(tenantId: string): Shadow {
    const shadow = this.#shadows.get(tenantId);
    if (shadow === undefined) throw new TollgateError('shadow.not_set', 'no shadow policy is loaded');
    return shadow;
  }

  /** Tells the other nodes (and live views) that the tenant's stored policies changed. */
  #announce(tenantId: string, data: Record<string, unknown>): void {
    this.deps.bus.publish({ type: 'policy.shadow_changed', tenant_id: tenantId, at: this.deps.clock.now(), data });
  }

  /** Deletes a stored promotion the tenant's policy files have moved past, audited on its chain. */
  async #dropPromotion(promoted: StoredPolicy): Promise<void> {
    const now = this.deps.clock.now();
    const tenantId = promoted.tenant_id;
    await this.deps.store.transaction(async (scope) => {
      const current = await scope.tenantPolicies.get(tenantId, 'promoted');
      if (current?.version !== promoted.version) return;
      await scope.tenantPolicies.delete(tenantId, 'promoted');
      await appendAudit(
        scope,
        tenantId,
        [
          {
            type: 'policy.promotion_superseded',
            actor: 'system',
            subject: null,
            data: { version: promoted.version, files_version: this.deps.policies.for(tenantId).current().version },
          },
        ],
        now,
      );
    });
  }
}
