// Which environment variables each tenant's policy may name as secrets (`token_env`, `secret_env`,
// …): those the operator granted to the tenant in the settings file (a prefix, or names), and,
// for a tenant served from the operator's own policy files, the ones those files name. A policy
// a tenant's admin pushed or promoted can name nothing else, so it cannot read the server's
// environment (DESIGN §11).

import type { Diagnostic, PolicyBundle } from '@tollgate/core';
import { environmentSecrets, type SecretLookup } from './secrets.js';
import { tenantSettings, type ServerSettings } from './server-settings.js';

/** The `*_env` settings of a bundle's channels: the variables it names, with where. */
export function secretsNamedBy(bundle: PolicyBundle): { channel: string; key: string; name: string }[] {
  const named: { channel: string; key: string; name: string }[] = [];
  for (const channel of bundle.notifications?.channels ?? [])
    for (const [key, value] of Object.entries(channel.settings))
      if (key.endsWith('_env') && typeof value === 'string' && value !== '') named.push({ channel: channel.name, key, name: value });
  return named;
}

export class TenantSecrets {
  readonly #lookup: SecretLookup;

  constructor(
    private readonly settings: ServerSettings,
    /** The variables the operator's own policy files for the tenant name (none for other tenants). */
    private readonly namedByOperator: (tenantId: string) => ReadonlySet<string>,
    lookup: SecretLookup = environmentSecrets(),
  ) {
    this.#lookup = lookup;
  }

  granted(tenantId: string, name: string): boolean {
    const grant = tenantSettings(this.settings, tenantId).secrets;
    return (
      grant.names.includes(name) ||
      (grant.prefix !== undefined && name.startsWith(grant.prefix)) ||
      this.namedByOperator(tenantId).has(name)
    );
  }

  /** The tenant's view of the secrets: a variable not granted to it reads as unset. */
  for(tenantId: string): SecretLookup {
    return (name) => (this.granted(tenantId, name) ? this.#lookup(name) : undefined);
  }

  /** One diagnostic per secret the bundle names that the tenant was not granted. */
  check(tenantId: string, bundle: PolicyBundle): Diagnostic[] {
    return secretsNamedBy(bundle)
      .filter(({ name }) => !this.granted(tenantId, name))
      .map(({ channel, key, name }) => ({
        code: 'policy.secret_not_granted',
        severity: 'error' as const,
        message: `channel \`${channel}\` names \`${name}\` in \`${key}\`, a variable the operator has not granted to tenant \`${tenantId}\``,
        path: ['notifications', 'channels', channel, key],
      }));
  }
}
