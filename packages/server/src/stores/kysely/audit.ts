// The per-tenant hash-chained audit trail: its events and the head that says where the chain ends.

import type { Kysely, Selectable } from 'kysely';
import type { AuditEventsTable, Database, Dialect } from '../../db/schema.js';
import type { AuditEvent } from '../records.js';
import { GENESIS_HASH, StoreConflictError, type AuditRepository, type ChainHead } from '../store.js';
import { fromJson, pageLimit, toJson, type RepositoryContext } from './context.js';
import { conflicts } from './errors.js';
import { seal } from '../audit-seal.js';
import { insertRows, prepared, updateRow } from './prepared.js';

/** Rows per INSERT: under both databases' limits on bound parameters, and few statement shapes to keep. */
const INSERT_CHUNK = 64;

const selectHead = prepared('audit head', (db, p) => db.selectFrom('audit_heads').select(['seq', 'hash']).where('tenant_id', '=', p(0)));
const lockHeadRow = prepared('audit head for update', (db, p) =>
  db.selectFrom('audit_heads').select(['seq', 'hash']).where('tenant_id', '=', p(0)).forUpdate(),
);

function toRow(event: AuditEvent): Selectable<AuditEventsTable> {
  return {
    tenant_id: event.tenant_id,
    seq: event.seq,
    id: event.id,
    type: event.type,
    actor: event.actor,
    subject: event.subject,
    data: toJson(event.data),
    created_at: event.created_at,
    prev_hash: event.prev_hash,
    hash: event.hash,
  };
}

function toEvent(row: Selectable<AuditEventsTable>): AuditEvent {
  return {
    tenant_id: row.tenant_id,
    seq: row.seq,
    id: row.id,
    type: row.type,
    actor: row.actor,
    subject: row.subject,
    data: fromJson<Record<string, unknown>>(row.data),
    created_at: row.created_at,
    prev_hash: row.prev_hash,
    hash: row.hash,
  };
}

/** Events must belong to the tenant and continue one another, or the chain would not verify. */
function assertContiguous(tenantId: string, events: AuditEvent[]): void {
  events.forEach((event, i) => {
    if (event.tenant_id !== tenantId) throw new Error(`audit event \`${event.id}\` belongs to another tenant`);
    const previous = events[i - 1];
    if (previous !== undefined && (event.seq !== previous.seq + 1 || event.prev_hash !== previous.hash)) {
      throw new Error(`audit event \`${event.id}\` does not follow \`${previous.id}\``);
    }
  });
}

async function appendEvents(db: Kysely<Database>, tenantId: string, events: AuditEvent[]): Promise<void> {
  const first = events[0];
  const last = events[events.length - 1];
  if (first === undefined || last === undefined) return;
  // The head moves only from where these events continue it, so an appender that skipped
  // lockHead, or read a stale head, fails instead of forking the chain.
  const moved = await updateRow(
    db,
    'audit_heads',
    { seq: last.seq, hash: last.hash },
    { tenant_id: tenantId, seq: first.seq - 1, hash: first.prev_hash },
  );
  if (moved === 0n) {
    if (first.seq !== 1 || first.prev_hash !== GENESIS_HASH) {
      throw new StoreConflictError(`audit chain of tenant \`${tenantId}\` does not end at seq ${first.seq - 1}`);
    }
    await conflicts(db.insertInto('audit_heads').values({ tenant_id: tenantId, seq: last.seq, hash: last.hash }).execute());
  }
  // A violation here means a racing appender: let it fail the statement (and so the transaction),
  // rather than skip rows as DO NOTHING would.
  for (let start = 0; start < events.length; start += INSERT_CHUNK) {
    await conflicts(insertRows(db, 'audit_events', events.slice(start, start + INSERT_CHUNK).map(toRow)));
  }
}

async function readHead(db: Kysely<Database>, dialect: Dialect, tenantId: string, lock: boolean): Promise<ChainHead | undefined> {
  const [row] = (await (lock && dialect === 'postgres' ? lockHeadRow : selectHead)(db, tenantId)).rows;
  return row;
}

/**
 * PostgreSQL: SELECT … FOR UPDATE, after creating the head row if the chain is new (ON CONFLICT
 * DO NOTHING waits for a racing creator, so both then lock the same row).
 * SQLite: the write transaction already excludes every other writer.
 */
async function lockHead(db: Kysely<Database>, dialect: Dialect, tenantId: string): Promise<ChainHead> {
  const head = await readHead(db, dialect, tenantId, true);
  if (head !== undefined) return head;
  await db
    .insertInto('audit_heads')
    .values({ tenant_id: tenantId, seq: 0, hash: GENESIS_HASH })
    .onConflict((oc) => oc.column('tenant_id').doNothing())
    .execute();
  const created = await readHead(db, dialect, tenantId, true);
  if (created === undefined) throw new Error(`audit head of tenant \`${tenantId}\` vanished while locking it`);
  return created;
}

export function auditRepository({ db, dialect }: RepositoryContext): AuditRepository {
  return {
    lockHead(tenantId) {
      return lockHead(db, dialect, tenantId);
    },

    async append(tenantId, events) {
      if (events.length === 0) return;
      assertContiguous(tenantId, events);
      // Head and events move together even when the caller did not open a transaction.
      if (db.isTransaction) await appendEvents(db, tenantId, events);
      else await db.transaction().execute((trx) => appendEvents(trx, tenantId, events));
    },

    async appendUnsealed(tenantId, events) {
      if (events.length === 0) return;
      const write = async (trx: Kysely<Database>): Promise<void> => {
        const head = await lockHead(trx, dialect, tenantId);
        await appendEvents(trx, tenantId, seal(head, events));
      };
      if (db.isTransaction) await write(db);
      else await db.transaction().execute(write);
    },

    async head(tenantId) {
      return (await readHead(db, dialect, tenantId, false)) ?? { seq: 0, hash: GENESIS_HASH };
    },

    async list(tenantId, options = {}) {
      let query = db.selectFrom('audit_events').selectAll().where('tenant_id', '=', tenantId);
      if (options.afterSeq !== undefined) query = query.where('seq', '>', options.afterSeq);
      if (options.type !== undefined) query = query.where('type', '=', options.type);
      if (options.subject !== undefined) query = query.where('subject', '=', options.subject);
      const rows = await query.orderBy('seq').limit(pageLimit(options.limit)).execute();
      return rows.map(toEvent);
    },

    async count(tenantId) {
      const row = await db
        .selectFrom('audit_events')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('tenant_id', '=', tenantId)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
  };
}
