// What people see of agents: level, track record per action class, and the history of level
// changes; and the admin's hand on the level.

import { TollgateError } from '../errors.js';
import type { AgentClassRecord } from '../stores/records.js';
import type { Store } from '../stores/store.js';
import type { Clock } from '../util/clock.js';
import { appendAudit } from './audit-chain.js';
import { setLevel, startingLevel } from './autonomy-service.js';
import { retryOnConflict } from './concurrency.js';
import type { TenantPolicies } from './tenant-policies.js';
import type { UserPrincipal } from './principals.js';

export interface AgentView {
  name: string;
  level: number;
  level_since: string | null;
  successes_toward_promotion: number;
  promote_after: number | null;
  totals: { successes: number; failures: number; denials: number; reversals: number; flags: number };
}

export interface AgentDetail extends AgentView {
  classes: AgentClassRecord[];
  history: { at: string; type: string; from: unknown; to: unknown; reason: unknown; actor: string }[];
}

const EMPTY_TOTALS = { successes: 0, failures: 0, denials: 0, reversals: 0, flags: 0 };

export class AgentService {
  constructor(private readonly deps: { store: Store; clock: Clock; policies: TenantPolicies }) {}

  async list(tenantId: string): Promise<AgentView[]> {
    const { store } = this.deps;
    const known = new Map((await store.agents.list(tenantId)).map((agent) => [agent.name, agent]));
    // Agents with keys but no track record yet are listed too, at their starting level.
    for (const key of await store.keys.list(tenantId))
      if (!known.has(key.agent) && key.revoked_at === null) known.set(key.agent, undefined as never);
    const views: AgentView[] = [];
    for (const name of [...known.keys()].sort()) views.push(await this.view(tenantId, name));
    return views;
  }

  async get(tenantId: string, name: string): Promise<AgentDetail> {
    const { store } = this.deps;
    const row = await store.agents.get(tenantId, name);
    const keys = await store.keys.list(tenantId);
    if (row === undefined && !keys.some((key) => key.agent === name)) throw new TollgateError('agent.not_found', `no agent \`${name}\``);
    const history = (await store.audit.list(tenantId, { subject: `agent:${name}`, limit: 1000 })).map((event) => ({
      at: new Date(event.created_at).toISOString(),
      type: event.type,
      from: event.data.from,
      to: event.data.to,
      reason: event.data.reason,
      actor: event.actor,
    }));
    return { ...(await this.view(tenantId, name)), classes: await store.agentRecords.list(tenantId, name), history };
  }

  async setLevel(principal: UserPrincipal, name: string, level: number, reason: string): Promise<AgentDetail> {
    if (reason.trim() === '') throw new TollgateError('request.invalid', 'say why the level changes in `reason`', { field: 'reason' });
    const keys = await this.deps.store.keys.list(principal.tenant_id);
    if ((await this.deps.store.agents.get(principal.tenant_id, name)) === undefined && !keys.some((key) => key.agent === name))
      throw notFoundAgent(name);
    await retryOnConflict(() =>
      this.deps.store.transaction(async (scope) => {
        const now = this.deps.clock.now();
        const { audit } = await setLevel(
          scope,
          this.deps.policies.for(principal.tenant_id).current().bundle,
          principal.tenant_id,
          name,
          level,
          reason,
          `user:${principal.user.id}`,
          now,
        );
        await appendAudit(scope, principal.tenant_id, audit, now);
      }),
    );
    return this.get(principal.tenant_id, name);
  }

  private async view(tenantId: string, name: string): Promise<AgentView> {
    const bundle = this.deps.policies.for(tenantId).current().bundle;
    const row = await this.deps.store.agents.get(tenantId, name);
    const totals = { ...EMPTY_TOTALS };
    for (const record of await this.deps.store.agentRecords.list(tenantId, name)) {
      for (const key of Object.keys(totals) as (keyof typeof totals)[]) totals[key] += record[key];
    }
    return {
      name,
      level: row?.level ?? startingLevel(bundle, name),
      level_since: row === undefined ? null : new Date(row.level_since).toISOString(),
      successes_toward_promotion: row?.clean_successes ?? 0,
      promote_after: bundle.autonomy?.promote_after ?? null,
      totals,
    };
  }
}

function notFoundAgent(name: string): TollgateError {
  return new TollgateError('agent.not_found', `no agent \`${name}\``);
}
