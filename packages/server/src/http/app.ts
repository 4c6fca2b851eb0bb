// Builds the HTTP API (DESIGN §9): JSON under /v1, schemas that also produce /openapi.json,
// stable error codes, size limits and per-key rate limits.

import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyServerOptions } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import { createHash } from 'node:crypto';
import type { Services } from '../services/services.js';
import { tokenOf } from './auth.js';
import { installShutdownSignal } from './abort.js';
import { errorBody, installErrorHandler } from './error-handler.js';
import { installValidation } from './validation.js';
import { actionRoutes } from './routes/actions.js';
import { approvalRoutes } from './routes/approvals.js';
import { auditRoutes } from './routes/audit.js';
import { authRoutes } from './routes/auth.js';
import { eventRoutes } from './routes/events.js';
import { healthRoutes } from './routes/health.js';
import { jobRoutes } from './routes/jobs.js';
import { autonomyRoutes } from './routes/autonomy.js';
import { metricsRoutes } from './routes/metrics.js';
import { policyRoutes } from './routes/policy.js';
import { policyRolloutRoutes } from './routes/policy-rollout.js';
import { integrationRoutes } from './routes/integrations.js';
import { notificationRoutes } from './routes/notifications.js';

export interface AppOptions {
  /** Requests per second per API key or session (per address when anonymous); 0 turns limits off. */
  rateLimit: number;
  logger?: FastifyServerOptions['logger'];
  secureCookies?: boolean;
  /** Largest request body in bytes (actions have their own, smaller limit). */
  bodyLimit?: number;
}

export async function buildApp(services: Services, options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    // One log line per request would be most of the log at decision rates; errors are logged.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    // Errors Fastify raises before routing (an overlong or badly encoded URL) get our error format too.
    frameworkErrors: (error, _request, reply) => {
      const message = `bad request: ${error.message.charAt(0).toLowerCase()}${error.message.slice(1)}`;
      void (reply as FastifyReply).code(error.statusCode ?? 400).send(errorBody('request.invalid', message, { field: 'url' }));
    },
  });
  // JSON only: a body sent as text/plain is refused as an unsupported media type, not parsed as a string.
  app.removeContentTypeParser('text/plain');
  installErrorHandler(app);
  installValidation(app);
  installShutdownSignal(app);

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Tollgate', version: '0.1.0', description: 'Human-in-the-loop control plane for AI agents' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });

  if (options.rateLimit > 0) {
    await app.register(rateLimit, {
      global: true,
      max: options.rateLimit,
      timeWindow: 1000,
      keyGenerator: (request) => {
        const found = tokenOf(request);
        return found === undefined ? `ip:${request.ip}` : `token:${createHash('sha256').update(found.token).digest('hex').slice(0, 32)}`;
      },
      errorResponseBuilder: (_request, context) => {
        const error = new Error(
          `rate limit of ${context.max} requests per second exceeded; retry in ${Math.ceil(context.ttl / 1000)} s`,
        ) as Error & { statusCode: number };
        error.statusCode = 429;
        return error;
      },
    });
  }

  healthRoutes(app, services);
  authRoutes(app, services, { secureCookies: options.secureCookies ?? false });
  actionRoutes(app, services);
  approvalRoutes(app, services);
  jobRoutes(app, services);
  autonomyRoutes(app, services);
  auditRoutes(app, services);
  eventRoutes(app, services);
  policyRoutes(app, services);
  policyRolloutRoutes(app, services);
  metricsRoutes(app, services);
  notificationRoutes(app, services);
  integrationRoutes(app, services);
  (await import('./routes/dashboard.js')).dashboardRoutes(app);
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  return app;
}
