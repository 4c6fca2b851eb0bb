// The tenant's outbound hosts: its admin adds public hosts its webhooks and reversals may call, on
// top of the operator's allow-list; admins and auditors read what applies.

import type { FastifyInstance } from 'fastify';
import type { Services } from '../../services/services.js';
import { MAX_TENANT_HOSTS } from '../../services/outbound-service.js';
import { guards, userOf } from '../auth.js';

export function outboundSettingsRoutes(app: FastifyInstance, services: Services): void {
  const guard = guards(services);

  app.get(
    '/v1/settings/outbound',
    {
      onRequest: guard.user(['admin', 'auditor']),
      schema: {
        tags: ['settings'],
        summary: "Where this tenant's outbound calls may go: the operator's allow-list, its grants to the tenant, and the admin's hosts",
      },
    },
    async (request) => services.outbound.view(request.principal!.tenant_id),
  );

  app.put(
    '/v1/settings/outbound',
    {
      onRequest: guard.user(['admin']),
      schema: {
        tags: ['settings'],
        summary: "Replace the public hosts this tenant's webhooks and reversals may call (addresses and plain http stay the operator's)",
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['allow_hosts'],
          properties: {
            allow_hosts: { type: 'array', maxItems: MAX_TENANT_HOSTS, items: { type: 'string', minLength: 1, maxLength: 255 } },
          },
        },
      },
    },
    async (request) => services.outbound.setHosts(userOf(request), (request.body as { allow_hosts: string[] }).allow_hosts),
  );
}
