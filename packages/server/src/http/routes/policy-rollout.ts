// Trying a policy before it is live: simulate it on recorded history, or run it as a shadow
// beside the live one and promote it when its differences look right (DESIGN §3.6). The shadow
// and the promotion are kept in the database, so every node and every restart sees them.

import type { FastifyInstance } from 'fastify';
import type { Services } from '../../services/services.js';
import type { PolicyFile } from '@tollgate/core';
import { guards, userOf } from '../auth.js';
import { actorOf } from '../../services/principals.js';

export const filesBody = {
  type: 'array',
  minItems: 1,
  maxItems: 200,
  description: 'the candidate policy, file by file',
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['path', 'text'],
    properties: { path: { type: 'string', minLength: 1, maxLength: 500 }, text: { type: 'string', maxLength: 1_000_000 } },
  },
};

export function policyRolloutRoutes(app: FastifyInstance, services: Services): void {
  const guard = guards(services);

  app.post(
    '/v1/policy/simulate',
    {
      // For people who may change the policy: a simulation is real work on a worker thread.
      onRequest: guard.user(['admin']),
      schema: {
        tags: ['policy'],
        summary:
          'Replay stored actions against a candidate policy: changed decisions and approval load (admins; off the event loop, time-limited, rate-limited)',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['files'],
          properties: { files: filesBody, since: { type: 'string', maxLength: 16, description: 'how far back to replay (default 30d)' } },
        },
      },
    },
    async (request) => {
      const body = request.body as { files: PolicyFile[]; since?: string };
      const principal = userOf(request);
      const who = `user:${principal.tenant_id}:${principal.user.id}`;
      return services.simulations.simulate(principal.tenant_id, body.files, {
        who,
        ...(body.since === undefined ? {} : { since: body.since }),
        onProgress: (done, total) => request.log.debug({ done, total }, 'simulation progress'),
      });
    },
  );

  app.get(
    '/v1/policy/shadow',
    {
      onRequest: guard.user(),
      schema: { tags: ['policy'], summary: 'The shadow policy and how its decisions differ from the live ones' },
    },
    async (request) => services.shadow.summary(request.principal!.tenant_id),
  );

  app.put(
    '/v1/policy/shadow',
    {
      onRequest: guard.user(['admin']),
      schema: {
        tags: ['policy'],
        summary: 'Store a candidate policy as the shadow of every node (evaluated on every decision, enforcing nothing)',
        body: { type: 'object', additionalProperties: false, required: ['files'], properties: { files: filesBody } },
      },
    },
    async (request) => {
      const principal = request.principal!;
      const { files } = request.body as { files: PolicyFile[] };
      const version = await services.shadow.set(files, principal.tenant_id, actorOf(principal));
      return { version, live_version: services.policies.for(principal.tenant_id).current().version };
    },
  );

  app.delete(
    '/v1/policy/shadow',
    { onRequest: guard.user(['admin']), schema: { tags: ['policy'], summary: 'Stop shadowing, on every node' } },
    async (request, reply) => {
      const principal = request.principal!;
      await services.shadow.clear(principal.tenant_id, actorOf(principal));
      return reply.code(204).send();
    },
  );

  app.post(
    '/v1/policy/shadow/promote',
    {
      onRequest: guard.user(['admin']),
      schema: {
        tags: ['policy'],
        summary: 'Make the shadow policy the live one on every node (audited; kept until the policy files change)',
      },
    },
    async (request) => {
      const principal = request.principal!;
      return services.shadow.promote(principal.tenant_id, actorOf(principal));
    },
  );
}
