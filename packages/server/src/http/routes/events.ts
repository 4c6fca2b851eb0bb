// Live updates for the dashboard over Server-Sent Events: new, voted, decided and timed-out
// requests of the signed-in person's tenant, with a heartbeat so proxies keep the stream open.

import type { FastifyInstance } from 'fastify';
import type { Services } from '../../services/services.js';
import { whenEnded } from '../abort.js';
import { guards } from '../auth.js';
import { holdSlot } from '../hold-limits.js';

const HEARTBEAT_MS = 15_000;

export function eventRoutes(app: FastifyInstance, services: Services): void {
  const guard = guards(services);
  const open = new Set<() => void>();
  // Streams never end on their own; they must end before the server can close (preClose), or a
  // graceful shutdown would wait for every open dashboard tab.
  app.addHook('preClose', async () => {
    for (const close of [...open]) close();
  });

  app.get(
    '/v1/events',
    { onRequest: [guard.user(), holdSlot()], schema: { tags: ['events'], summary: 'Server-Sent Events stream of live changes' } },
    async (request, reply) => {
      const tenantId = request.principal!.tenant_id;
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      raw.write(`retry: 3000\n: connected\n\n`);
      let counter = 0;
      const unsubscribe = services.bus.subscribe(tenantId, (event) => {
        counter += 1;
        raw.write(`id: ${counter}\nevent: ${event.type}\ndata: ${JSON.stringify({ ...event, at: new Date(event.at).toISOString() })}\n\n`);
      });
      const heartbeat = setInterval(() => raw.write(': heartbeat\n\n'), HEARTBEAT_MS);
      const close = (): void => {
        clearInterval(heartbeat);
        unsubscribe();
        open.delete(close);
        raw.end();
      };
      open.add(close);
      // A client gone before the stream began would otherwise keep its subscription and heartbeat for good.
      whenEnded(raw, close);
    },
  );
}
