// Oversight metrics (DESIGN §6): figures per gate, approver and agent over a window, with
// warnings and recommendations, as JSON for dashboards, as time series for charts, and in
// Prometheus text for scrapers.

import type { FastifyInstance } from 'fastify';
import { BUCKETS, DEFAULT_WINDOW, GROUPINGS, type SeriesQuery } from '../../services/metrics-service.js';
import type { Services } from '../../services/services.js';
import { guards } from '../auth.js';
import { prometheusText } from '../prometheus.js';

const windowQuery = {
  window: { type: 'string', maxLength: 16, description: `a duration such as 24h, 7d or 30d (default ${DEFAULT_WINDOW})` },
};

const rate = { type: ['number', 'null'], description: 'fraction 0..1; null when the bucket has nothing to count' };
const ms = { type: ['number', 'null'] };

/** The answer of GET /v1/metrics/series, as the dashboard draws it. */
const seriesReply = {
  type: 'object',
  required: ['window', 'bucket', 'from', 'to', 'points'],
  properties: {
    window: { type: 'string' },
    bucket: { type: 'string', enum: [...BUCKETS] },
    from: { type: 'string', format: 'date-time', description: 'the window start, rounded down to a whole bucket' },
    to: { type: 'string', format: 'date-time', description: 'now: the end of the last bucket, which is still in progress' },
    points: {
      type: 'array',
      items: {
        type: 'object',
        required: [
          'start',
          'end',
          'requests',
          'decisions',
          'approval_rate',
          'time_to_decision_ms',
          'timeout_rate',
          'reversal_rate',
          'miss_rate',
        ],
        properties: {
          start: { type: 'string', format: 'date-time' },
          end: { type: 'string', format: 'date-time' },
          requests: { type: 'integer', description: 'approval requests created (with `approver`: the requests they voted on)' },
          decisions: { type: 'integer', description: 'requests decided by people (with `approver`: their votes)' },
          approval_rate: rate,
          time_to_decision_ms: {
            type: 'object',
            required: ['p50', 'p90', 'p99'],
            description: 'request → final verdict (with `approver`: when they could act → their vote); null with no decision',
            properties: { p50: ms, p90: ms, p99: ms },
          },
          timeout_rate: rate,
          reversal_rate: rate,
          miss_rate: rate,
        },
      },
    },
  },
};

export function metricsRoutes(app: FastifyInstance, services: Services): void {
  const guard = guards(services);

  app.get(
    '/v1/metrics',
    {
      onRequest: guard.user(),
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
    '/v1/metrics/series',
    {
      onRequest: guard.user(),
      schema: {
        tags: ['metrics'],
        summary: 'Oversight figures per day or hour over a window, for the tenant or one gate, approver or agent',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ...windowQuery,
            bucket: { type: 'string', enum: [...BUCKETS], description: 'UTC days or hours (default day; hours for windows up to 31d)' },
            gate: { type: 'string', minLength: 1, maxLength: 200, description: 'only this gate (rule)' },
            approver: { type: 'string', minLength: 1, maxLength: 200, description: 'only this person (user id or name)' },
            agent: { type: 'string', minLength: 1, maxLength: 200, description: 'only this agent' },
          },
        },
        response: { 200: seriesReply },
      },
    },
    async (request) => services.metrics.series(request.principal!.tenant_id, request.query as SeriesQuery),
  );

  app.get(
    '/metrics',
    {
      onRequest: guard.user(['admin', 'auditor']),
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
