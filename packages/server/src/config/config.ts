// Settings from command-line options and the environment. Only config/ reads environment variables
// (CONVENTIONS.md): the server's here, the light ones the other commands need in client-config.ts.

import { auditKeys, type AuditKeys } from './audit-keys.js';
import { databaseUrl, DEFAULT_HOST, DEFAULT_PORT, DEFAULT_POLICY, DEFAULT_RATE_LIMIT } from './client-config.js';
import { defaultServerSettings, readServerSettings, type ServerSettings } from './server-settings.js';

export {
  clientConfig,
  credentialsFile,
  databaseUrl,
  DEFAULT_DB,
  DEFAULT_HOST,
  DEFAULT_POLICY,
  DEFAULT_PORT,
  DEFAULT_RATE_LIMIT,
} from './client-config.js';

export interface ServeConfig {
  db: string;
  policy: string;
  host: string;
  port: number;
  rateLimit: number;
  logLevel: string;
  /** The address people reach the server at, for links in messages. */
  publicUrl: string;
  /** Signs grants; taken from TOLLGATE_SECRET or kept in the database. */
  secret: string | undefined;
  /** A candidate policy to evaluate beside the live one, enforcing nothing. */
  shadow: string | undefined;
  /** Proxies whose X-Forwarded-For names the client: a number of hops, or their addresses; none by default. */
  trustProxy: number | string | undefined;
  /** The operator's server settings (`--settings FILE`): secrets per tenant, outbound allow-list, endpoints, audit signing. */
  settings: ServerSettings;
  /** The audit signing key from the variable the settings name, and earlier keys' public halves. */
  auditKeys: AuditKeys;
}

type Env = Record<string, string | undefined>;

export interface ServeOptions {
  db?: string;
  policy?: string;
  host?: string;
  port?: number;
  rateLimit?: number;
  logLevel?: string;
  publicUrl?: string;
  shadow?: string;
  trustProxy?: string;
  settings?: string;
}

export function serveConfig(options: ServeOptions, env: Env = process.env): ServeConfig {
  const host = options.host ?? env.TOLLGATE_HOST ?? DEFAULT_HOST;
  const port = options.port ?? numberFrom(env.TOLLGATE_PORT, 'TOLLGATE_PORT') ?? DEFAULT_PORT;
  const settings = settingsFrom(options.settings ?? env.TOLLGATE_SETTINGS);
  return {
    db: databaseUrl(options.db, env),
    policy: options.policy ?? env.TOLLGATE_POLICY ?? DEFAULT_POLICY,
    host,
    port,
    rateLimit: options.rateLimit ?? numberFrom(env.TOLLGATE_RATE_LIMIT, 'TOLLGATE_RATE_LIMIT') ?? DEFAULT_RATE_LIMIT,
    logLevel: options.logLevel ?? env.TOLLGATE_LOG_LEVEL ?? 'info',
    publicUrl: (options.publicUrl ?? env.TOLLGATE_PUBLIC_URL ?? `http://${host.includes(':') ? `[${host}]` : host}:${port}`).replace(
      /\/$/,
      '',
    ),
    secret: env.TOLLGATE_SECRET,
    shadow: options.shadow ?? env.TOLLGATE_SHADOW_POLICY,
    trustProxy: trustedProxies(options.trustProxy ?? env.TOLLGATE_TRUST_PROXY),
    settings,
    auditKeys: auditKeys(settings.audit, env),
  };
}

export function settingsFrom(path: string | undefined): ServerSettings {
  return path === undefined || path === '' ? defaultServerSettings() : readServerSettings(path);
}

const ADDRESS = /^[0-9a-fA-F.:]+(\/\d{1,3})?$/;

/**
 * `--trust-proxy`: how many proxies in front of the server to believe (`1` for one load balancer),
 * or the comma-separated addresses or CIDR ranges of the proxies to believe. Trusting every
 * sender of the header would let any client choose the address its limits are counted under.
 */
export function trustedProxies(value: string | undefined): number | string | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text);
  const addresses = text.split(',').map((part) => part.trim());
  const bad = addresses.find((address) => !ADDRESS.test(address));
  if (bad !== undefined) {
    throw new Error(`--trust-proxy must be a number of proxies or their addresses (e.g. 10.0.0.0/8,192.168.1.5), not \`${bad}\``);
  }
  return addresses.join(',');
}

function numberFrom(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new Error(`${name} must be a whole number, not \`${value}\``);
  return parsed;
}

/** The operator's settings and audit keys for the `audit` commands: `--settings`, else TOLLGATE_SETTINGS. */
export function auditConfig(settingsPath: string | undefined, env: Env = process.env): { settings: ServerSettings; keys: AuditKeys } {
  const settings = settingsFrom(settingsPath ?? env.TOLLGATE_SETTINGS);
  return { settings, keys: auditKeys(settings.audit, env) };
}
