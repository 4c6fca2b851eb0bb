// Signs each tenant's audit chain head from time to time (and at shutdown), stores the signed head
// and publishes it to the operator's sinks: a JSON Lines file and a webhook. Off the decision path:
// a round reads the heads without locking them, so appending never waits for it.

import { appendFile } from 'node:fs/promises';
import type { AuditSettings } from '../config/server-settings.js';
import type { AuditHeadSignature, ChainHead, Store } from '../stores/store.js';
import type { Clock } from '../util/clock.js';
import type { AuditService } from './audit-service.js';
import { signHead, toSignatureRow, type SignedHead } from './audit-signing.js';

/** Signed heads kept for a sink that keeps failing; beyond this the oldest are dropped (a later head covers them). */
const MAX_PENDING = 10_000;

export interface PublishLog {
  error(details: object, message: string): void;
  warn(details: object, message: string): void;
}

export interface RoundResult {
  /** Heads this node signed and stored in the round. */
  signed: SignedHead[];
  /** Tenants whose chain no longer contains their last signed head: not signed again, so the tampering stays visible. */
  refused: { tenant: string; reason: string }[];
  /** Sinks that failed; their heads are tried again next round. */
  failed: { sink: string; error: string }[];
}

interface Sink {
  name: string;
  pending: SignedHead[];
  /** How many of the heads went out, from the first; with the error that stopped the rest. */
  send(heads: SignedHead[]): Promise<{ sent: number; error?: unknown }>;
}

export class AuditPublisher {
  private readonly sinks: Sink[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<RoundResult> | undefined;
  private log: PublishLog = { error: () => undefined, warn: () => undefined };

  constructor(private readonly deps: { store: Store; clock: Clock; audit: AuditService; settings: AuditSettings; timeoutMs: number }) {
    const { file, webhook } = deps.settings.publish;
    if (file !== undefined)
      this.sinks.push({
        name: `file ${file}`,
        pending: [],
        // One write for the batch, appended: each line is one signed head.
        send: async (heads) => {
          await appendFile(file, heads.map((head) => `${JSON.stringify(head)}\n`).join(''), { mode: 0o640 });
          return { sent: heads.length };
        },
      });
    if (webhook !== undefined)
      this.sinks.push({
        name: `webhook ${new URL(webhook).origin}`,
        pending: [],
        // One POST per head, in order; the first failure stops the batch so that order is kept.
        send: async (heads) => {
          let sent = 0;
          try {
            for (const head of heads) {
              const response = await fetch(webhook, {
                method: 'POST',
                headers: { 'content-type': 'application/json' },
                body: JSON.stringify(head),
                signal: AbortSignal.timeout(deps.timeoutMs),
                redirect: 'error',
              });
              await response.body?.cancel();
              if (!response.ok) throw new Error(`answered ${response.status}`);
              sent++;
            }
          } catch (error) {
            return { sent, error };
          }
          return { sent };
        },
      });
  }

  /** Signs every head that moved and publishes what is pending; one round at a time. */
  round(): Promise<RoundResult> {
    this.running ??= this.runRound().finally(() => (this.running = undefined));
    return this.running;
  }

  start(everyMs: number, log?: PublishLog): void {
    if (log !== undefined) this.log = log;
    if (this.timer !== undefined) return;
    const run = (): void => void this.round().catch((error: unknown) => this.log.error({ err: error }, 'signing audit chain heads failed'));
    this.timer = setInterval(run, everyMs).unref();
    run();
  }

  /** Stops the schedule and signs once more, so the last events before a shutdown are covered. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
    await this.round().catch((error: unknown) => this.log.error({ err: error }, 'signing audit chain heads at shutdown failed'));
  }

  private async runRound(): Promise<RoundResult> {
    const result: RoundResult = { signed: [], refused: [], failed: [] };
    const key = await this.deps.audit.signingKey();
    for (const { tenant_id: tenantId, seq } of await this.deps.store.auditSignatures.chainHeads()) {
      if (seq === 0) continue;
      // The last signed head before the head: read the other way round, another node could sign a
      // newer head in between, and this one would take its own older read for a truncation.
      const latest = await this.deps.store.auditSignatures.latest(tenantId);
      const head = await this.deps.store.audit.head(tenantId);
      const refusal = await this.refusal(tenantId, latest, head);
      if (refusal === 'unchanged') continue;
      if (refusal !== undefined) {
        result.refused.push({ tenant: tenantId, reason: refusal });
        this.log.error({ tenant: tenantId }, `audit chain head not signed: ${refusal}`);
        continue;
      }
      const signed = signHead(key, tenantId, head, this.deps.clock.now());
      // Only the node whose row went in publishes it: another node that signed the same head at once stays quiet.
      if (await this.deps.store.auditSignatures.insert(toSignatureRow(signed))) {
        result.signed.push(signed);
        for (const sink of this.sinks) sink.pending.push(signed);
      }
    }
    for (const sink of this.sinks) {
      if (sink.pending.length > MAX_PENDING) {
        this.log.warn(
          { sink: sink.name, dropped: sink.pending.length - MAX_PENDING },
          'audit head sink keeps failing; oldest heads dropped',
        );
        sink.pending.splice(0, sink.pending.length - MAX_PENDING);
      }
      if (sink.pending.length === 0) continue;
      const { sent, error } = await sink.send([...sink.pending]).catch((failure: unknown) => ({ sent: 0, error: failure }));
      sink.pending.splice(0, sent);
      if (error !== undefined) {
        result.failed.push({ sink: sink.name, error: (error as Error).message });
        this.log.warn(
          { sink: sink.name, pending: sink.pending.length, err: error },
          'publishing signed audit heads failed; retrying next round',
        );
      }
    }
    return result;
  }

  /**
   * Why the head must not be signed, 'unchanged' when its last signed head is it, or undefined.
   * A chain whose last signed head is gone or differs was tampered with: signing it would vouch
   * for the tampered chain. The head itself must be the event it names.
   */
  private async refusal(
    tenantId: string,
    latest: AuditHeadSignature | undefined,
    head: ChainHead,
  ): Promise<string | 'unchanged' | undefined> {
    if (latest !== undefined) {
      if (latest.seq === head.seq && latest.hash === head.hash) return 'unchanged';
      if (head.seq < latest.seq) return `the chain ends at event ${head.seq} but event ${latest.seq} was signed (truncated)`;
      const hashAt = await this.hashAt(tenantId, latest.seq);
      if (hashAt !== latest.hash)
        return `event ${latest.seq} is not the one signed at ${new Date(latest.signed_at).toISOString()} (rewritten)`;
    }
    if ((await this.hashAt(tenantId, head.seq)) !== head.hash) return `the stored head names event ${head.seq}, which has another hash`;
    return undefined;
  }

  private async hashAt(tenantId: string, seq: number): Promise<string | undefined> {
    const [event] = await this.deps.store.audit.list(tenantId, { afterSeq: seq - 1, limit: 1 });
    return event?.seq === seq ? event.hash : undefined;
  }
}
