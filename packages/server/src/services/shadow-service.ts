// Shadow mode (DESIGN §3.6): a candidate policy evaluated beside the live one on every decision,
// enforcing nothing. Only disagreements are stored, written in batches off the decision path;
// promotion swaps the live policy and is audited.

import { gateOf, type CompiledPolicy, type PolicyDecision, type PolicyFile } from '@tollgate/core';
import { TollgateError } from '../errors.js';
import type { ActionRecord, ShadowDiffRecord } from '../stores/records.js';
import type { Store } from '../stores/store.js';
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

interface Shadow {
  policy: CompiledPolicy;
  files: PolicyFile[];
  loaded_at: number;
  /** Per tenant: decisions seen and how many differed, since the shadow was loaded in this process. */
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

const RANK: Record<string, number> = { ALLOW: 0, REVIEW: 1, REQUIRE_APPROVAL: 2, DENY: 3 };

export class ShadowService {
  #shadow: Shadow | undefined;
  #queue: ShadowDiffRecord[] = [];
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: { store: Store; clock: Clock; policies: PolicyService; bus: EventBus; onError?: (error: unknown) => void },
  ) {}

  current(): { version: string; files: PolicyFile[]; loaded_at: number } | undefined {
    const shadow = this.#shadow;
    return shadow === undefined ? undefined : { version: shadow.policy.version, files: shadow.files, loaded_at: shadow.loaded_at };
  }

  /** Loads a candidate as the shadow (throws policy.invalid with its diagnostics). */
  load(files: PolicyFile[]): string {
    const policy = compileCandidate(files);
    this.#shadow = { policy, files, loaded_at: this.deps.clock.now(), seen: new Map() };
    return policy.version;
  }

  async set(files: PolicyFile[], tenantId: string, actor: string): Promise<string> {
    const version = this.load(files);
    await this.#audit(tenantId, actor, {
      type: 'policy.shadow_set',
      data: {
        shadow_version: version,
        live_version: this.deps.policies.current().version,
      },
    });
    return version;
  }

  async clear(tenantId: string, actor: string): Promise<void> {
    const version = this.#require().policy.version;
    this.#shadow = undefined;
    await this.flush();
    await this.#audit(tenantId, actor, { type: 'policy.shadow_cleared', data: { shadow_version: version } });
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

  /** Makes the shadow the live policy (audited with what it was seen to change) and ends shadowing. */
  async promote(tenantId: string, actor: string): Promise<{ version: string; previous: string; summary: ShadowSummary }> {
    const shadow = this.#require();
    const summary = await this.summary(tenantId);
    const previous = this.deps.policies.current().version;
    const result = this.deps.policies.reload(shadow.files);
    if (!result.ok) throw new TollgateError('policy.invalid', 'the shadow policy no longer loads', { diagnostics: result.diagnostics });
    this.#shadow = undefined;
    await this.#audit(tenantId, actor, {
      type: 'policy.promoted',
      data: {
        version: result.version,
        previous_version: previous,
        shadow_evaluated: summary.evaluated,
        shadow_differed: summary.differed,
        stricter: summary.stored.stricter,
        looser: summary.stored.looser,
      },
    });
    if (result.changed)
      this.deps.bus.publish({ type: 'policy.reloaded', tenant_id: tenantId, at: this.deps.clock.now(), data: { version: result.version } });
    return { version: result.version, previous, summary };
  }

  async close(): Promise<void> {
    await this.flush();
  }

  #require(): Shadow {
    if (this.#shadow === undefined) throw new TollgateError('shadow.not_set', 'no shadow policy is loaded');
    return this.#shadow;
  }

  async #audit(tenantId: string, actor: string, event: { type: string; data: Record<string, unknown> }): Promise<void> {
    const now = this.deps.clock.now();
    await this.deps.store.transaction((scope) => appendAudit(scope, tenantId, [{ ...event, actor, subject: null }], now));
  }
}
