// Operational numbers: decisions by status and open approvals, as JSON and in Prometheus text.

import type { FastifyInstance } from 'fastify';
import type { ActionStatus } from '../../stores/records.js';
import type { Services } from '../../services/services.js';
import { guards } from '../auth.js';

const STATUSES: ActionStatus[] = [
  'allowed',
  'review',
  'pending',
  'approved',
  'denied',
  'changes_requested',
  'timed_out',
  'executed',
  'failed',
  'reversed',
];

async function snapshot(services: Services, tenantId: string): Promise<{ by_status: Record<string, number>; pending_approvals: number }> {
  const by_status: Record<string, number> = {};
  for (const status of STATUSES) by_status[status] = await services.store.actions.count(tenantId, { status: [status] });
  const pending = await services.store.approvals.list(tenantId, { status: ['pending'], limit: 1000 });
  return { by_status, pending_approvals: pending.length };
}

export function metricsRoutes(app: FastifyInstance, services: Services): void {
  const guard = guards(services);

  app.get(
    '/v1/metrics',
    { preHandler: guard.user(), schema: { tags: ['metrics'], summary: 'Oversight numbers for the tenant' } },
    async (request) => {
      const numbers = await snapshot(services, request.principal!.tenant_id);
      return {
        actions: { total: Object.values(numbers.by_status).reduce((a, b) => a + b, 0), by_status: numbers.by_status },
        approvals: { pending: numbers.pending_approvals },
      };
    },
  );

  app.get(
    '/metrics',
    { preHandler: guard.user(['admin', 'auditor']), schema: { tags: ['metrics'], summary: 'Prometheus metrics' } },
    async (request, reply) => {
      const numbers = await snapshot(services, request.principal!.tenant_id);
      const lines = ['# HELP tollgate_actions Actions by current status.', '# TYPE tollgate_actions gauge'];
      for (const [status, count] of Object.entries(numbers.by_status)) lines.push(`tollgate_actions{status="${status}"} ${count}`);
      lines.push(
        '# HELP tollgate_approvals_pending Approval requests waiting for people.',
        '# TYPE tollgate_approvals_pending gauge',
        `tollgate_approvals_pending ${numbers.pending_approvals}`,
      );
      reply.header('content-type', 'text/plain; version=0.0.4; charset=utf-8');
      return `${lines.join('\n')}\n`;
    },
  );
}
