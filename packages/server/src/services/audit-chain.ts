// The tamper-evident audit trail: every event is hashed over its predecessor's hash, per tenant,
// so that any edited, removed, reordered or (with a signed or anchored head) truncated event is detected.

import { eventHash } from '../stores/audit-seal.js';
import type { SignedHead } from './audit-signing.js';
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
  code:
    | 'audit.hash_mismatch'
    | 'audit.broken_link'
    | 'audit.gap'
    | 'audit.head_mismatch'
    | 'audit.anchor_mismatch'
    | 'audit.wrong_tenant'
    | 'audit.truncated'
    | 'audit.rewritten'
    | 'audit.bad_signature'
    | 'audit.unknown_key'
    | 'audit.signature_missing'
    | 'audit.bad_published';
  message: string;
}

export interface VerifyResult {
  ok: boolean;
  tenant_id: string;
  events: number;
  head: ChainHead;
  /** The lowest seq a problem names (0 for one about a signature or a published line); absent when ok. */
  first_bad_seq?: number;
  /** Signed heads checked (stored and published, each once), and the highest seq one of them vouches for. */
  signed: { heads: number; published: number; up_to: number; unsigned_events: number };
  problems: ChainProblem[];
}

/** A signed head whose signature a known key made, and where it was found (`stored`, `published line 3`). */
export interface SignedHeadClaim {
  head: SignedHead;
  source: string;
}

export interface ChainVerifyOptions {
  anchor?: ChainHead;
  /** Heads whose signature was checked: each must still be on the chain, with the same hash. */
  signed?: SignedHeadClaim[];
}

const PAGE = 1000;
const MAX_PROBLEMS = 100;

/**
 * Walks the whole chain: recomputes each hash, checks each link and that seq runs 1..n without a
 * gap, that the stored head is the last event, and that an anchor exported earlier is still there.
 */
export async function verifyChain(scope: StoreScope, tenantId: string, options: ChainVerifyOptions = {}): Promise<VerifyResult> {
  const { anchor } = options;
  const problems: ChainProblem[] = [];
  const report = (problem: ChainProblem): void => {
    if (problems.length < MAX_PROBLEMS) problems.push(problem);
  };
  const signed = new SignedHeadCheck(options.signed ?? [], report);
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
      signed.atEvent(event.seq, hash);
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
  signed.atEnd(last);
  return {
    ok: problems.length === 0,
    tenant_id: tenantId,
    events: count,
    head: { seq: last, hash: previous },
    signed: { heads: signed.count, published: 0, up_to: signed.upTo, unsigned_events: Math.max(0, last - signed.upTo) },
    problems,
  };
}

/**
 * Signed heads held against the chain as it is walked. A head signed at a seq the chain no longer
 * reaches means events were removed; one whose event hashes differently means the chain was
 * rewritten and recomputed. Reported once per source (the earliest), since every later head of
 * that source then fails the same way.
 */
class SignedHeadCheck {
  private readonly bySeq = new Map<number, SignedHeadClaim[]>();
  private readonly reported = new Set<string>();
  /** The highest signed seq whose hash the chain still has, and how many signed heads there were. */
  upTo = 0;
  readonly count: number;

  constructor(
    claims: SignedHeadClaim[],
    private readonly report: (problem: ChainProblem) => void,
  ) {
    const seen = new Set<string>();
    for (const claim of claims) {
      const key = `${claim.head.seq}\u0000${claim.head.hash}\u0000${claim.head.signature}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const atSeq = this.bySeq.get(claim.head.seq);
      if (atSeq === undefined) this.bySeq.set(claim.head.seq, [claim]);
      else atSeq.push(claim);
    }
    this.count = seen.size;
  }

  private once(source: string, problem: ChainProblem): void {
    const kind = `${problem.code}\u0000${source.replace(/ line \d+$/, '')}`;
    if (this.reported.has(kind)) return;
    this.reported.add(kind);
    this.report(problem);
  }

  atEvent(seq: number, hash: string): void {
    const claims = this.bySeq.get(seq);
    if (claims === undefined) return;
    this.bySeq.delete(seq);
    for (const { head, source } of claims) {
      if (head.hash === hash) {
        this.upTo = Math.max(this.upTo, seq);
        continue;
      }
      this.once(source, {
        seq,
        code: 'audit.rewritten',
        message: `event ${seq} is not the one signed at ${head.signed_at} (${source}): the trail was rewritten within events ${this.upTo + 1}..${seq} and its hashes recomputed`,
      });
    }
  }

  atEnd(last: number): void {
    const beyond = [...this.bySeq.keys()].sort((a, b) => a - b);
    for (const seq of beyond) {
      for (const { head, source } of this.bySeq.get(seq)!) {
        this.once(source, {
          seq: last + 1,
          code: 'audit.truncated',
          message: `the trail ends at event ${last} but event ${seq} was signed at ${head.signed_at} (${source}): events ${last + 1}..${seq} (at least) were removed`,
        });
      }
    }
  }
}
