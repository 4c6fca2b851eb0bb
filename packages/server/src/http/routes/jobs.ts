// Workers' endpoints for workflow worker steps: take a job (long-poll), heartbeat, complete, fail.

import type { FastifyInstance } from 'fastify';
import { MAX_JOB_WAIT_SECONDS } from '../../services/job-service.js';
import type { Services } from '../../services/services.js';
import { abortOnClose } from '../abort.js';
import { agentOf, guards } from '../auth.js';

const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 64 } } } as const;

export function jobRoutes(app: FastifyInstance, services: Services): void {
  const guard = guards(services);

  app.get(
    '/v1/jobs/next',
    {
      preHandler: guard.agent,
      schema: {
        tags: ['jobs'],
        summary: 'Lease the next job of a capability, waiting for one to appear (204 when none did)',
        querystring: {
          type: 'object',
          additionalProperties: false,
          required: ['capability'],
          properties: {
            capability: { type: 'string', minLength: 1, maxLength: 100 },
            wait: { type: 'number', minimum: 0, maximum: MAX_JOB_WAIT_SECONDS },
          },
        },
      },
    },
    async (request, reply) => {
      const { capability, wait } = request.query as { capability: string; wait?: number };
      const job = await services.jobs.next(agentOf(request), capability, wait ?? 0, abortOnClose(reply));
      if (job === undefined) return reply.status(204).send();
      return job;
    },
  );

  app.post(
    '/v1/jobs/:id/heartbeat',
    { preHandler: guard.agent, schema: { tags: ['jobs'], summary: 'Keep the lease on a job', params: idParams } },
    async (request) => {
      const { id } = request.params as { id: string };
      return services.jobs.heartbeat(agentOf(request), id);
    },
  );

  app.post(
    '/v1/jobs/:id/complete',
    {
      preHandler: guard.agent,
      schema: {
        tags: ['jobs'],
        summary: 'Finish a job with its output (shown to later steps and approvers)',
        params: idParams,
        body: { type: 'object', additionalProperties: false, properties: { output: {} } },
      },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      return services.jobs.complete(agentOf(request), id, (request.body as { output?: unknown } | undefined)?.output ?? null);
    },
  );

  app.post(
    '/v1/jobs/:id/fail',
    {
      preHandler: guard.agent,
      schema: {
        tags: ['jobs'],
        summary: 'Report a failed job; it is offered again until its attempts run out (unless retry is false)',
        params: idParams,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['error'],
          properties: { error: { type: 'string', minLength: 1, maxLength: 10_000 }, retry: { type: 'boolean' } },
        },
      },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const body = request.body as { error: string; retry?: boolean };
      return services.jobs.fail(agentOf(request), id, body.error, body.retry ?? true);
    },
  );
}
