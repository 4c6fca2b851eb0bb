// The versions each tenant's live policy has had, kept in the database so that every node shows
// the same history, and a policy files change audited on the chain of the tenant it changes
// (promotions and pushes audit themselves, in the transaction that stores them).

import type { CompiledPolicy, PolicyFile } from '@tollgate/core';
import type { PolicyVersionEntry, Store } from '../stores/store.js';
import type { Clock } from '../util/clock.js';
import { appendAudit } from './audit-chain.js';
import type { TenantPolicies } from './tenant-policies.js';

const VERSIONS_SHOWN = 50;

export class PolicyHistory {
  #writing: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: { store: Store; clock: Clock; policies: TenantPolicies; onError?: (error: unknown) => void }) {
    deps.policies.onChange((tenantId, policy) => this.#queue(tenantId, policy));
  }

  /** Records every loaded tenant's live version (at start). */
  async recordLoaded(): Promise<void> {
    for (const tenantId of this.deps.policies.tenants()) this.#queue(tenantId, this.deps.policies.for(tenantId).current());
    await this.settled();
  }

  /** Resolves when every change seen so far is recorded. */
  settled(): Promise<void> {
    return this.#writing.then(() => undefined);
  }

  /** The tenant's latest versions, oldest first; the live one is listed even before its record is written. */
  async versions(tenantId: string): Promise<PolicyVersionEntry[]> {
    await this.settled();
    const entries = (await this.deps.store.tenantPolicies.versions(tenantId, VERSIONS_SHOWN)).reverse();
    const live = this.deps.policies.for(tenantId);
    if (!entries.some((entry) => entry.version === live.current().version)) {
      const now = this.deps.clock.now();
      entries.push({ version: live.current().version, source: live.source(), first_live_at: now, last_live_at: now });
    }
    return entries;
  }

  #queue(tenantId: string, policy: CompiledPolicy): void {
    const live = this.deps.policies.for(tenantId);
    const source = live.source();
    const files: PolicyFile[] = live.currentFiles();
    this.#writing = this.#writing
      .then(() => this.#record(tenantId, policy.version, source, files))
      .catch((error: unknown) => this.deps.onError?.(error));
  }

  async #record(tenantId: string, version: string, source: PolicyVersionEntry['source'], files: PolicyFile[]): Promise<void> {
    const now = this.deps.clock.now();
    await this.deps.store.transaction(async (scope) => {
      const earlier = await scope.tenantPolicies.versions(tenantId, 1);
      const first = await scope.tenantPolicies.recordVersion(tenantId, version, source, files, now);
      // A change of the policy files, not the first load of a new database. Every node reloads
      // the same files; the first to record the version audits it.
      if (first && source === 'files' && earlier.length > 0)
        await appendAudit(scope, tenantId, [{ type: 'policy.loaded', actor: 'system', subject: null, data: { version, source } }], now);
    });
  }
}
