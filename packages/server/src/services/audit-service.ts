// Reading the audit trail: pages of events, chain verification and export.

import type { AuditEvent } from '../stores/records.js';
import type { ChainHead, Store } from '../stores/store.js';
import { verifyChain, type VerifyResult } from './audit-chain.js';

export const EXPORT_COLUMNS = ['seq', 'id', 'created_at', 'type', 'actor', 'subject', 'data', 'prev_hash', 'hash'] as const;

export class AuditService {
  constructor(private readonly deps: { store: Store }) {}

  list(tenantId: string, options: { afterSeq?: number; limit?: number; type?: string; subject?: string }): Promise<AuditEvent[]> {
    return this.deps.store.audit.list(tenantId, options);
  }

  verify(tenantId: string, anchor?: ChainHead): Promise<VerifyResult> {
    return verifyChain(this.deps.store, tenantId, anchor);
  }

  head(tenantId: string): Promise<ChainHead> {
    return this.deps.store.audit.head(tenantId);
  }

  /** Every event in order, page by page, so that large trails export in constant memory. */
  async *events(tenantId: string): AsyncGenerator<AuditEvent> {
    let after = 0;
    for (;;) {
      const page = await this.deps.store.audit.list(tenantId, { afterSeq: after, limit: 1000 });
      for (const event of page) yield event;
      if (page.length < 1000) return;
      after = page[page.length - 1]!.seq;
    }
  }
}

export function toJsonLine(event: AuditEvent): string {
  return JSON.stringify({ ...event, created_at: new Date(event.created_at).toISOString() });
}

function csvField(value: unknown): string {
  const text = typeof value === 'string' ? value : value === null || value === undefined ? '' : JSON.stringify(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsvRow(event: AuditEvent): string {
  const row = { ...event, created_at: new Date(event.created_at).toISOString() } as Record<string, unknown>;
  return EXPORT_COLUMNS.map((column) => csvField(row[column])).join(',');
}
