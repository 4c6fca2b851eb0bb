// The event log of each request's workflow: what the reducer was given, in order.

import type { WorkflowEvent } from '@tollgate/core';
import type { Insertable } from 'kysely';
import type { ApprovalEventsTable } from '../../db/schema.js';
import type { ApprovalEventRecord } from '../records.js';
import type { ApprovalEventRepository } from '../store.js';
import { fromJson, toJson, type RepositoryContext } from './context.js';
import { insertOnce, type UniqueKey } from './insert-once.js';

export const APPROVAL_EVENT_KEYS: Array<UniqueKey<'approval_events'>> = [
  { constraint: 'approval_events_pkey', columns: ['approval_id', 'seq'] },
];

export function approvalEventRow(event: ApprovalEventRecord): Insertable<ApprovalEventsTable> {
  return { approval_id: event.approval_id, seq: event.seq, tenant_id: event.tenant_id, event: toJson(event.event), at: event.at };
}

export function approvalEventRepository({ db }: RepositoryContext): ApprovalEventRepository {
  return {
    async append(event) {
      await insertOnce(db, 'approval_events', approvalEventRow(event), APPROVAL_EVENT_KEYS);
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
