// Builds the HTTP API (DESIGN §9): JSON under /v1, schemas that also produce /openapi.json,
// stable error codes, size limits and per-key rate limits.

import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import type { Services } from '../services/services.js';
import { FailureWindow } from '../auth/failure-window.js';
import { TollgateError } from '../errors.js';
import { clientKey, principalFor, tokenOf, type CredentialChecks } from './auth.js';
import { installShutdownSignal } from './abort.js';
import { HeldRequests } from './hold-limits.js';
import { errorBody, installErrorHandler } from './error-handler.js';
import { installValidation } from './validation.js';
import { installJsonBodies } from './json-body.js';
import { actionRoutes } from './routes/actions.js';
import { approvalRoutes } from './routes/approvals.js';
import { standingApprovalRoutes } from './routes/standing-approvals.js';
import { auditRoutes } from './routes/audit.js';
import { authRoutes } from './routes/auth.js';
import { eventRoutes } from './routes/events.js';
import { healthRoutes } from './routes/health.js';
import { jobRoutes } from './routes/jobs.js';
import { autonomyRoutes } from './routes/autonomy.js';
import { metricsRoutes } from './routes/metrics.js';
import { policyRoutes } from './routes/policy.js';
import { policyRolloutRoutes } from './routes/policy-rollout.js';
import { tenantRoutes } from './routes/tenants.js';
import { integrationRoutes } from './routes/integrations.js';
import { outboundSettingsRoutes } from './routes/outbound-settings.js';
import { notificationRoutes } from './routes/notifications.js';
import { questionRoutes } from './routes/questions.js';

export interface AppOptions {
  /** Requests per second per API key or session (per address when anonymous); 0 turns limits off. */
  rateLimit: number;
  logger?: FastifyServerOptions['logger'];
  secureCookies?: boolean;
  /** Largest request body in bytes (actions have their own, smaller limit). */
  bodyLimit?: number;
  /** The address people reach the server at; its origin may use the session cookie. */
  publicUrl?: string;
  /** Proxies whose X-Forwarded-For gives the client's address (for per-address limits and logs). */
  trustProxy?: number | string;
}

/** Requests with unknown credentials one address may send in a window before it is refused. */
export const CREDENTIAL_FAILURES_PER_ADDRESS = 30;
export const CREDENTIAL_FAILURE_WINDOW_MS = 60_000;

/**
 * Log fields that may hold a secret, censored should anything log a request or its headers: the
 * API's own logging sticks to errors, but a serializer or a future log line must not leak tokens.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-slack-signature"]',
  'req.headers["x-hub-signature"]',
  'req.headers["webhook-signature"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  '*.password',
  '*.token',
  '*.secret',
  '*.signing_secret',
  '*.authorization',
  '*.cookie',
];

/**
 * A request as the log shows it: its route's pattern, never the URL as sent, whose path or query
 * may hold a one-click link's token or whatever a client pasted there.
 */
function requestForLog(request: FastifyRequest): Record<string, unknown> {
  return { method: request.method, route: request.routeOptions.url ?? '(no route)', remoteAddress: request.ip };
}

function withRedaction(logger: FastifyServerOptions['logger']): FastifyServerOptions['logger'] {
  if (logger === undefined || logger === false) return false;
  const base = logger === true ? {} : logger;
  return {
    ...base,
    serializers: { ...(base as { serializers?: object }).serializers, req: requestForLog },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  };
}

/** One line per request only when debugging: at decision rates it would be most of the log. */
function logsRequests(logger: FastifyServerOptions['logger']): boolean {
  const level = typeof logger === 'object' && logger !== null && 'level' in logger ? String(logger.level) : 'info';
  return level === 'debug' || level === 'trace';
}

function originOf(url: string | undefined): string[] {
  if (url === undefined) return [];
  try {
    return [new URL(url).origin];
  } catch {
    return [];
  }
}

/** Fastify's form: addresses as they are; a number of hops as "believe the nearest n". */
function trustProxyOption(trust: number | string): string | ((address: string, hop: number) => boolean) {
  return typeof trust === 'number' ? (_address, hop) => hop < trust : trust;
}

export async function buildApp(services: Services, options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: withRedaction(options.logger),
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    logController: new LogController({ disableRequestLogging: !logsRequests(options.logger) }),
    // While closing, new requests get our own 503 (see installShutdownSignal), in the API's error format.
    return503OnClosing: false,
    ...(options.trustProxy === undefined ? {} : { trustProxy: trustProxyOption(options.trustProxy) }),
    // Errors Fastify raises before routing (an overlong or badly encoded URL) get our error format too.
    frameworkErrors: (error, _request, reply) => {
      const message = `bad request: ${error.message.charAt(0).toLowerCase()}${error.message.slice(1)}`;
      void (reply as FastifyReply).code(error.statusCode ?? 400).send(errorBody('request.invalid', message, { field: 'url' }));
    },
  });
  // JSON only: a body sent as text/plain is refused as an unsupported media type, not parsed as a string.
  app.removeContentTypeParser('text/plain');
  installJsonBodies(app);
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

  const checks: CredentialChecks = {
    failures:
      options.rateLimit > 0
        ? new FailureWindow({
            max: CREDENTIAL_FAILURES_PER_ADDRESS,
            windowMs: CREDENTIAL_FAILURE_WINDOW_MS,
            now: () => services.clock.now(),
          })
        : undefined,
    origins: originOf(options.publicUrl),
  };
  app.decorate('credentialChecks', checks);
  // Not tied to --rate-limit: a held request costs a connection and memory whatever the request rate.
  app.decorate('held', new HeldRequests(services.settings.limits));

  if (options.rateLimit > 0) {
    await app.register(rateLimit, {
      global: true,
      max: options.rateLimit,
      timeWindow: 1000,
      // Per key or person, once the credentials are known to be good: a made-up token must not open
      // a bucket of its own, or rotating tokens would escape every limit. Otherwise per address.
      keyGenerator: async (request) => {
        const found = tokenOf(request);
        if (found === undefined) return clientKey(request);
        const principal = await principalFor(services, request, found.token).catch(() => undefined);
        if (principal === undefined) return clientKey(request);
        return principal.kind === 'user' ? `user:${principal.tenant_id}:${principal.user.id}` : `key:${principal.key_id}`;
      },
      errorResponseBuilder: (_request, context) =>
        new TollgateError(
          'request.rate_limited',
          `rate limit of ${context.max} requests exceeded; retry in ${Math.max(1, Math.ceil(context.ttl / 1000))} s`,
          { retry_after: Math.max(1, Math.ceil(context.ttl / 1000)) },
        ),
    });
  }

  healthRoutes(app, services);
  authRoutes(app, services, { secureCookies: options.secureCookies ?? false });
  actionRoutes(app, services);
  approvalRoutes(app, services);
  standingApprovalRoutes(app, services);
  questionRoutes(app, services);
  jobRoutes(app, services);
  autonomyRoutes(app, services);
  auditRoutes(app, services);
  eventRoutes(app, services);
  policyRoutes(app, services);
  policyRolloutRoutes(app, services);
  tenantRoutes(app, services);
  metricsRoutes(app, services);
  notificationRoutes(app, services);
  integrationRoutes(app, services);
  outboundSettingsRoutes(app, services);
  (await import('./routes/dashboard.js')).dashboardRoutes(app);
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  return app;
}
