// The tamper-evident audit trail: every event is hashed over its predecessor's hash, per tenant,
// so that any edited, removed, reordered or (with an anchored head) truncated event is detected.

import { eventHash } from '../stores/audit-seal.js';
import { GENESIS_HASH, type ChainHead, type StoreScope } from '../stores/store.js';
import { newId } from '../util/ids.js';

export interface AuditDraft {
  type: string;
  actor: string;
  subject?: string | null;
  data?: Record<string, unknown>;
}

/** Appends drafts to the tenant's chain inside the caller's transaction (numbered and hashed as it commits). */
export async function appendAudit(scope: StoreScope, tenantId: string, drafts: AuditDraft[], now: number): Promise<void> {
  if (drafts.length === 0) return;
  await scope.audit.appendUnsealed(
    tenantId,
    drafts.map((draft) => ({
      tenant_id: tenantId,
      id: newId('evt', now),
      type: draft.type,
      actor: draft.actor,
      subject: draft.subject ?? null,
      data: draft.data ?? {},
      created_at: now,
    })),
  );
}

export interface ChainProblem {
  seq: number;
  code: 'audit.hash_mismatch' | 'audit.broken_link' | 'audit.gap' | 'audit.head_mismatch' | 'audit.anchor_mismatch' | 'audit.wrong_tenant';
  message: string;
}

export interface VerifyResult {
  ok: boolean;
  tenant_id: string;
  events: number;
  head: ChainHead;
  problems: ChainProblem[];
}

const PAGE = 1000;
const MAX_PROBLEMS = 100;

/**
 * Walks the whole chain: recomputes each hash, checks each link and that seq runs 1..n without a
 * gap, that the stored head is the last event, and that an anchor exported earlier is still there.
 */
export async function verifyChain(scope: StoreScope, tenantId: string, anchor?: ChainHead): Promise<VerifyResult> {
  const problems: ChainProblem[] = [];
  const report = (problem: ChainProblem): void => {
    if (problems.length < MAX_PROBLEMS) problems.push(problem);
  };
  let expectedSeq = 1;
  let previous = GENESIS_HASH;
  let count = 0;
  let anchorSeen = false;
  for (;;) {
    const page = await scope.audit.list(tenantId, { afterSeq: expectedSeq - 1, limit: PAGE });
    if (page.length === 0) break;
    for (const event of page) {
      count++;
      if (event.tenant_id !== tenantId)
        report({ seq: event.seq, code: 'audit.wrong_tenant', message: `event ${event.seq} belongs to another tenant` });
      if (event.seq !== expectedSeq) {
        report({ seq: event.seq, code: 'audit.gap', message: `events ${expectedSeq}..${event.seq - 1} are missing` });
      }
      if (event.prev_hash !== previous) {
        report({
          seq: event.seq,
          code: 'audit.broken_link',
          message: `event ${event.seq} does not follow the event before it (removed or reordered events)`,
        });
      }
      const { hash, ...unhashed } = event;
      if (eventHash(unhashed) !== hash) {
        report({ seq: event.seq, code: 'audit.hash_mismatch', message: `event ${event.seq} was changed after it was written` });
      }
      if (anchor !== undefined && event.seq === anchor.seq) {
        anchorSeen = true;
        if (hash !== anchor.hash)
          report({ seq: event.seq, code: 'audit.anchor_mismatch', message: `event ${event.seq} differs from the anchored head` });
      }
      previous = hash;
      expectedSeq = event.seq + 1;
    }
    if (page.length < PAGE) break;
  }
  const head = await scope.audit.head(tenantId);
  const last = expectedSeq - 1;
  if (head.seq !== last || head.hash !== previous) {
    report({
      seq: head.seq,
      code: 'audit.head_mismatch',
      message: `the chain head says event ${head.seq} but the trail ends at event ${last} (truncated or rewritten)`,
    });
  }
  if (anchor !== undefined && !anchorSeen && anchor.seq > 0) {
    report({
      seq: anchor.seq,
      code: 'audit.anchor_mismatch',
      message: `anchored event ${anchor.seq} is no longer in the trail (truncated)`,
    });
  }
  return { ok: problems.length === 0, tenant_id: tenantId, events: count, head: { seq: last, hash: previous }, problems };
}
