// Agents and post-execution review: agents' levels and records, setting a level by hand, the
// review queue, and reviewing an executed action (ok, flag, reverse).

import type { FastifyInstance } from 'fastify';
import { TollgateError } from '../../errors.js';
import type { ReviewStatus } from '../../stores/records.js';
import type { ReviewVerdict } from '../../services/review-service.js';
import type { Services } from '../../services/services.js';
import { guards, userOf } from '../auth.js';

const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 64 } } } as const;
const REVIEW_STATUSES: ReviewStatus[] = ['pending', 'ok', 'flagged', 'reversing', 'reversed'];

export function autonomyRoutes(app: FastifyInstance, services: Services): void {
  const guard = guards(services);

  app.get(
    '/v1/agents',
    { onRequest: guard.user(), schema: { tags: ['agents'], summary: 'Agents with their autonomy level and track record' } },
    async (request) => ({
      agents: await services.agents.list(request.principal!.tenant_id),
    }),
  );

  app.get(
    '/v1/agents/:id',
    {
      onRequest: guard.user(),
      schema: { tags: ['agents'], summary: 'One agent: level, record per action class, level history', params: idParams },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      return services.agents.get(request.principal!.tenant_id, id);
    },
  );

  app.post(
    '/v1/agents/:id/level',
    {
      onRequest: guard.user(['admin']),
      schema: {
        tags: ['agents'],
        summary: 'Set an agent’s autonomy level by hand (audited)',
        params: idParams,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['level', 'reason'],
          properties: { level: { type: 'integer', minimum: 0, maximum: 100 }, reason: { type: 'string', minLength: 1, maxLength: 4000 } },
        },
      },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const body = request.body as { level: number; reason: string };
      return services.agents.setLevel(userOf(request), id, body.level, body.reason);
    },
  );

  app.get(
    '/v1/reviews',
    {
      onRequest: guard.user(),
      schema: {
        tags: ['reviews'],
        summary: 'The post-execution review queue, oldest first',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            status: { type: 'string', description: `comma-separated: ${REVIEW_STATUSES.join(', ')}` },
            limit: { type: 'integer', minimum: 1, maximum: 1000 },
          },
        },
      },
    },
    async (request) => {
      const query = request.query as { status?: string; limit?: number };
      const status = (query.status ?? 'pending').split(',') as ReviewStatus[];
      for (const value of status) {
        if (!REVIEW_STATUSES.includes(value)) {
          throw new TollgateError('request.invalid', `unknown status \`${value}\``, { field: 'querystring.status' });
        }
      }
      return { reviews: await services.reviews.list(request.principal!.tenant_id, status, query.limit ?? 100) };
    },
  );

  app.post(
    '/v1/actions/:id/review',
    {
      onRequest: guard.user(['admin', 'approver']),
      schema: {
        tags: ['reviews'],
        summary: 'Review an executed action: ok, flag (with a note), or reverse (runs its compensation)',
        params: idParams,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['verdict'],
          properties: { verdict: { type: 'string', enum: ['ok', 'flag', 'reverse'] }, note: { type: 'string', maxLength: 4000 } },
        },
      },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const body = request.body as { verdict: ReviewVerdict; note?: string };
      return services.reviews.review(userOf(request), id, body.verdict, body.note);
    },
  );

  app.get(
    '/v1/webhooks/secret',
    {
      onRequest: guard.user(['admin']),
      schema: { tags: ['webhooks'], summary: 'The secret the tenant’s outbound webhooks are signed with (Standard Webhooks)' },
    },
    async (request) => ({
      secret: await services.webhookSecret(request.principal!.tenant_id),
    }),
  );
}
