// The one client for server-side calls to an address a tenant or agent supplied (compensation
// webhooks, webhook and Teams channels): allowed hosts only, the resolved address checked and then
// connected to, no redirects, bounded in time and size. Refusals and failures say little to the
// caller; the reason is kept for the log and the audit trail (DESIGN §11).

import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { hostAllowed, type OutboundSettings } from '../config/server-settings.js';
import { TollgateError } from '../errors.js';
import { addressKind, inRanges } from './addresses.js';

/** Where a call may go: what the operator (and, for hosts, the tenant's admin) allowed. */
export interface OutboundRules {
  /** The operator's host lists (exact, or `*.example.com`): server-wide and the tenant's grant. */
  allowHosts: readonly (readonly string[])[];
  /**
   * Hosts the tenant's admin allowed. They get none of the operator's allowances below (https and
   * public addresses only), or an admin could reach whatever the operator opened for its own use.
   */
  adminHosts?: readonly string[];
  allowHttp: boolean;
  /** CIDR ranges allowed although loopback, private, link-local or otherwise special (operator-listed hosts only). */
  allowAddresses: readonly string[];
  timeoutMs: number;
  maxResponseBytes: number;
  /**
   * The operator chose this destination (a vendor's endpoint in the settings file): no host list
   * and no address check, but still no redirects and the same bounds.
   */
  operatorChosen?: boolean;
}

export function outboundRules(
  settings: OutboundSettings,
  grantedHosts: readonly string[] = [],
  adminHosts: readonly string[] = [],
): OutboundRules {
  return {
    allowHosts: [settings.allow_hosts, grantedHosts],
    adminHosts,
    allowHttp: settings.allow_http,
    allowAddresses: settings.allow_addresses,
    timeoutMs: settings.timeout_ms,
    maxResponseBytes: settings.max_response_bytes,
  };
}

export type OutboundCode = 'outbound.refused' | 'outbound.failed';

const PUBLIC_MESSAGE: Record<OutboundCode, string> = {
  'outbound.refused': 'the server does not call this address: the outbound rules do not allow it',
  'outbound.failed': 'the call to this address failed',
};

/**
 * A refused or failed outbound call. Its message is the same for every failure of a kind, so the
 * caller cannot tell a closed port from a dropped connection; `reason` says which, for the log.
 */
export class OutboundError extends TollgateError {
  declare readonly code: OutboundCode;

  constructor(
    code: OutboundCode,
    /** What happened, in detail: for logs and audit events only. */
    readonly reason: string,
    /** The URL's host (as given), which the caller knows already. */
    readonly host: string,
  ) {
    super(code, PUBLIC_MESSAGE[code], { host });
    this.name = 'OutboundError';
  }
}

export interface OutboundRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface OutboundResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** Resolves a host name to every address it has (the system resolver by default). */
export type Resolve = (host: string) => Promise<LookupAddress[]>;

const systemResolve: Resolve = (host) =>
  new Promise((resolve, reject) =>
    dnsLookup(host, { all: true, verbatim: true }, (error, addresses) => (error ? reject(error) : resolve(addresses))),
  );

/**
 * Why `text` cannot be an outbound URL at all (not a URL, not http(s)); undefined when it can be.
 * What is checked before anything is stored; the rest is checked when the call is made.
 */
export function urlShapeProblem(text: unknown): string | undefined {
  if (typeof text !== 'string' || text === '') return 'must be an http(s) URL';
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'must be an http(s) URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `must be an http(s) URL, not a \`${url.protocol}\` one`;
  if (url.hostname === '') return 'must be an http(s) URL with a host';
  return undefined;
}

/** The host a URL would call, for people to see before it is called; undefined when not a URL. */
export function urlHost(text: string): string | undefined {
  try {
    return new URL(text).host;
  } catch {
    return undefined;
  }
}

/** Makes one call under `rules`; any answer but a redirect comes back, whatever its status. */
export async function outboundRequest(
  target: string,
  request: OutboundRequest,
  rules: OutboundRules,
  resolve: Resolve = systemResolve,
): Promise<OutboundResponse> {
  const shape = urlShapeProblem(target);
  if (shape !== undefined) throw new OutboundError('outbound.refused', `\`${String(target).slice(0, 200)}\` ${shape}`, '');
  const url = new URL(target);
  const host = url.host;
  const refuse = (reason: string) => new OutboundError('outbound.refused', reason, host);
  const fail = (reason: string) => new OutboundError('outbound.failed', reason, host);
  const name = url.hostname.toLowerCase();
  const byOperator = rules.operatorChosen === true || hostAllowed(name, ...rules.allowHosts);
  if (!byOperator && !hostAllowed(name, rules.adminHosts ?? [])) throw refuse(`host \`${name}\` is not on the outbound allow-list`);
  if (url.protocol === 'http:' && !(rules.allowHttp && byOperator)) throw refuse(`plain http is not allowed (\`${url.origin}\`)`);
  const allowAddresses = byOperator ? rules.allowAddresses : [];

  const literal = name.replace(/^\[|\]$/g, '');
  let addresses: LookupAddress[];
  if (isIP(literal) !== 0) addresses = [{ address: literal, family: isIP(literal) }];
  else {
    try {
      addresses = await withDeadline(resolve(name), rules.timeoutMs);
    } catch (error) {
      throw fail(`cannot resolve \`${name}\`: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  }
  if (addresses.length === 0) throw fail(`\`${name}\` resolves to no address`);
  if (rules.operatorChosen !== true) {
    // Every address, not only the one connected to: a name that also points inside is refused.
    for (const { address } of addresses) {
      const kind = addressKind(address);
      if (kind !== 'public' && !inRanges(address, allowAddresses))
        throw refuse(`\`${name}\` resolves to ${address} (${kind}), which is not allowed`);
    }
  }
  const chosen = addresses[0]!;
  return send(url, chosen, request, rules, fail);
}

function send(
  url: URL,
  chosen: LookupAddress,
  request: OutboundRequest,
  rules: OutboundRules,
  fail: (reason: string) => OutboundError,
): Promise<OutboundResponse> {
  return new Promise((resolvePromise, reject) => {
    let settled = false;
    const settle = (error: OutboundError | undefined, response?: OutboundResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error === undefined) resolvePromise(response!);
      else reject(error);
    };
    const body = request.body === undefined ? undefined : Buffer.from(request.body, 'utf8');
    const options = {
      method: request.method ?? 'POST',
      headers: { ...(request.headers ?? {}), ...(body === undefined ? {} : { 'content-length': String(body.length) }) },
      // The checked address is the one connected to: no second lookup a rebinding name could answer differently.
      lookup: ((_host, lookupOptions, callback) => {
        if ((lookupOptions as { all?: boolean }).all === true) callback(null, [chosen]);
        else callback(null, chosen.address, chosen.family);
      }) satisfies LookupFunction,
      agent: false as const,
    };
    const outgoing = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, options, (response: IncomingMessage) => {
      const status = response.statusCode ?? 0;
      if (status >= 300 && status < 400) {
        settle(fail(`answered ${status} (a redirect to \`${String(response.headers.location ?? '')}\`), which is not followed`));
        response.destroy();
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > rules.maxResponseBytes) {
          settle(fail(`the answer is larger than ${rules.maxResponseBytes} bytes`));
          response.destroy();
          return;
        }
        chunks.push(chunk);
      });
      response.on('end', () => settle(undefined, { status, headers: response.headers, body: Buffer.concat(chunks) }));
      response.on('error', (error: NodeJS.ErrnoException) => settle(fail(`the answer broke off: ${error.code ?? error.message}`)));
      response.on('aborted', () => settle(fail('the answer broke off')));
    });
    const timer = setTimeout(() => {
      settle(fail(`no answer within ${rules.timeoutMs} ms`));
      outgoing.destroy();
    }, rules.timeoutMs);
    outgoing.on('error', (error: NodeJS.ErrnoException) =>
      settle(fail(`${chosen.address}: ${error.code ?? 'error'}${error.message === '' ? '' : ` (${error.message})`}`)),
    );
    outgoing.end(body);
  });
}

/** A lookup that hangs counts against the call's time too. */
function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`no answer within ${ms} ms`), { code: 'ETIMEOUT' })), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
