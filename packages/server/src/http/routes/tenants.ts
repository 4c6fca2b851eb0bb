// The operator's level, above every tenant's admin (DESIGN §11): the tenants themselves, any
// tenant's policy, and the server settings. A tenant's admin may push only their own tenant's policy.

import type { FastifyInstance } from 'fastify';
import type { PolicyFile } from '@tollgate/core';
import { TollgateError } from '../../errors.js';
import { actorOf } from '../../services/principals.js';
import type { Services } from '../../services/services.js';
import { guards, userOf } from '../auth.js';
import { filesBody } from './policy-rollout.js';

const TENANT_ID = '^[a-z0-9][a-z0-9_-]{0,62}$';
const tenantParams = {
  type: 'object',
  required: ['tenant'],
  properties: { tenant: { type: 'string', pattern: TENANT_ID, description: 'a tenant id' } },
} as const;

export function tenantRoutes(app: FastifyInstance, services: Services): void {
  const guard = guards(services);

  const describe = async (tenantId: string) => {
    const live = services.policies.for(tenantId);
    return { policy: { version: live.current().version, source: live.source(), served_from_files: live.servedFromFiles() } };
  };

  app.get(
    '/v1/tenants',
    {
      onRequest: guard.user(['operator']),
      schema: { tags: ['tenants'], summary: 'Every tenant, with its live policy version (operators)' },
    },
    async () => {
      const tenants = await services.store.tenants.list();
      return {
        tenants: await Promise.all(
          tenants.map(async (tenant) => ({
            id: tenant.id,
            name: tenant.name,
            created_at: new Date(tenant.created_at).toISOString(),
            ...(await describe(tenant.id)),
          })),
        ),
      };
    },
  );

  app.post(
    '/v1/tenants',
    {
      onRequest: guard.user(['operator']),
      schema: {
        tags: ['tenants'],
        summary: 'Create a tenant (operators); it starts on the starter policy: every action needs approval',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['id'],
          properties: { id: { type: 'string', pattern: TENANT_ID }, name: { type: 'string', minLength: 1, maxLength: 200 } },
        },
      },
    },
    async (request, reply) => {
      const body = request.body as { id: string; name?: string };
      if ((await services.store.tenants.get(body.id)) !== undefined)
        throw new TollgateError('tenant.exists', `tenant \`${body.id}\` exists already`, { field: 'id' });
      await services.store.tenants.ensure({ id: body.id, name: body.name ?? body.id, created_at: services.clock.now() });
      return reply.code(201).send({ id: body.id, name: body.name ?? body.id, ...(await describe(body.id)) });
    },
  );

  app.put(
    '/v1/tenants/:tenant/policy',
    {
      onRequest: guard.user(['operator', 'admin']),
      schema: {
        tags: ['tenants'],
        summary: "Make a policy the tenant's live one at once, on every node (its admin, or an operator); audited on its chain",
        params: tenantParams,
        body: { type: 'object', additionalProperties: false, required: ['files'], properties: { files: filesBody } },
      },
    },
    async (request) => {
      const { tenant } = request.params as { tenant: string };
      const principal = userOf(request);
      // An admin's own tenant only; any other is answered as if it did not exist.
      const mine = principal.user.role === 'operator' || principal.tenant_id === tenant;
      if (!mine || (await services.store.tenants.get(tenant)) === undefined)
        throw new TollgateError('tenant.not_found', `no tenant \`${tenant}\``, { field: 'tenant' });
      const { files } = request.body as { files: PolicyFile[] };
      const pushed = await services.shadow.push(tenant, files, actorOf(principal));
      request.log.info({ tenant, version: pushed.version, changed: pushed.changed }, 'policy pushed');
      return { tenant, ...pushed };
    },
  );

  app.get(
    '/v1/settings/server',
    {
      onRequest: guard.user(['operator']),
      schema: { tags: ['tenants'], summary: "The operator's server settings (they name secrets, never hold them)" },
    },
    async () => services.settings,
  );
}
