// Where a tenant's outbound calls may go: the operator's allow-list and the hosts it grants the
// tenant, plus public hosts the tenant's admin adds (kept in the database, audited on the tenant's
// chain). An admin can never allow an address range or plain http: those are the operator's.

import { channelEndpoints, tenantSettings, type ChannelEndpoints, type ServerSettings } from '../config/server-settings.js';
import { TollgateError } from '../errors.js';
import {
  OutboundError,
  outboundRequest,
  outboundRules,
  type OutboundRequest,
  type OutboundResponse,
  type OutboundRules,
  type Resolve,
} from '../net/outbound.js';
import type { Store } from '../stores/store.js';
import type { Clock } from '../util/clock.js';
import { appendAudit } from './audit-chain.js';
import { actorOf, type UserPrincipal } from './principals.js';

export const MAX_TENANT_HOSTS = 100;

/** Names that never mean a public host, whatever a resolver answers for them. */
const LOCAL_SUFFIXES = ['localhost', 'local', 'internal', 'intranet', 'lan', 'home', 'corp', 'home.arpa', 'localdomain'];

export interface OutboundSettingsView {
  /** The operator's, for every tenant (read-only here). */
  operator: { allow_hosts: string[]; allow_http: boolean; allow_addresses: string[] };
  /** Hosts the operator granted this tenant (read-only here). */
  tenant: { allow_hosts: string[] };
  /** Hosts this tenant's admin added. */
  allow_hosts: string[];
}

function keyOf(tenantId: string): string {
  return `outbound_hosts:${tenantId}`;
}

/** Why a tenant's admin may not add `host`; undefined when it is a public host name. */
export function tenantHostProblem(host: string): string | undefined {
  const name = host.startsWith('*.') ? host.slice(2) : host;
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/.test(name) || name.length > 253)
    return 'is not a public host name (such as `hooks.example.com` or `*.example.com`)';
  if (/^[0-9.]+$/.test(name)) return 'is an address; only the operator allows addresses';
  if (LOCAL_SUFFIXES.some((suffix) => name === suffix || name.endsWith(`.${suffix}`)))
    return 'is a local name; only the operator allows those';
  return undefined;
}

/** A call that was refused or failed, with its reason: what the server's log says. */
export interface OutboundFailure {
  tenant_id: string;
  /** What the call was for: `compensation`, `notification:<channel>`. */
  purpose: string;
  host: string;
  code: OutboundError['code'];
  reason: string;
}

export class OutboundService {
  private readonly listeners: ((failure: OutboundFailure) => void)[] = [];

  constructor(private readonly deps: { store: Store; clock: Clock; settings: ServerSettings; resolve?: Resolve }) {}

  /** Calls `listener` with every refused or failed call (the server logs them). */
  onFailure(listener: (failure: OutboundFailure) => void): void {
    this.listeners.push(listener);
  }

  /**
   * One call for `tenantId` under its rules, or under the operator's when the operator chose the
   * destination; a refusal or failure is reported to the listeners and thrown as an OutboundError.
   */
  async request(
    tenantId: string,
    target: string,
    request: OutboundRequest,
    purpose: string,
    options: { operatorChosen?: boolean } = {},
  ): Promise<OutboundResponse> {
    const rules = options.operatorChosen === true ? this.operatorRules() : await this.rules(tenantId);
    try {
      return await outboundRequest(target, request, rules, this.deps.resolve);
    } catch (error) {
      if (error instanceof OutboundError)
        for (const listener of this.listeners)
          listener({ tenant_id: tenantId, purpose, host: error.host, code: error.code as OutboundError['code'], reason: error.reason });
      throw error;
    }
  }

  /** The vendors' endpoints the operator set (Slack, PagerDuty, the server-wide ticketing sites). */
  get channels(): ServerSettings['channels'] {
    return this.deps.settings.channels;
  }

  /** The endpoints a tenant's channels use: with the tenant's own Jira and ServiceNow sites, if the operator gave it any. */
  channelsFor(tenantId: string): ChannelEndpoints {
    return channelEndpoints(this.deps.settings, tenantId);
  }

  /** The rules a call for `tenantId` is made under. */
  async rules(tenantId: string): Promise<OutboundRules> {
    const { settings } = this.deps;
    return outboundRules(settings.outbound, tenantSettings(settings, tenantId).outbound.allow_hosts, await this.adminHosts(tenantId));
  }

  /** The rules for a destination the operator chose (a vendor endpoint in the settings file). */
  operatorRules(): OutboundRules {
    return { ...outboundRules(this.deps.settings.outbound), operatorChosen: true };
  }

  async view(tenantId: string): Promise<OutboundSettingsView> {
    const { outbound } = this.deps.settings;
    return {
      operator: { allow_hosts: outbound.allow_hosts, allow_http: outbound.allow_http, allow_addresses: outbound.allow_addresses },
      tenant: { allow_hosts: tenantSettings(this.deps.settings, tenantId).outbound.allow_hosts },
      allow_hosts: await this.adminHosts(tenantId),
    };
  }

  /** Replaces the hosts the tenant's admin allows; every problem is named before anything changes. */
  async setHosts(principal: UserPrincipal, hosts: string[]): Promise<OutboundSettingsView> {
    const tenantId = principal.tenant_id;
    const lowered = [...new Set(hosts.map((host) => host.trim().toLowerCase()))];
    const problems = lowered.flatMap((host) => {
      const problem = tenantHostProblem(host);
      return problem === undefined ? [] : [`\`${host}\` ${problem}`];
    });
    if (lowered.length > MAX_TENANT_HOSTS) problems.push(`at most ${MAX_TENANT_HOSTS} hosts`);
    if (problems.length > 0)
      throw new TollgateError('request.invalid', `\`allow_hosts\`: ${problems.join('; ')}`, { field: 'body.allow_hosts', problems });
    const now = this.deps.clock.now();
    await this.deps.store.transaction(async (scope) => {
      const before = parseHosts(await scope.settings.get(keyOf(tenantId)));
      await scope.settings.put(keyOf(tenantId), JSON.stringify(lowered));
      await appendAudit(
        scope,
        tenantId,
        [
          {
            type: 'settings.outbound_changed',
            actor: actorOf(principal),
            subject: tenantId,
            data: {
              allow_hosts: lowered,
              added: lowered.filter((host) => !before.includes(host)),
              removed: before.filter((host) => !lowered.includes(host)),
            },
          },
        ],
        now,
      );
    });
    return this.view(tenantId);
  }

  private async adminHosts(tenantId: string): Promise<string[]> {
    return parseHosts(await this.deps.store.settings.get(keyOf(tenantId)));
  }
}

function parseHosts(text: string | undefined): string[] {
  if (text === undefined) return [];
  const value: unknown = JSON.parse(text);
  return Array.isArray(value) ? value.filter((host): host is string => typeof host === 'string') : [];
}
