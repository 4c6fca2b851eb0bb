// The notification outbox in the API: messages by status (the dead-letter list is
// `?status=dead`) for admins and auditors, and re-driving a dead message for admins.

import type { FastifyInstance } from 'fastify';
import { TollgateError } from '../../errors.js';
import { OUTBOX_STATUSES, type OutboxStatus } from '../../stores/notify-store.js';
import type { Services } from '../../services/services.js';
import { guards, userOf } from '../auth.js';

export function notificationRoutes(app: FastifyInstance, services: Services): void {
  const guard = guards(services);

  app.get(
    '/v1/notifications',
    {
      onRequest: guard.user(['admin', 'auditor']),
      schema: {
        tags: ['notifications'],
        summary: 'Notification messages, newest first; `?status=dead` is the dead-letter list',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            status: { type: 'string', description: `comma-separated: ${OUTBOX_STATUSES.join(', ')}` },
            approval_id: { type: 'string', maxLength: 64 },
            limit: { type: 'integer', minimum: 1, maximum: 1000 },
          },
        },
      },
    },
    async (request) => {
      const query = request.query as { status?: string; approval_id?: string; limit?: number };
      const status = query.status?.split(',').filter((value) => value !== '');
      for (const value of status ?? [])
        if (!OUTBOX_STATUSES.includes(value as OutboxStatus))
          throw new TollgateError('request.invalid', `unknown status \`${value}\``, { field: 'querystring.status' });
      return {
        notifications: await services.notifications.list(request.principal!.tenant_id, {
          ...(status === undefined ? {} : { status: status as OutboxStatus[] }),
          ...(query.approval_id === undefined ? {} : { approvalId: query.approval_id }),
          ...(query.limit === undefined ? {} : { limit: query.limit }),
        }),
      };
    },
  );

  app.post(
    '/v1/notifications/:id/redrive',
    {
      onRequest: guard.user(['admin']),
      schema: {
        tags: ['notifications'],
        summary: 'Queue a dead notification again',
        params: { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 64 } } },
      },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const view = await services.notifications.redrive(request.principal!.tenant_id, id, `user:${userOf(request).user.id}`);
      // Delivered at once when the sender runs in this process; otherwise on its next sweep.
      services.notifications.sender.kick();
      return view;
    },
  );
}
