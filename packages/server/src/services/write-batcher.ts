// Group commit: writes that arrive together are committed in one transaction, so that a burst
// of decisions costs one commit instead of one each. Every write is durable before its caller
// is answered; a failing write is retried alone so that it cannot sink its neighbours.

import type { Store, StoreScope } from '../stores/store.js';

interface Pending<T> {
  work: (scope: StoreScope) => Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

export class WriteBatcher {
  private queue: Pending<unknown>[] = [];
  private scheduled = false;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: Store,
    private readonly maxBatch = 256,
  ) {}

  /** Runs `work` in a transaction shared with the other writes of this tick; resolves after commit. */
  write<T>(work: (scope: StoreScope) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve, reject } as Pending<unknown>);
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.flushing = this.flushing.then(() => this.flush());
        });
      }
    });
  }

  /** Resolves when everything queued so far is committed (for shutdown). */
  async drain(): Promise<void> {
    while (this.queue.length > 0 || this.scheduled) {
      await new Promise((resolve) => setImmediate(resolve));
      await this.flushing;
    }
    await this.flushing;
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      if (batch.length === 1) {
        await this.runAlone(batch[0]!);
        continue;
      }
      const results: unknown[] = [];
      try {
        await this.store.transaction(async (scope) => {
          results.length = 0;
          for (const item of batch) results.push(await item.work(scope));
        });
        batch.forEach((item, index) => item.resolve(results[index]));
      } catch {
        for (const item of batch) await this.runAlone(item);
      }
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
