// Workers' endpoints for workflow worker steps: take a job (long-poll), heartbeat, complete, fail.
// Only worker keys get past the guard; the job service checks each key's capabilities.

import type { FastifyInstance } from 'fastify';
import { MAX_JOB_WAIT_SECONDS } from '../../services/job-service.js';
import type { Services } from '../../services/services.js';
import { abortOnClose } from '../abort.js';
import { guards, workerOf } from '../auth.js';
import { holdSlot, waits } from '../hold-limits.js';

/** The lease a worker holds, as `attempt` from its job: with a shared key, it tells workers apart. */
const attempt = { type: 'integer', minimum: 1, description: 'the job’s `attempt` this worker was given' } as const;
const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 64 } } } as const;

export function jobRoutes(app: FastifyInstance, services: Services): void {
  const guard = guards(services);

  app.get(
    '/v1/jobs/next',
    {
      onRequest: [guard.worker, holdSlot(waits)],
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
      const job = await services.jobs.next(workerOf(request), capability, wait ?? 0, abortOnClose(reply));
      if (job === undefined) return reply.status(204).send();
      return job;
    },
  );

  app.post(
    '/v1/jobs/:id/heartbeat',
    {
      onRequest: guard.worker,
      schema: {
        tags: ['jobs'],
        summary: 'Keep the lease on a job',
        params: idParams,
        querystring: { type: 'object', additionalProperties: false, properties: { attempt } },
      },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      return services.jobs.heartbeat(workerOf(request), id, (request.query as { attempt?: number }).attempt);
    },
  );

  app.post(
    '/v1/jobs/:id/complete',
    {
      onRequest: guard.worker,
      schema: {
        tags: ['jobs'],
        summary: 'Finish a job with its output (shown to later steps and approvers)',
        params: idParams,
        body: { type: 'object', additionalProperties: false, properties: { output: {}, attempt } },
      },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const body = request.body as { output?: unknown; attempt?: number } | undefined;
      return services.jobs.complete(workerOf(request), id, body?.output ?? null, body?.attempt);
    },
  );

  app.post(
    '/v1/jobs/:id/fail',
    {
      onRequest: guard.worker,
      schema: {
        tags: ['jobs'],
        summary: 'Report a failed job; it is offered again until its attempts run out (unless retry is false)',
        params: idParams,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['error'],
          properties: { error: { type: 'string', minLength: 1, maxLength: 10_000 }, retry: { type: 'boolean' }, attempt },
        },
      },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const body = request.body as { error: string; retry?: boolean; attempt?: number };
      return services.jobs.fail(workerOf(request), id, body.error, body.retry ?? true, body.attempt);
    },
  );
}
