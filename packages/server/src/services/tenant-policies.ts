// Every tenant's live policy (DESIGN §2: each tenant has its own). The operator's `--policy`
// folder serves the default tenant, and the settings file may map other tenants to folders; any
// other tenant starts on the starter policy until its admin pushes or promotes one of its own.
// Nothing one tenant does to its policy reaches another's.

import type { CompiledPolicy } from '@tollgate/core';
import type { ServerSettings } from '../config/server-settings.js';
import type { Clock } from '../util/clock.js';
import { PolicyLoadError, PolicyService, type ReloadResult } from './policy-service.js';
import { DEFAULT_TENANT } from './auth-service.js';

export class TenantPolicies {
  readonly #byTenant = new Map<string, PolicyService>();
  readonly #listeners = new Set<(tenantId: string, policy: CompiledPolicy) => void>();
  #watching: ((tenantId: string, result: ReloadResult) => void) | undefined;
  /** Whether any tenant's policy has a notification channel; undefined until asked after a change. */
  #anyChannels: boolean | undefined;

  private constructor(private readonly clock: Clock) {}

  /**
   * Loads the operator's policy folders: `defaultPath` for the default tenant, and each tenant the
   * settings map to a folder. Throws PolicyLoadError (naming the tenant) when one does not load.
   */
  static load(source: { defaultPath: string; settings?: ServerSettings } | { files: PolicyService }, clock: Clock): TenantPolicies {
    const policies = new TenantPolicies(clock);
    if ('files' in source) {
      policies.#add(DEFAULT_TENANT, source.files);
      return policies;
    }
    const paths: [string, string][] = [[DEFAULT_TENANT, source.defaultPath]];
    for (const [tenantId, tenant] of Object.entries(source.settings?.tenants ?? {}))
      if (tenant.policy !== undefined) paths.push([tenantId, tenant.policy]);
    for (const [tenantId, path] of paths) {
      try {
        policies.#add(tenantId, PolicyService.load({ path }, clock));
      } catch (error) {
        if (error instanceof PolicyLoadError && tenantId !== DEFAULT_TENANT)
          throw new PolicyLoadError(error.diagnostics, `tenant \`${tenantId}\`'s policy (${path})`);
        throw error;
      }
    }
    return policies;
  }

  /** The tenant's policy; a tenant seen for the first time gets the starter policy. */
  for(tenantId: string): PolicyService {
    return this.#byTenant.get(tenantId) ?? this.#add(tenantId, PolicyService.starter(this.clock));
  }

  /** The tenants whose policy this process holds. */
  tenants(): string[] {
    return [...this.#byTenant.keys()];
  }

  /** Whether any tenant's policy names a notification channel (asked on every approval change, so kept). */
  anyChannels(): boolean {
    this.#anyChannels ??= [...this.#byTenant.values()].some((policy) => (policy.current().bundle.notifications?.channels.length ?? 0) > 0);
    return this.#anyChannels;
  }

  /** Called with the tenant and its new policy whenever one changes. */
  onChange(listener: (tenantId: string, policy: CompiledPolicy) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Reloads every folder-served tenant's policy when its files change. */
  watch(onResult: (tenantId: string, result: ReloadResult) => void): void {
    this.#watching = onResult;
    for (const [tenantId, policy] of this.#byTenant) policy.watch((result) => onResult(tenantId, result));
  }

  close(): void {
    for (const policy of this.#byTenant.values()) policy.close();
  }

  #add(tenantId: string, policy: PolicyService): PolicyService {
    this.#byTenant.set(tenantId, policy);
    this.#anyChannels = undefined;
    policy.onChange((compiled) => {
      this.#anyChannels = undefined;
      for (const listener of this.#listeners) listener(tenantId, compiled);
    });
    const watching = this.#watching;
    if (watching !== undefined) policy.watch((result) => watching(tenantId, result));
    return policy;
  }
}
