// Worker steps' jobs: queued for a capability, leased to one worker at a time, re-offered when
// a lease runs out, settled once.

import type { Selectable } from 'kysely';
import type { JobsTable } from '../../db/schema.js';
import type { JobRecord, JobStatus } from '../records.js';
import type { JobRepository } from '../store.js';
import { fromJson, fromNullableJson, toJson, toNullableJson, type RepositoryContext } from './context.js';
import { insertOnce } from './insert-once.js';

function toRow(job: JobRecord): Selectable<JobsTable> {
  return {
    id: job.id,
    tenant_id: job.tenant_id,
    approval_id: job.approval_id,
    action_id: job.action_id,
    step_id: job.step_id,
    capability: job.capability,
    executes: job.executes ? 1 : 0,
    input: toJson(job.input),
    status: job.status,
    attempts: job.attempts,
    max_attempts: job.max_attempts,
    worker: job.worker,
    worker_key_id: job.worker_key_id,
    lease_until: job.lease_until,
    output: toNullableJson(job.output),
    error: job.error,
    created_at: job.created_at,
    updated_at: job.updated_at,
  };
}

function toJob(row: Selectable<JobsTable>): JobRecord {
  return {
    id: row.id,
    tenant_id: row.tenant_id,
    approval_id: row.approval_id,
    action_id: row.action_id,
    step_id: row.step_id,
    capability: row.capability,
    executes: row.executes === 1,
    input: fromJson<Record<string, unknown>>(row.input),
    status: row.status as JobStatus,
    attempts: row.attempts,
    max_attempts: row.max_attempts,
    worker: row.worker,
    worker_key_id: row.worker_key_id,
    lease_until: row.lease_until,
    output: fromNullableJson<unknown>(row.output),
    error: row.error,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

export function jobRepository({ db, dialect }: RepositoryContext): JobRepository {
  return {
    async insert(job) {
      await insertOnce(db, 'jobs', toRow(job), [
        { constraint: 'jobs_approval_step_key', columns: ['approval_id', 'step_id'] },
        { constraint: 'jobs_pkey', columns: ['id'] },
      ]);
    },

    async get(tenantId, id) {
      const row = await db.selectFrom('jobs').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
      return row && toJob(row);
    },

    async listByApproval(tenantId, approvalId) {
      const rows = await db
        .selectFrom('jobs')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('approval_id', '=', approvalId)
        .orderBy('created_at')
        .execute();
      return rows.map(toJob);
    },

    async claimNext(tenantId, capability, worker, now, leaseUntil) {
      const query = db
        .selectFrom('jobs')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('capability', '=', capability)
        .where((eb) => eb.or([eb('status', '=', 'queued'), eb.and([eb('status', '=', 'leased'), eb('lease_until', '<', now)])]))
        // The requester is never its own worker: the job stays for the other workers.
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom('actions')
                .select('actions.id')
                .whereRef('actions.id', '=', 'jobs.action_id')
                .where('actions.tenant_id', '=', tenantId)
                .where('actions.agent', '=', worker.name),
            ),
          ),
        )
        .orderBy('created_at')
        .orderBy('id')
        .limit(1);
      const row = await (dialect === 'postgres' ? query.forUpdate().skipLocked() : query).executeTakeFirst();
      if (row === undefined) return undefined;
      const leased = {
        status: 'leased',
        worker: worker.name,
        worker_key_id: worker.key_id,
        lease_until: leaseUntil,
        attempts: row.attempts + 1,
        updated_at: now,
      };
      // The same condition again, so a job another node took in between is not taken twice.
      const result = await db
        .updateTable('jobs')
        .set(leased)
        .where('id', '=', row.id)
        .where('attempts', '=', row.attempts)
        .where((eb) => eb.or([eb('status', '=', 'queued'), eb.and([eb('status', '=', 'leased'), eb('lease_until', '<', now)])]))
        .executeTakeFirst();
      if (result.numUpdatedRows === 0n) return undefined;
      return toJob({ ...row, ...leased });
    },

    async heartbeat(tenantId, id, worker, now, leaseUntil, attempt) {
      let query = db
        .updateTable('jobs')
        .set({ lease_until: leaseUntil, updated_at: now })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .where('status', '=', 'leased')
        .where('worker', '=', worker.name)
        .where('worker_key_id', '=', worker.key_id);
      // Two workers may share one key: the attempt tells one lease from the next.
      if (attempt !== undefined) query = query.where('attempts', '=', attempt);
      const result = await query.executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async settle(tenantId, id, worker, now, patch, attempt) {
      let query = db
        .updateTable('jobs')
        .set({
          status: patch.status,
          updated_at: now,
          // A job offered again holds nobody's lease; a settled one keeps who settled it.
          ...(patch.status === 'queued' ? { worker: null, worker_key_id: null, lease_until: null } : {}),
          ...(patch.output === undefined ? {} : { output: toNullableJson(patch.output) }),
          ...(patch.error === undefined ? {} : { error: patch.error }),
        })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .where('status', '=', 'leased')
        .where('worker', '=', worker.name)
        .where('worker_key_id', '=', worker.key_id);
      if (attempt !== undefined) query = query.where('attempts', '=', attempt);
      const result = await query.executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async cancelOpen(tenantId, approvalId, now) {
      const result = await db
        .updateTable('jobs')
        .set({ status: 'cancelled', updated_at: now })
        .where('tenant_id', '=', tenantId)
        .where('approval_id', '=', approvalId)
        .where('status', 'in', ['queued', 'leased'])
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },
  };
}
