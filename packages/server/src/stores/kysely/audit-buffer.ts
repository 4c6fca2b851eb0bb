// Audit events appended inside a transaction are held until it is about to commit, then numbered,
// hashed and written with one head update and multi-row inserts per tenant. A group commit of a
// hundred decisions so moves each tenant's chain head once instead of a hundred times, and on
// PostgreSQL the head's row lock, which every writer of the tenant waits for, is held only from
// the flush to the commit rather than from the transaction's first event.

import type { UnsealedEvent } from '../audit-seal.js';
import type { AuditRepository } from '../store.js';

export interface BufferedAudit extends AuditRepository {
  /** Writes what is held; the transaction calls it before committing. */
  flush(): Promise<void>;
}

export function bufferedAudit(inner: AuditRepository): BufferedAudit {
  const held = new Map<string, UnsealedEvent[]>();

  // Tenants in one order in every transaction: their heads are locked one after another, and two
  // transactions taking them in opposite orders would deadlock.
  const flush = async (): Promise<void> => {
    for (const tenantId of [...held.keys()].sort()) {
      const events = held.get(tenantId)!;
      held.delete(tenantId);
      await inner.appendUnsealed(tenantId, events);
    }
  };

  return {
    flush,

    async appendUnsealed(tenantId, events) {
      const pending = held.get(tenantId);
      if (pending === undefined) held.set(tenantId, [...events]);
      else pending.push(...events);
    },

    // Everything else sees the chain with the held events on it.
    async lockHead(tenantId) {
      await flush();
      return inner.lockHead(tenantId);
    },

    async append(tenantId, events) {
      await flush();
      return inner.append(tenantId, events);
    },

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
