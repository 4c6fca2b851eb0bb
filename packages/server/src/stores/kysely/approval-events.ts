// The event log of each request's workflow: what the reducer was given, in order.

import type { WorkflowEvent } from '@tollgate/core';
import type { ApprovalEventRepository } from '../store.js';
import { fromJson, toJson, type RepositoryContext } from './context.js';
import { insertOnce } from './insert-once.js';

export function approvalEventRepository({ db }: RepositoryContext): ApprovalEventRepository {
  return {
    async append(event) {
      await insertOnce(
        db,
        'approval_events',
        { approval_id: event.approval_id, seq: event.seq, tenant_id: event.tenant_id, event: toJson(event.event), at: event.at },
        [{ constraint: 'approval_events_pkey', columns: ['approval_id', 'seq'] }],
      );
    },

    async list(tenantId, approvalId) {
      const rows = await db
        .selectFrom('approval_events')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('approval_id', '=', approvalId)
        .orderBy('seq')
        .execute();
      return rows.map((row) => ({
        approval_id: row.approval_id,
        seq: row.seq,
        tenant_id: row.tenant_id,
        event: fromJson<WorkflowEvent>(row.event),
        at: row.at,
      }));
    },
  };
}
