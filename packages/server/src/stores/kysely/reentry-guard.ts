// Catches a transaction's work calling the store instead of the scope it was given. On SQLite that
// call would wait forever for the one connection the transaction holds; on PostgreSQL it would
// run outside the transaction and could wait forever on the transaction's own row locks.
// Tracking async context slows every promise the process makes (a tenth of decision throughput),
// so the check is off under NODE_ENV=production, where the test suite has already run it.

import { AsyncLocalStorage } from 'node:async_hooks';
import type { StoreScope } from '../store.js';

export class ReentryGuard {
  // Cleared when the work settles, so callbacks it left behind may use the store afterwards.
  readonly #work = new AsyncLocalStorage<{ running: boolean }>();

  constructor(readonly enabled = process.env.NODE_ENV !== 'production') {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (!this.enabled) return work();
    const state = { running: true };
    try {
      return await this.#work.run(state, work);
    } finally {
      state.running = false;
    }
  }

  check(): void {
    if (this.enabled && this.#work.getStore()?.running) {
      throw new Error('a transaction called the store directly: use the scope `transaction` passes to its work');
    }
  }

  /** The same repositories, each method checking first (every repository method is async). */
  guard(scope: StoreScope): StoreScope {
    if (!this.enabled) return scope;
    const guarded: Record<string, Record<string, unknown>> = {};
    for (const [name, repository] of Object.entries(scope) as Array<[string, Record<string, unknown>]>) {
      guarded[name] = Object.fromEntries(
        Object.entries(repository).map(([method, fn]) => [
          method,
          typeof fn === 'function'
            ? async (...args: unknown[]) => {
                this.check();
                return (fn as (...args: unknown[]) => unknown)(...args);
              }
            : fn,
        ]),
      );
    }
    return guarded as unknown as StoreScope;
  }
}
