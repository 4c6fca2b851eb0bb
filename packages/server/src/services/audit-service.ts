// Reading the audit trail: pages of events, chain verification (with the signed heads, stored and
// published) and export; and the key that signs chain heads.

import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { AuditKeys } from '../config/audit-keys.js';
import type { AuditEvent } from '../stores/records.js';
import type { ChainHead, Store } from '../stores/store.js';
import { verifyChain, type ChainProblem, type SignedHeadClaim, type VerifyResult } from './audit-chain.js';
import {
  checkSignature,
  newSigningKeyPem,
  parseSignedHead,
  signingKeyFromPem,
  toSignedHead,
  verifyKeyFromPem,
  type SignedHead,
  type SigningKey,
  type VerifyKey,
} from './audit-signing.js';

export const EXPORT_COLUMNS = ['seq', 'id', 'created_at', 'type', 'actor', 'subject', 'data', 'prev_hash', 'hash'] as const;

/** The settings key the database-kept signing key lives under. */
const SIGNING_KEY_SETTING = 'audit_signing_key';
const PAGE = 1000;
/** Signature problems reported per kind; the rest are counted in the last message. */
const MAX_SIGNATURE_PROBLEMS = 20;

export interface AuditVerifyOptions {
  /** A head exported earlier, kept by hand. */
  anchor?: ChainHead;
  /** A JSON Lines file of published signed heads; the server's configured publish file when not given. */
  published?: string;
  /** Check signatures against these keys only, instead of the server's own and its configured earlier ones. */
  publicKeys?: VerifyKey[];
}

export class AuditService {
  private signing: Promise<SigningKey> | undefined;

  constructor(
    private readonly deps: {
      store: Store;
      keys?: AuditKeys;
      /** The server's publish file: read by every verification, if it exists yet. */
      publishedFile?: string;
    },
  ) {}

  list(tenantId: string, options: { afterSeq?: number; limit?: number; type?: string; subject?: string }): Promise<AuditEvent[]> {
    return this.deps.store.audit.list(tenantId, options);
  }

  head(tenantId: string): Promise<ChainHead> {
    return this.deps.store.audit.head(tenantId);
  }

  /** The key heads are signed with: from the environment, or created once and kept in the database so every node signs alike. */
  signingKey(): Promise<SigningKey> {
    if (this.signing === undefined) {
      const configured = this.deps.keys?.signing;
      this.signing =
        configured !== undefined
          ? Promise.resolve(signingKeyFromPem(configured))
          : this.deps.store.settings.getOrCreate(SIGNING_KEY_SETTING, newSigningKeyPem()).then(signingKeyFromPem);
      this.signing.catch(() => (this.signing = undefined));
    }
    return this.signing;
  }

  /** The keys whose signatures verify, without creating one: the signing key (if any yet) and the earlier ones configured. */
  async verifyKeys(): Promise<VerifyKey[]> {
    const configured = this.deps.keys?.signing;
    const current = configured ?? (await this.deps.store.settings.get(SIGNING_KEY_SETTING));
    const keys = (this.deps.keys?.trusted ?? []).map(verifyKeyFromPem);
    return current === undefined ? keys : [signingKeyFromPem(current), ...keys];
  }

  /** Every stored signed head of the tenant, in seq order. */
  async *signedHeads(tenantId: string): AsyncGenerator<SignedHead> {
    let after = 0;
    for (;;) {
      const page = await this.deps.store.auditSignatures.list(tenantId, { afterSeq: after, limit: PAGE });
      for (const row of page) yield toSignedHead(row);
      if (page.length < PAGE) return;
      after = page[page.length - 1]!.seq;
    }
  }

  /**
   * The chain as `verifyChain` checks it, plus every signed head stored and published: each must
   * carry a known key's signature and still be on the chain with the hash it was signed with.
   */
  async verify(tenantId: string, options: AuditVerifyOptions = {}): Promise<VerifyResult> {
    const keys = options.publicKeys ?? (await this.verifyKeys());
    const problems: ChainProblem[] = [];
    const claims: SignedHeadClaim[] = [];
    const refused = { 'audit.unknown_key': 0, 'audit.bad_signature': 0 };
    const claim = (head: SignedHead, source: string): boolean => {
      const check = checkSignature(head, keys);
      if (check === 'ok') {
        claims.push({ head, source });
        return true;
      }
      const code = check === 'unknown_key' ? 'audit.unknown_key' : 'audit.bad_signature';
      if (++refused[code] <= MAX_SIGNATURE_PROBLEMS)
        problems.push({
          seq: 0,
          code,
          message:
            check === 'unknown_key'
              ? `the head signed at event ${head.seq} (${source}) names key \`${head.key_id}\`, which is none of the known public keys`
              : `the signature of the head at event ${head.seq} (${source}) does not verify with key \`${head.key_id}\`: forged or altered`,
        });
      return false;
    };

    // The published heads first: each was stored before it was published, so a head published
    // while this runs is already in the stored ones read next.
    const published: { head: SignedHead; line: number }[] = [];
    const publishedFile = options.published ?? this.deps.publishedFile;
    if (publishedFile !== undefined)
      await readPublished(publishedFile, tenantId, options.published === undefined, {
        head: (head, line) => published.push({ head, line }),
        problem: (problem) => problems.push(problem),
      });
    const stored = new Set<string>();
    for await (const head of this.signedHeads(tenantId)) {
      stored.add(`${head.seq}\u0000${head.signature}`);
      claim(head, 'stored');
    }
    const missing = published.filter(
      ({ head, line }) => claim(head, `published line ${line}`) && !stored.has(`${head.seq}\u0000${head.signature}`),
    );
    if (missing.length > 0)
      problems.push({
        seq: 0,
        code: 'audit.signature_missing',
        message: `${missing.length} published signed heads (the first at event ${missing[0]!.head.seq}) are not among the stored ones: the database's signed heads were removed or replaced`,
      });
    for (const [code, count] of Object.entries(refused))
      if (count > MAX_SIGNATURE_PROBLEMS)
        problems.push({
          seq: 0,
          code: code as ChainProblem['code'],
          message: `and ${count - MAX_SIGNATURE_PROBLEMS} more heads refused alike`,
        });

    const chain = await verifyChain(this.deps.store, tenantId, {
      ...(options.anchor === undefined ? {} : { anchor: options.anchor }),
      signed: claims,
    });
    // Problems at an event first, in chain order; then those about a signature or a published line (seq 0).
    const rank = (problem: ChainProblem): number => (problem.seq === 0 ? Number.MAX_SAFE_INTEGER : problem.seq);
    const all = [...chain.problems, ...problems].sort((a, b) => rank(a) - rank(b));
    const ok = all.length === 0;
    return {
      ...chain,
      ok,
      ...(ok ? {} : { first_bad_seq: all[0]!.seq }),
      signed: { ...chain.signed, published: published.length },
      problems: all,
    };
  }

  /** Every event in order, page by page, so that large trails export in constant memory. */
  async *events(tenantId: string): AsyncGenerator<AuditEvent> {
    let after = 0;
    for (;;) {
      const page = await this.deps.store.audit.list(tenantId, { afterSeq: after, limit: PAGE });
      for (const event of page) yield event;
      if (page.length < PAGE) return;
      after = page[page.length - 1]!.seq;
    }
  }
}

/**
 * Reads a published heads file line by line, handing on the tenant's heads. A line that is no
 * signed head is a problem (the sink is evidence: it must stay whole).
 */
async function readPublished(
  path: string,
  tenantId: string,
  missingOk: boolean,
  on: { head(head: SignedHead, line: number): void; problem(problem: ChainProblem): void },
): Promise<void> {
  let number = 0;
  try {
    const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
    for await (const line of lines) {
      number++;
      if (line.trim() === '') continue;
      const head = parseSignedHead(line);
      if (typeof head === 'string')
        on.problem({ seq: 0, code: 'audit.bad_published', message: `line ${number} of \`${path}\` is not a signed head: ${head}` });
      else if (head.tenant === tenantId) on.head(head, number);
    }
  } catch (error) {
    if (missingOk && (error as NodeJS.ErrnoException).code === 'ENOENT') return;
    on.problem({
      seq: 0,
      code: 'audit.bad_published',
      message: `cannot read the published heads \`${path}\`: ${(error as Error).message}`,
    });
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
