// Signing in and out: a session cookie for the dashboard and the same token for the CLI.

import type { FastifyInstance } from 'fastify';
import { SESSION_TTL_MS } from '../../services/auth-service.js';
import type { Services } from '../../services/services.js';
import { EVERY_ROLE, guards, SESSION_COOKIE, tokenOf, userOf } from '../auth.js';

function sessionCookie(value: string, maxAgeSeconds: number, secure: boolean): string {
  return `${SESSION_COOKIE}=${encodeURIComponent(value)}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure ? '; Secure' : ''}`;
}

function publicUser(user: { id: string; name: string; role: string; groups: string[]; tenant_id: string }) {
  return { id: user.id, name: user.name, role: user.role, groups: user.groups, tenant: user.tenant_id };
}

export function authRoutes(app: FastifyInstance, services: Services, options: { secureCookies: boolean }): void {
  const guard = guards(services);

  app.post(
    '/v1/auth/login',
    {
      schema: {
        tags: ['auth'],
        summary: 'Sign in with a name and password',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['name', 'password'],
          properties: {
            name: { type: 'string', minLength: 1, maxLength: 64 },
            password: { type: 'string', minLength: 1, maxLength: 1024 },
            tenant: { type: 'string', maxLength: 64 },
          },
        },
      },
    },
    async (request, reply) => {
      const body = request.body as { name: string; password: string; tenant?: string };
      // The auth service limits failures per name and per address, whatever token the request carries.
      const session = await services.auth.login(body.name, body.password, body.tenant, request.ip);
      reply.header('set-cookie', sessionCookie(session.token, SESSION_TTL_MS / 1000, options.secureCookies));
      return { token: session.token, expires_at: new Date(session.expires_at).toISOString(), user: publicUser(session.user) };
    },
  );

  app.post(
    '/v1/auth/logout',
    { onRequest: guard.user(EVERY_ROLE), schema: { tags: ['auth'], summary: 'Sign out' } },
    async (request, reply) => {
      const found = tokenOf(request);
      if (found !== undefined) await services.auth.logout(found.token);
      reply.header('set-cookie', sessionCookie('', 0, options.secureCookies));
      return { ok: true };
    },
  );

  app.patch(
    '/v1/auth/me',
    {
      onRequest: guard.user(EVERY_ROLE),
      schema: {
        tags: ['auth'],
        summary: 'Set yourself out of office (new requests are routed to others)',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['out_of_office'],
          properties: { out_of_office: { type: 'boolean' } },
        },
      },
    },
    async (request) => {
      const { out_of_office } = request.body as { out_of_office: boolean };
      const user = await services.auth.setOutOfOffice(userOf(request), out_of_office);
      return { ...publicUser(user), out_of_office: user.out_of_office };
    },
  );

  app.get(
    '/v1/auth/me',
    { onRequest: guard.user(EVERY_ROLE), schema: { tags: ['auth'], summary: 'Who is signed in, and whether they are out of office' } },
    async (request) => {
      const { user } = userOf(request);
      return { ...publicUser(user), out_of_office: user.out_of_office };
    },
  );
}
