// The notification outbox: messages inserted with the change that causes them, leased by one
// sender at a time (SKIP LOCKED on PostgreSQL), settled once per attempt.

import type { Selectable } from 'kysely';
import type { NotificationOutboxTable } from '../../db/schema.js';
import type { OutboxMessage, OutboxRepository, OutboxStatus } from '../notify-store.js';
import { fromJson, fromNullableJson, pageLimit, toJson, toNullableJson, type RepositoryContext } from './context.js';

function toRow(message: OutboxMessage): Selectable<NotificationOutboxTable> {
  return { ...message, payload: toJson(message.payload), result: toNullableJson(message.result) };
}

function toMessage(row: Selectable<NotificationOutboxTable>): OutboxMessage {
  return {
    ...row,
    payload: fromJson<Record<string, unknown>>(row.payload),
    result: fromNullableJson<Record<string, unknown>>(row.result),
    status: row.status as OutboxStatus,
    attempts: Number(row.attempts),
    next_attempt_at: Number(row.next_attempt_at),
    lease_until: row.lease_until === null ? null : Number(row.lease_until),
    created_at: Number(row.created_at),
    updated_at: Number(row.updated_at),
    delivered_at: row.delivered_at === null ? null : Number(row.delivered_at),
  };
}

export function outboxRepository({ db, dialect }: RepositoryContext): OutboxRepository {
  return {
    async insert(messages) {
      if (messages.length === 0) return;
      await db.insertInto('notification_outbox').values(messages.map(toRow)).execute();
    },

    async get(tenantId, id) {
      const row = await db
        .selectFrom('notification_outbox')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .executeTakeFirst();
      return row && toMessage(row);
    },

    async list(tenantId, filter) {
      let query = db.selectFrom('notification_outbox').selectAll().where('tenant_id', '=', tenantId);
      if (filter.status !== undefined && filter.status.length > 0) query = query.where('status', 'in', filter.status);
      if (filter.approvalId !== undefined) query = query.where('approval_id', '=', filter.approvalId);
      const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(pageLimit(filter.limit)).execute();
      return rows.map(toMessage);
    },

    async claimDue(now, leaseUntil, limit) {
      const query = db
        .selectFrom('notification_outbox')
        .selectAll()
        .where((eb) =>
          eb.or([
            eb.and([eb('status', '=', 'pending'), eb('next_attempt_at', '<=', now)]),
            eb.and([eb('status', '=', 'sending'), eb('lease_until', '<', now)]),
          ]),
        )
        .orderBy('next_attempt_at')
        .orderBy('id')
        .limit(limit);
      const rows = await (dialect === 'postgres' ? query.forUpdate().skipLocked() : query).execute();
      const claimed: OutboxMessage[] = [];
      for (const row of rows) {
        // The attempt count guards the lease: a sender that lost it cannot settle the message.
        const result = await db
          .updateTable('notification_outbox')
          .set({ status: 'sending', lease_until: leaseUntil, attempts: Number(row.attempts) + 1, updated_at: now })
          .where('id', '=', row.id)
          .where('attempts', '=', row.attempts)
          .where('status', 'in', ['pending', 'sending'])
          .executeTakeFirst();
        if (result.numUpdatedRows > 0n)
          claimed.push(
            toMessage({ ...row, status: 'sending', lease_until: leaseUntil, attempts: Number(row.attempts) + 1, updated_at: now }),
          );
      }
      return claimed;
    },

    async settle(id, attempt, now, patch) {
      const result = await db
        .updateTable('notification_outbox')
        .set({
          status: patch.status,
          lease_until: null,
          updated_at: now,
          ...(patch.next_attempt_at === undefined ? {} : { next_attempt_at: patch.next_attempt_at }),
          ...(patch.last_error === undefined ? {} : { last_error: patch.last_error }),
          ...(patch.result === undefined ? {} : { result: toNullableJson(patch.result) }),
          ...(patch.status === 'delivered' ? { delivered_at: now } : {}),
        })
        .where('id', '=', id)
        .where('status', '=', 'sending')
        .where('attempts', '=', attempt)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async release(id, attempt, now) {
      const result = await db
        .updateTable('notification_outbox')
        .set({ status: 'pending', attempts: attempt - 1, next_attempt_at: now, lease_until: null, updated_at: now })
        .where('id', '=', id)
        .where('status', '=', 'sending')
        .where('attempts', '=', attempt)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async redrive(tenantId, id, now) {
      const result = await db
        .updateTable('notification_outbox')
        .set({ status: 'pending', attempts: 0, next_attempt_at: now, lease_until: null, updated_at: now })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .where('status', '=', 'dead')
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async channelsOf(tenantId, approvalId) {
      const rows = await db
        .selectFrom('notification_outbox')
        .select('channel')
        .distinct()
        .where('tenant_id', '=', tenantId)
        .where('approval_id', '=', approvalId)
        .execute();
      return rows.map((row) => row.channel);
    },
  };
}
