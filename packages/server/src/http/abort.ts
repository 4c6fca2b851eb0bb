// Stops long-polls when the client goes away, so a dropped agent does not hold a waiter.

import type { FastifyReply } from 'fastify';

export function abortOnClose(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  // The response closes before it has ended only when the connection was dropped.
  reply.raw.once('close', () => {
    if (!reply.raw.writableEnded) controller.abort();
  });
  return controller.signal;
}
