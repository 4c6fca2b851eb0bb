// Signed audit chain heads: inserted once per (tenant, seq), read back in seq order for verification.

import type { AuditSignatureRepository } from '../store.js';
import { pageLimit, type RepositoryContext } from './context.js';

export function auditSignatureRepository({ db }: RepositoryContext): AuditSignatureRepository {
  return {
    chainHeads() {
      return db.selectFrom('audit_heads').select(['tenant_id', 'seq', 'hash']).orderBy('tenant_id').execute();
    },

    async insert(signature) {
      // Two nodes signing the same head at once: the first row stays, and only its node publishes it.
      const result = await db
        .insertInto('audit_head_signatures')
        .values(signature)
        .onConflict((oc) => oc.columns(['tenant_id', 'seq']).doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
    },

    latest(tenantId) {
      return db
        .selectFrom('audit_head_signatures')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .orderBy('seq', 'desc')
        .limit(1)
        .executeTakeFirst();
    },

    list(tenantId, options = {}) {
      return db
        .selectFrom('audit_head_signatures')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('seq', '>', options.afterSeq ?? 0)
        .orderBy('seq')
        .limit(pageLimit(options.limit))
        .execute();
    },
  };
}
