// Liveness and readiness for load balancers and orchestrators.

import type { FastifyInstance } from 'fastify';
import type { Services } from '../../services/services.js';

export function healthRoutes(app: FastifyInstance, services: Services): void {
  app.get('/healthz', { schema: { tags: ['health'], summary: 'The process is alive' } }, async () => ({ ok: true }));

  app.get(
    '/readyz',
    { schema: { tags: ['health'], summary: 'The process can serve: database reachable, policy loaded' } },
    async (_request, reply) => {
      try {
        await services.store.tenants.get('readyz');
        return { ok: true, policy_version: services.policies.current().version };
      } catch (error) {
        return reply
          .status(503)
          .send({ error: { code: 'server.unavailable', message: `database unreachable: ${String((error as Error).message)}` } });
      }
    },
  );
}
