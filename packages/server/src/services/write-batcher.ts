// Group commit: writes that arrive together are committed in one transaction, so that a burst
// of decisions costs one commit instead of one each. Every write is durable before its caller
// is answered; a failing write is retried alone so that it cannot sink its neighbours.
//
// SQLite has one writer, so one batch commits at a time. PostgreSQL runs several batches at once
// on separate connections: their statements overlap, and they meet only at the tenant's audit
// head, which each locks just for its commit.

import type { Store, StoreScope } from '../stores/store.js';

interface Pending<T> {
  work: (scope: StoreScope) => Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

export interface WriteBatcherOptions {
  /** Writes per transaction at most. */
  maxBatch?: number;
  /** Transactions committing at once. */
  concurrency?: number;
}

export class WriteBatcher {
  private queue: Pending<unknown>[] = [];
  private scheduled = false;
  private active = 0;
  private idle: Array<() => void> = [];
  private readonly maxBatch: number;
  private readonly concurrency: number;

  constructor(
    private readonly store: Store,
    options: WriteBatcherOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 256;
    this.concurrency = options.concurrency ?? 1;
  }

  /** Runs `work` in a transaction shared with the other writes of this tick; resolves after commit. */
  write<T>(work: (scope: StoreScope) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve, reject } as Pending<unknown>);
      if (!this.scheduled) {
        this.scheduled = true;
        // One tick's arrivals make one batch.
        setImmediate(() => {
          this.scheduled = false;
          this.pump();
        });
      }
    });
  }

  /** Resolves when everything queued so far is committed (for shutdown). */
  drain(): Promise<void> {
    if (this.queue.length === 0 && this.active === 0 && !this.scheduled) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private pump(): void {
    while (this.active < this.concurrency && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      this.active++;
      void this.commit(batch).finally(() => {
        this.active--;
        this.pump();
      });
    }
    if (this.queue.length === 0 && this.active === 0 && !this.scheduled) {
      for (const resolve of this.idle.splice(0)) resolve();
    }
  }

  private async commit(batch: Pending<unknown>[]): Promise<void> {
    if (batch.length === 1) return this.runAlone(batch[0]!);
    const results: unknown[] = [];
    try {
      // Each write's conflicts fail the batch, which is then retried write by write (below), so
      // the batch may hold its inserts and write them together.
      await this.store.transaction(
        async (scope) => {
          results.length = 0;
          for (const item of batch) results.push(await item.work(scope));
        },
        { holdInserts: true },
      );
      batch.forEach((item, index) => item.resolve(results[index]));
    } catch {
      for (const item of batch) await this.runAlone(item);
    }
  }

  private async runAlone(item: Pending<unknown>): Promise<void> {
    try {
      item.resolve(await this.store.transaction(item.work));
    } catch (error) {
      item.reject(error);
    }
  }
}
