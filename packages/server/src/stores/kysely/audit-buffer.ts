// Audit events appended inside a transaction are held until it is about to commit, then written
// with one head update and one multi-row insert per tenant. A group commit of a hundred decisions
// so reads and moves each tenant's chain head once instead of a hundred times, and on PostgreSQL
// the head's row lock is held only from the flush to the commit.

import { StoreConflictError, type AuditRepository, type ChainHead } from '../store.js';
import type { AuditEvent } from '../records.js';

export interface BufferedAudit extends AuditRepository {
  /** Writes what is held; the transaction calls it before committing. */
  flush(): Promise<void>;
}

export function bufferedAudit(inner: AuditRepository): BufferedAudit {
  const held = new Map<string, AuditEvent[]>();

  const flush = async (): Promise<void> => {
    for (const [tenantId, events] of held) {
      held.delete(tenantId);
      await inner.append(tenantId, events);
    }
  };

  return {
    flush,

    async lockHead(tenantId): Promise<ChainHead> {
      // The head was locked (PostgreSQL) or the write lock taken (SQLite) when the first held
      // event's head was read; the chain now ends at the last held event.
      const last = held.get(tenantId)?.at(-1);
      return last === undefined ? inner.lockHead(tenantId) : { seq: last.seq, hash: last.hash };
    },

    async append(tenantId, events) {
      const first = events[0];
      if (first === undefined) return;
      const pending = held.get(tenantId);
      const last = pending?.at(-1);
      if (pending === undefined || last === undefined) {
        held.set(tenantId, [...events]);
        return;
      }
      if (first.seq !== last.seq + 1 || first.prev_hash !== last.hash) {
        throw new StoreConflictError(`audit chain of tenant \`${tenantId}\` does not end at seq ${first.seq - 1}`);
      }
      pending.push(...events);
    },

    // Reads see every event appended before them.
    async head(tenantId) {
      await flush();
      return inner.head(tenantId);
    },

    async list(tenantId, options) {
      await flush();
      return inner.list(tenantId, options);
    },

    async count(tenantId) {
      await flush();
      return inner.count(tenantId);
    },
  };
}
