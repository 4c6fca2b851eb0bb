// Oversight metrics (DESIGN §6): figures per gate, approver and agent over a window, with
// warnings and recommendations, as JSON for dashboards and in Prometheus text for scrapers.

import type { FastifyInstance } from 'fastify';
import { DEFAULT_WINDOW, GROUPINGS } from '../../services/metrics-service.js';
import type { Services } from '../../services/services.js';
import { guards } from '../auth.js';
import { prometheusText } from '../prometheus.js';

const windowQuery = {
  window: { type: 'string', maxLength: 16, description: `a duration such as 24h, 7d or 30d (default ${DEFAULT_WINDOW})` },
};

export function metricsRoutes(app: FastifyInstance, services: Services): void {
  const guard = guards(services);

  app.get(
    '/v1/metrics',
    {
      preHandler: guard.user(),
      schema: {
        tags: ['metrics'],
        summary: 'Oversight metrics, warnings and recommendations for the tenant over a window',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ...windowQuery,
            by: { type: 'string', enum: [...GROUPINGS], description: 'only this grouping (default: all three)' },
          },
        },
      },
    },
    async (request) => {
      const { window, by } = request.query as { window?: string; by?: string };
      return services.metrics.report(request.principal!.tenant_id, {
        ...(window === undefined ? {} : { window }),
        ...(by === undefined ? {} : { by }),
      });
    },
  );

  app.get(
    '/metrics',
    {
      preHandler: guard.user(['admin', 'auditor']),
      schema: {
        tags: ['metrics'],
        summary: 'Prometheus metrics',
        querystring: { type: 'object', additionalProperties: false, properties: windowQuery },
      },
    },
    async (request, reply) => {
      const { window } = request.query as { window?: string };
      const result = await services.metrics.compute(request.principal!.tenant_id, window ?? DEFAULT_WINDOW);
      reply.header('content-type', 'text/plain; version=0.0.4; charset=utf-8');
      return prometheusText(result);
    },
  );
}
