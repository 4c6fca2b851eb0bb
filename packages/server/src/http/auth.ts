// Authentication for routes: agents by API key, people by session cookie or bearer token, and
// role checks. A route states who may call it; nothing is open by default.

import type { FastifyReply, FastifyRequest } from 'fastify';
import { TollgateError } from '../errors.js';
import type { Role } from '../stores/records.js';
import type { AgentPrincipal, Principal, UserPrincipal } from '../services/principals.js';
import type { Services } from '../services/services.js';

export const SESSION_COOKIE = 'tollgate_session';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
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

export function authenticator(services: Services) {
  return async function authenticate(request: FastifyRequest): Promise<Principal> {
    if (request.principal !== undefined) return request.principal;
    const found = tokenOf(request);
    if (found === undefined) throw new TollgateError('auth.required', 'sign in or send `Authorization: Bearer <token>`');
    const principal = await services.auth.authenticate(found.token);
    if (principal === undefined)
      throw new TollgateError(
        found.token.startsWith('tg_key_') ? 'auth.invalid_key' : 'auth.required',
        'the credentials are unknown, revoked or expired',
      );
    // A cookie rides along with cross-site requests; a state change must also prove it comes from our own page.
    if (found.viaCookie && !SAFE_METHODS.has(request.method) && request.headers['x-tollgate-csrf'] !== '1') {
      throw new TollgateError('auth.forbidden', 'requests authenticated by cookie must send the `x-tollgate-csrf: 1` header');
    }
    request.principal = principal;
    return principal;
  };
}

export type Guard = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

export function guards(services: Services) {
  const authenticate = authenticator(services);
  return {
    agent: (async (request) => {
      const principal = await authenticate(request);
      if (principal.kind !== 'agent') throw new TollgateError('auth.forbidden', 'this endpoint is for agents (API keys)');
    }) as Guard,
    user:
      (roles?: Role[]): Guard =>
      async (request) => {
        const principal = await authenticate(request);
        if (principal.kind !== 'user') throw new TollgateError('auth.forbidden', 'this endpoint is for people, not agents');
        if (roles !== undefined && !roles.includes(principal.user.role)) {
          throw new TollgateError('auth.forbidden', `this needs the role ${roles.join(' or ')}`);
        }
      },
    any: (async (request) => {
      await authenticate(request);
    }) as Guard,
  };
}

export function agentOf(request: FastifyRequest): AgentPrincipal {
  return request.principal as AgentPrincipal;
}

export function userOf(request: FastifyRequest): UserPrincipal {
  return request.principal as UserPrincipal;
}
