// Authentication for routes: agents and workers by API key, people by session cookie or bearer token, and
// role checks. A route states who may call it; nothing is open by default. Guards run when a
// request arrives (a route's onRequest hook): without valid credentials it is refused before its
// body is read, parsed or validated, so a stranger neither costs that work nor learns the schema.

import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FailureWindow } from '../auth/failure-window.js';
import { rateLimited, TollgateError } from '../errors.js';
import type { Role } from '../stores/records.js';
import type { AgentPrincipal, Principal, UserPrincipal, WorkerPrincipal } from '../services/principals.js';
import type { Services } from '../services/services.js';

export const SESSION_COOKIE = 'tollgate_session';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
  interface FastifyInstance {
    /** Set by buildApp: how credentials are checked beyond their validity. */
    credentialChecks?: CredentialChecks;
  }
}

export interface CredentialChecks {
  /** Failed credentials per client address; a client at its limit is refused (429) before any check. */
  failures: FailureWindow | undefined;
  /** Origins whose pages may use the session cookie, besides the request's own host. */
  origins: readonly string[];
}

export function readCookie(request: FastifyRequest, name: string): string | undefined {
  const header = request.headers.cookie;
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return decodeURIComponent(value.join('='));
  }
  return undefined;
}

export function tokenOf(request: FastifyRequest): { token: string; viaCookie: boolean } | undefined {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    return match === null ? undefined : { token: match[1]!, viaCookie: false };
  }
  const cookie = readCookie(request, SESSION_COOKIE);
  return cookie === undefined ? undefined : { token: cookie, viaCookie: true };
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

const resolved = new WeakMap<FastifyRequest, Promise<Principal | undefined>>();

/** The principal a request's token stands for, looked up once per request (the rate limiter asks first). */
export function principalFor(services: Services, request: FastifyRequest, token: string): Promise<Principal | undefined> {
  let found = resolved.get(request);
  if (found === undefined) {
    found = services.auth.authenticate(token);
    resolved.set(request, found);
  }
  return found;
}

export function clientKey(request: FastifyRequest): string {
  return `ip:${request.ip}`;
}

/** Whether a cookie request comes from a page of this server: its Origin, when sent, must be ours. */
function fromOwnOrigin(request: FastifyRequest, origins: readonly string[]): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  let given: URL;
  try {
    given = new URL(origin);
  } catch {
    return false; // `null` (a sandboxed frame, a file) or garbage
  }
  if (origins.includes(given.origin)) return true;
  return given.host === request.headers.host && (given.protocol === 'http:' || given.protocol === 'https:');
}

export function authenticator(services: Services) {
  return async function authenticate(request: FastifyRequest): Promise<Principal> {
    if (request.principal !== undefined) return request.principal;
    const found = tokenOf(request);
    if (found === undefined) throw new TollgateError('auth.required', 'sign in or send `Authorization: Bearer <token>`');
    const checks = request.server.credentialChecks;
    const failures = checks?.failures;
    // A client that kept sending bad credentials learns nothing more, not even from a good one, until its window ends.
    const wait = failures?.retryAfter(clientKey(request)) ?? 0;
    if (wait > 0) throw rateLimited(wait, 'too many requests with unknown credentials from this address');
    // A cookie rides along with requests other sites make; a page of another origin may not use it.
    if (found.viaCookie && !fromOwnOrigin(request, checks?.origins ?? []))
      throw new TollgateError('auth.forbidden', 'the session cookie is refused for requests from another origin');
    const principal = await principalFor(services, request, found.token);
    if (principal === undefined) {
      failures?.fail(clientKey(request));
      throw new TollgateError(
        found.token.startsWith('tg_key_') ? 'auth.invalid_key' : 'auth.required',
        'the credentials are unknown, revoked or expired',
      );
    }
    // A cookie rides along with cross-site requests; a state change must also prove it comes from our own page.
    if (found.viaCookie && !SAFE_METHODS.has(request.method) && request.headers['x-tollgate-csrf'] !== '1') {
      throw new TollgateError('auth.forbidden', 'requests authenticated by cookie must send the `x-tollgate-csrf: 1` header');
    }
    request.principal = principal;
    return principal;
  };
}

/** The roles of a tenant's own people: an operator manages the server, not a tenant's requests. */
const TENANT_ROLES: Role[] = ['admin', 'approver', 'auditor'];
/** Every signed-in person, operators included: signing out, reading who one is. */
export const EVERY_ROLE: Role[] = [...TENANT_ROLES, 'operator'];

export type Guard = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

export function guards(services: Services) {
  const authenticate = authenticator(services);
  return {
    agent: (async (request) => {
      const principal = await authenticate(request);
      if (principal.kind === 'worker')
        throw new TollgateError('auth.forbidden', 'this endpoint is for agent keys; a worker key only takes jobs of its capabilities');
      if (principal.kind !== 'agent') throw new TollgateError('auth.forbidden', 'this endpoint is for agents (API keys)');
    }) as Guard,
    /** The jobs endpoints: a worker key only, so an agent never does its own request's worker steps. */
    worker: (async (request) => {
      const principal = await authenticate(request);
      if (principal.kind !== 'worker')
        throw new TollgateError(
          'auth.forbidden',
          'this endpoint is for worker keys (`tollgate keys create --worker NAME --capability C`); an agent key only submits actions',
        );
    }) as Guard,
    /** A tenant's people (any of `roles`, else admins, approvers and auditors); an operator only where `roles` names it. */
    user:
      (roles: Role[] = TENANT_ROLES): Guard =>
      async (request) => {
        const principal = await authenticate(request);
        if (principal.kind !== 'user') throw new TollgateError('auth.forbidden', 'this endpoint is for people, not agents');
        if (!roles.includes(principal.user.role)) {
          throw new TollgateError('auth.forbidden', `this needs the role ${roles.join(' or ')}`);
        }
      },
    /** An agent key, or one of a tenant's people: not a worker key (it sees actions only through its jobs), not an operator (no tenant's records are theirs). */
    any: (async (request) => {
      const principal = await authenticate(request);
      if (principal.kind === 'worker')
        throw new TollgateError('auth.forbidden', 'this endpoint is for agent keys and people; a worker key only takes jobs');
      if (principal.kind === 'user' && !TENANT_ROLES.includes(principal.user.role))
        throw new TollgateError('auth.forbidden', 'operators manage the server, not a tenant’s records');
    }) as Guard,
  };
}

export function agentOf(request: FastifyRequest): AgentPrincipal {
  return request.principal as AgentPrincipal;
}

export function workerOf(request: FastifyRequest): WorkerPrincipal {
  return request.principal as WorkerPrincipal;
}

export function userOf(request: FastifyRequest): UserPrincipal {
  return request.principal as UserPrincipal;
}
