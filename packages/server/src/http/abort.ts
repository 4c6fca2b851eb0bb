// Long-polls end early when the client goes away, and when the server shuts down: a graceful
// shutdown answers waiting agents at once (with the state as it stands) instead of holding the
// process open for up to a minute.

import type { ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { errorBody } from './error-handler.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Aborted when the server starts closing. */
    closing: AbortSignal;
  }
}

/** Call once on the root app, before routes: aborts every long-poll when the app starts closing. */
export function installShutdownSignal(app: FastifyInstance): void {
  const controller = new AbortController();
  // A decoration, so that route contexts (plugins) see the root's signal too.
  app.decorate('closing', controller.signal);
  app.addHook('preClose', async () => controller.abort());
  // Answers given while closing end their connection: a kept-alive connection would otherwise
  // hold the server open until the client hangs up.
  app.addHook('onSend', async (_request, reply) => {
    if (controller.signal.aborted) reply.header('connection', 'close');
  });
  // A request that arrives once closing has begun is refused, so a balancer retries it elsewhere.
  app.addHook('onRequest', async (_request, reply) => {
    if (!controller.signal.aborted) return;
    await reply
      .status(503)
      .header('retry-after', '1')
      .send(errorBody('server.unavailable', 'the server is shutting down; retry (another node will answer)'));
  });
}

/**
 * Calls `end` once the response is over, however it ends (answered, the client gone, the server
 * closing): at once when it is over already, since a response that closed early emits no more.
 */
export function whenEnded(response: ServerResponse, end: () => void): void {
  if (response.destroyed) end();
  else response.once('close', end);
}

export function abortOnClose(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  // The response closes before it has ended only when the connection was dropped; a client gone
  // while the request was read must not leave its wait running.
  whenEnded(reply.raw, () => {
    if (!reply.raw.writableEnded) controller.abort();
  });
  const shutdown = reply.server.closing as AbortSignal | undefined;
  return shutdown === undefined ? controller.signal : AbortSignal.any([controller.signal, shutdown]);
}
