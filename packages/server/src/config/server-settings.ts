// The operator's server settings (`tollgate serve --settings FILE`): what is server-wide and so
// above every tenant's admin — which secrets each tenant's policy may name, where the server may
// connect, the vendors' endpoints, the audit signing key and where signed chain heads are published,
// and how many requests may be held open.
// A tenant's policy can never widen any of these (DESIGN §11).

import { readFileSync } from 'node:fs';
import { parseDuration } from '@tollgate/core';
import { parse as parseYaml } from 'yaml';

/** Environment variables a tenant's policy may name as secrets (`token_env`, `secret_env`, …). */
export interface SecretGrant {
  /** Any variable whose name starts with this (e.g. `ACME_`). */
  prefix?: string;
  /** These variables by name. */
  names: string[];
}

export interface TenantSettings {
  /** A policy file or folder the operator serves for this tenant, watched like `--policy`. */
  policy?: string;
  secrets: SecretGrant;
  /** Hosts this tenant's webhooks and reversals may call, on top of the server-wide ones. */
  outbound: { allow_hosts: string[] };
  /** This tenant's own ticketing sites, in place of the server-wide ones. */
  channels?: TicketSites;
}

export interface OutboundSettings {
  /** Hosts (exact, or `*.example.com` for subdomains) any tenant's outbound calls may reach. */
  allow_hosts: string[];
  /** Plain http:// is refused unless this is set. */
  allow_http: boolean;
  /** Address ranges (CIDR) allowed although loopback, private, link-local or metadata. */
  allow_addresses: string[];
  /** Each outbound call's time limit and the most of its answer that is read. */
  timeout_ms: number;
  max_response_bytes: number;
}

/** A Jira site: Cloud (REST API v3, Atlassian Document Format) or Data Center (REST API v2, wiki markup). */
export interface JiraSite {
  base_url: string;
  api: 'cloud' | 'data-center';
}

export interface ServiceNowSite {
  base_url: string;
}

/** Ticketing systems belong to an organisation, so each tenant may have its own (`tenants.<id>.channels`). */
export interface TicketSites {
  jira?: JiraSite;
  servicenow?: ServiceNowSite;
}

export interface ChannelEndpoints extends TicketSites {
  slack: { base_url: string };
  pagerduty: { base_url: string };
}

export interface AuditSettings {
  /** The environment variable that holds the Ed25519 private key (PKCS#8 PEM); else one kept in the database. */
  signing_key_env?: string;
  /** Files with the public keys of earlier signing keys, so that heads signed before a rotation still verify. */
  public_keys?: string[];
  publish: {
    /** How often each tenant's signed chain head is published. */
    every_ms: number;
    /** A JSON Lines file each signed head is appended to. */
    file?: string;
    /** A URL each signed head is POSTed to (operator-chosen, so not subject to the outbound allow-list). */
    webhook?: string;
  };
}

/** Requests held open at once (long-polls with `wait`, event streams); each node counts its own. */
export interface LimitSettings {
  /** By one API key (an agent's or a worker's). */
  held_per_key: number;
  /** By one person's session or token. */
  held_per_session: number;
  /** By everyone on this node together. */
  held_per_node: number;
}

export interface ServerSettings {
  tenants: Record<string, TenantSettings>;
  outbound: OutboundSettings;
  channels: ChannelEndpoints;
  audit: AuditSettings;
  limits: LimitSettings;
}

export const SLACK_API_URL = 'https://slack.com/api';
export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com';
const DEFAULT_PUBLISH_EVERY_MS = 5 * 60_000;

export function defaultServerSettings(): ServerSettings {
  return {
    tenants: {},
    outbound: { allow_hosts: [], allow_http: false, allow_addresses: [], timeout_ms: 10_000, max_response_bytes: 1_048_576 },
    channels: { slack: { base_url: SLACK_API_URL }, pagerduty: { base_url: PAGERDUTY_EVENTS_URL } },
    audit: { publish: { every_ms: DEFAULT_PUBLISH_EVERY_MS } },
    // A worker pool or a busy agent behind one key; a person's browser tabs; what one node's memory
    // and file descriptors bear comfortably.
    limits: { held_per_key: 100, held_per_session: 10, held_per_node: 10_000 },
  };
}

/** The vendor endpoints a tenant's channels use: the tenant's own ticketing sites, else the server-wide ones. */
export function channelEndpoints(settings: ServerSettings, tenantId: string): ChannelEndpoints {
  const own = tenantSettings(settings, tenantId).channels ?? {};
  return { ...settings.channels, ...own };
}

/** The settings of one tenant: the operator's, or an empty grant for a tenant it does not name. */
export function tenantSettings(settings: ServerSettings, tenantId: string): TenantSettings {
  // An own property only: a tenant called `constructor` must not find Object.prototype's.
  return Object.hasOwn(settings.tenants, tenantId)
    ? settings.tenants[tenantId]!
    : { secrets: { names: [] }, outbound: { allow_hosts: [] } };
}

export class SettingsError extends Error {
  readonly code = 'settings.invalid';
}

/** Reads and checks a settings file; every problem is named by its path in the file. */
export function readServerSettings(path: string): ServerSettings {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new SettingsError(`cannot read settings file \`${path}\`: ${(error as Error).message}`);
  }
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (error) {
    throw new SettingsError(`${path}: not YAML: ${(error as Error).message}`);
  }
  return parseServerSettings(value ?? {}, path);
}

type Json = Record<string, unknown>;

/** Checks settings given as data (a parsed file); throws one SettingsError listing every problem. */
export function parseServerSettings(value: unknown, source = 'settings'): ServerSettings {
  const problems: string[] = [];
  const settings = defaultServerSettings();
  const object = (at: string, input: unknown, keys: readonly string[]): Json | undefined => {
    if (input === undefined || input === null) return undefined;
    if (typeof input !== 'object' || Array.isArray(input)) {
      problems.push(`${at}: must be a mapping`);
      return undefined;
    }
    for (const key of Object.keys(input))
      if (!keys.includes(key)) problems.push(`${at}.${key}: unknown setting (expected one of ${keys.join(', ')})`);
    return input as Json;
  };
  const text = (at: string, input: unknown): string | undefined => {
    if (input === undefined) return undefined;
    if (typeof input !== 'string' || input === '') {
      problems.push(`${at}: must be a non-empty string`);
      return undefined;
    }
    return input;
  };
  const texts = (at: string, input: unknown): string[] => {
    if (input === undefined) return [];
    if (!Array.isArray(input) || input.some((item) => typeof item !== 'string' || item === '')) {
      problems.push(`${at}: must be a list of non-empty strings`);
      return [];
    }
    return input as string[];
  };
  const url = (at: string, input: unknown): string | undefined => {
    const found = text(at, input);
    if (found === undefined) return undefined;
    try {
      const parsed = new URL(found);
      if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new Error('not http(s)');
    } catch {
      problems.push(`${at}: must be an http(s) URL, not \`${found}\``);
      return undefined;
    }
    return found.replace(/\/$/, '');
  };
  const whole = (at: string, input: unknown): number | undefined => {
    if (input === undefined) return undefined;
    if (!Number.isInteger(input) || (input as number) <= 0) {
      problems.push(`${at}: must be a whole number above 0`);
      return undefined;
    }
    return input as number;
  };
  const duration = (at: string, input: unknown): number | undefined => {
    const found = text(at, input);
    if (found === undefined) return undefined;
    const ms = parseDuration(found);
    if (ms === undefined || ms <= 0) {
      problems.push(`${at}: must be a duration such as \`30s\`, \`5m\` or \`1h\`, not \`${found}\``);
      return undefined;
    }
    return ms;
  };

  /** The Jira and ServiceNow sites of a `channels` mapping (server-wide, or a tenant's). */
  function ticketSites(at: string, input: Json | undefined): TicketSites | undefined {
    if (input === undefined) return undefined;
    const sites: TicketSites = {};
    const jira = object(`${at}.jira`, input.jira, ['base_url', 'api']);
    if (jira !== undefined) {
      const base = url(`${at}.jira.base_url`, jira.base_url);
      if (jira.base_url === undefined)
        problems.push(`${at}.jira.base_url: the Jira site's address is needed, like https://acme.atlassian.net`);
      const api = jira.api ?? 'cloud';
      if (api !== 'cloud' && api !== 'data-center')
        problems.push(`${at}.jira.api: must be \`cloud\` or \`data-center\`, not \`${String(api)}\``);
      else if (base !== undefined) sites.jira = { base_url: base, api };
    }
    const servicenow = object(`${at}.servicenow`, input.servicenow, ['base_url']);
    if (servicenow !== undefined) {
      const base = url(`${at}.servicenow.base_url`, servicenow.base_url);
      if (servicenow.base_url === undefined)
        problems.push(`${at}.servicenow.base_url: the instance's address is needed, like https://acme.service-now.com`);
      else if (base !== undefined) sites.servicenow = { base_url: base };
    }
    return sites;
  }

  const root = object(source, value, ['tenants', 'outbound', 'channels', 'audit', 'limits']) ?? {};

  const tenants = object(`${source}.tenants`, root.tenants, Object.keys((root.tenants as Json | undefined) ?? {})) ?? {};
  for (const [id, input] of Object.entries(tenants)) {
    const at = `tenants.${id}`;
    if (!/^[a-z0-9][a-z0-9_-]{0,62}$/.test(id)) problems.push(`${at}: a tenant id is lowercase letters, digits, \`-\` and \`_\``);
    const tenant = object(at, input, ['policy', 'secrets', 'outbound', 'channels']) ?? {};
    const secrets = object(`${at}.secrets`, tenant.secrets, ['prefix', 'names']) ?? {};
    const outbound = object(`${at}.outbound`, tenant.outbound, ['allow_hosts']) ?? {};
    const prefix = text(`${at}.secrets.prefix`, secrets.prefix);
    const policy = text(`${at}.policy`, tenant.policy);
    settings.tenants[id] = {
      ...(policy === undefined ? {} : { policy }),
      secrets: { ...(prefix === undefined ? {} : { prefix }), names: texts(`${at}.secrets.names`, secrets.names) },
      outbound: {
        allow_hosts: texts(`${at}.outbound.allow_hosts`, outbound.allow_hosts).map(hostPattern(`${at}.outbound.allow_hosts`, problems)),
      },
    };
    const sites = ticketSites(`${at}.channels`, object(`${at}.channels`, tenant.channels, ['jira', 'servicenow']));
    if (sites !== undefined) settings.tenants[id]!.channels = sites;
  }

  const outbound =
    object('outbound', root.outbound, ['allow_hosts', 'allow_http', 'allow_addresses', 'timeout', 'max_response_bytes']) ?? {};
  settings.outbound.allow_hosts = texts('outbound.allow_hosts', outbound.allow_hosts).map(hostPattern('outbound.allow_hosts', problems));
  if (outbound.allow_http !== undefined) {
    if (typeof outbound.allow_http !== 'boolean') problems.push('outbound.allow_http: must be true or false');
    else settings.outbound.allow_http = outbound.allow_http;
  }
  settings.outbound.allow_addresses = texts('outbound.allow_addresses', outbound.allow_addresses);
  for (const range of settings.outbound.allow_addresses)
    if (!/^[0-9a-fA-F.:]+(\/\d{1,3})?$/.test(range))
      problems.push(`outbound.allow_addresses: \`${range}\` is not an address or CIDR range`);
  settings.outbound.timeout_ms = duration('outbound.timeout', outbound.timeout) ?? settings.outbound.timeout_ms;
  settings.outbound.max_response_bytes =
    whole('outbound.max_response_bytes', outbound.max_response_bytes) ?? settings.outbound.max_response_bytes;

  const channels = object('channels', root.channels, ['slack', 'pagerduty', 'jira', 'servicenow']) ?? {};
  Object.assign(settings.channels, ticketSites('channels', channels));
  const slack = object('channels.slack', channels.slack, ['base_url']) ?? {};
  const pagerduty = object('channels.pagerduty', channels.pagerduty, ['base_url']) ?? {};
  settings.channels.slack.base_url = url('channels.slack.base_url', slack.base_url) ?? settings.channels.slack.base_url;
  settings.channels.pagerduty.base_url = url('channels.pagerduty.base_url', pagerduty.base_url) ?? settings.channels.pagerduty.base_url;

  // Paths under `audit` are joined, not written out, so that they never read as audit error codes.
  const auditPath = (...keys: string[]) => ['audit', ...keys].join('.');
  const audit = object('audit', root.audit, ['signing_key_env', 'public_keys', 'publish']) ?? {};
  const publish = object(auditPath('publish'), audit.publish, ['every', 'file', 'webhook']) ?? {};
  const keyEnv = text(auditPath('signing_key_env'), audit.signing_key_env);
  if (keyEnv !== undefined) settings.audit.signing_key_env = keyEnv;
  const publicKeys = texts(auditPath('public_keys'), audit.public_keys);
  if (publicKeys.length > 0) settings.audit.public_keys = publicKeys;
  settings.audit.publish.every_ms = duration('audit.publish.every', publish.every) ?? settings.audit.publish.every_ms;
  const file = text('audit.publish.file', publish.file);
  if (file !== undefined) settings.audit.publish.file = file;
  const webhook = url('audit.publish.webhook', publish.webhook);
  if (webhook !== undefined) settings.audit.publish.webhook = webhook;

  const limits = object('limits', root.limits, ['held_per_key', 'held_per_session', 'held_per_node']) ?? {};
  for (const key of ['held_per_key', 'held_per_session', 'held_per_node'] as const)
    settings.limits[key] = whole(`limits.${key}`, limits[key]) ?? settings.limits[key];

  if (problems.length > 0)
    throw new SettingsError(
      `settings do not load:\n${problems.map((problem) => `  ${source === 'settings' ? '' : `${source}: `}${problem}`).join('\n')}`,
    );
  return settings;
}

/** A host in an allow-list: lowercased; `*.example.com` allows every subdomain of example.com. */
function hostPattern(at: string, problems: string[]): (host: string) => string {
  return (host) => {
    const lower = host.toLowerCase();
    if (!/^(\*\.)?[a-z0-9.-]+$|^\[[0-9a-f:]+\]$/.test(lower))
      problems.push(`${at}: \`${host}\` is not a host name (a URL's host, or \`*.example.com\`)`);
    return lower;
  };
}

/** Whether `host` (a URL's hostname, lowercased) is on one of the lists. */
export function hostAllowed(host: string, ...lists: readonly (readonly string[])[]): boolean {
  const lower = host.toLowerCase();
  return lists.some((list) =>
    list.some((pattern) =>
      pattern.startsWith('*.') ? lower.endsWith(pattern.slice(1)) && lower.length > pattern.length - 1 : lower === pattern,
    ),
  );
}
