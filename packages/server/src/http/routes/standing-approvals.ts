// People's endpoints for standing approvals: list them and revoke one (docs/approvals.md#standing-approvals).

import type { FastifyInstance } from 'fastify';
import type { Services } from '../../services/services.js';
import { guards, userOf } from '../auth.js';

const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 64 } } } as const;

export function standingApprovalRoutes(app: FastifyInstance, services: Services): void {
  const guard = guards(services);

  app.get(
    '/v1/standing-approvals',
    {
      onRequest: guard.user(),
      schema: {
        tags: ['approvals'],
        summary: 'List standing approvals, newest first',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            active: { type: 'boolean', description: 'only those that can still cover an action: not revoked, not expired, uses left' },
            agent: { type: 'string', maxLength: 200 },
            limit: { type: 'integer', minimum: 1, maximum: 1000 },
            after: { type: 'string', maxLength: 64, description: 'the id of the last one seen' },
          },
        },
      },
    },
    async (request) => {
      const query = request.query as { active?: boolean; agent?: string; limit?: number; after?: string };
      return { standing_approvals: await services.standing.list(userOf(request), query) };
    },
  );

  app.delete(
    '/v1/standing-approvals/:id',
    {
      onRequest: guard.user(['admin', 'approver']),
      schema: { tags: ['approvals'], summary: 'Revoke a standing approval: it covers nothing from now on', params: idParams },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      return services.standing.revoke(userOf(request), id);
    },
  );
}
