// Liveness and readiness for load balancers and orchestrators.

import type { FastifyInstance } from 'fastify';
import type { Services } from '../../services/services.js';

/**
 * A database that takes longer than this to answer one small read counts as not ready: a probe
 * must get an answer before its own timeout (often 1-5 s), not hang with the requests it guards.
 */
export const READY_TIMEOUT_MS = 2_000;

function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

export function healthRoutes(app: FastifyInstance, services: Services): void {
  app.get('/healthz', { schema: { tags: ['health'], summary: 'The process is alive' } }, async () => ({ ok: true }));

  app.get(
    '/readyz',
    { schema: { tags: ['health'], summary: 'The process can serve: database reachable, policy loaded' } },
    async (request, reply) => {
      try {
        await within(services.store.tenants.get('readyz'), READY_TIMEOUT_MS);
        return { ok: true, policy_version: services.policies.for('default').current().version };
      } catch (error) {
        // The cause goes to the log; anyone may call this route, and a driver's message can name hosts and users.
        request.log.warn({ err: error }, 'not ready: the database did not answer');
        return reply.status(503).send({ error: { code: 'server.unavailable', message: 'the database is unreachable' } });
      }
    },
  );
}
