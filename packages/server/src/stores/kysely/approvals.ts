// Approval requests: who may decide an action, by when, and how it ended.

import type { Selectable, Updateable } from 'kysely';
import type { ApprovalsTable } from '../../db/schema.js';
import type { WorkflowState } from '@tollgate/core';
import type { ApprovalRecord, ApprovalStatus } from '../records.js';
import type { ApprovalRepository } from '../store.js';
import { fromJson, fromNullableJson, pageLimit, toJson, toNullableJson, type RepositoryContext } from './context.js';
import { insertOnce, type UniqueKey } from './insert-once.js';
import { prepared, updateRow } from './prepared.js';

const selectById = prepared('approvals by id', (db, p) =>
  db.selectFrom('approvals').selectAll().where('tenant_id', '=', p(0)).where('id', '=', p(1)),
);

const selectByAction = prepared('approvals by action', (db, p) =>
  db.selectFrom('approvals').selectAll().where('tenant_id', '=', p(0)).where('action_id', '=', p(1)),
);

export function approvalRow(approval: ApprovalRecord): Selectable<ApprovalsTable> {
  return {
    id: approval.id,
    tenant_id: approval.tenant_id,
    action_id: approval.action_id,
    digest: approval.digest,
    policy_version: approval.policy_version,
    status: approval.status,
    approvers: toJson(approval.approvers),
    require: approval.require,
    criteria: toJson(approval.criteria),
    modifiable: toNullableJson(approval.modifiable),
    workflow: approval.workflow,
    requested_by: approval.requested_by,
    created_at: approval.created_at,
    deadline: approval.deadline,
    decided_at: approval.decided_at,
    resolution: approval.resolution,
    version: approval.version,
    state: toNullableJson(approval.state),
  };
}

function toApproval(row: Selectable<ApprovalsTable>): ApprovalRecord {
  return {
    id: row.id,
    tenant_id: row.tenant_id,
    action_id: row.action_id,
    digest: row.digest,
    policy_version: row.policy_version,
    status: row.status as ApprovalStatus,
    approvers: fromJson<string[]>(row.approvers),
    require: row.require,
    criteria: fromJson<string[]>(row.criteria),
    modifiable: fromNullableJson<Record<string, unknown>>(row.modifiable),
    workflow: row.workflow,
    requested_by: row.requested_by,
    created_at: row.created_at,
    deadline: row.deadline,
    decided_at: row.decided_at,
    resolution: row.resolution,
    version: row.version,
    state: fromNullableJson<WorkflowState>(row.state),
  };
}

export const APPROVAL_KEYS: Array<UniqueKey<'approvals'>> = [
  { constraint: 'approvals_action_id_key', columns: ['action_id'] },
  { constraint: 'approvals_pkey', columns: ['id'] },
];

export function approvalRepository({ db, dialect }: RepositoryContext): ApprovalRepository {
  return {
    async insert(approval) {
      await insertOnce(db, 'approvals', approvalRow(approval), APPROVAL_KEYS);
    },

    async get(tenantId, id) {
      const [row] = (await selectById(db, tenantId, id)).rows;
      return row && toApproval(row);
    },

    async getByAction(tenantId, actionId) {
      const [row] = (await selectByAction(db, tenantId, actionId)).rows;
      return row && toApproval(row);
    },

    /** Newest first (created_at, then id); `after` is the id of the last approval of the previous page. */
    async list(tenantId, filter = {}) {
      if (filter.status !== undefined && filter.status.length === 0) return [];
      let query = db.selectFrom('approvals').selectAll().where('tenant_id', '=', tenantId);
      if (filter.status !== undefined) query = query.where('status', 'in', filter.status);
      if (filter.after !== undefined) {
        // Looked up first so the page condition compares against constants the indexes can seek to.
        const cursor = await db
          .selectFrom('approvals')
          .select(['created_at', 'id'])
          .where('tenant_id', '=', tenantId)
          .where('id', '=', String(filter.after))
          .executeTakeFirst();
        if (cursor === undefined) return [];
        query = query.where((eb) => eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(cursor.created_at, cursor.id)));
      }
      const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(pageLimit(filter.limit)).execute();
      return rows.map(toApproval);
    },

    async update(tenantId, id, version, patch) {
      const set: Updateable<ApprovalsTable> = { version: version + 1 };
      if (patch.status !== undefined) set.status = patch.status;
      if (patch.decided_at !== undefined) set.decided_at = patch.decided_at;
      if (patch.resolution !== undefined) set.resolution = patch.resolution;
      if (patch.deadline !== undefined) set.deadline = patch.deadline;
      if (patch.approvers !== undefined) set.approvers = toJson(patch.approvers);
      if (patch.digest !== undefined) set.digest = patch.digest;
      if (patch.state !== undefined) set.state = toNullableJson(patch.state);
      return (await updateRow(db, 'approvals', set, { tenant_id: tenantId, id, version })) > 0n;
    },

    /**
     * Across tenants, earliest deadline first. On PostgreSQL the rows stay locked until the
     * transaction ends and rows another node has locked are skipped, so each timer fires once;
     * outside a transaction the lock ends with the statement. On SQLite the write transaction
     * already excludes other writers.
     */
    async claimDue(now, limit) {
      const query = db
        .selectFrom('approvals')
        .selectAll()
        .where('status', '=', 'pending')
        .where('deadline', 'is not', null)
        .where('deadline', '<=', now)
        .orderBy('deadline')
        .orderBy('id')
        .limit(pageLimit(limit));
      const rows = await (dialect === 'postgres' ? query.forUpdate().skipLocked() : query).execute();
      return rows.map(toApproval);
    },
  };
}
