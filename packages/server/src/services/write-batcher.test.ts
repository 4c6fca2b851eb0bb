import { describe, expect, it } from 'vitest';
import type { Store, StoreScope } from '../stores/store.js';
import { WriteBatcher } from './write-batcher.js';

/** A store whose transactions record what ran in them, and take a turn of the event loop to commit. */
function recordingStore() {
  const transactions: string[][] = [];
  let open = 0;
  let mostOpen = 0;
  const store = {
    async transaction<T>(work: (scope: StoreScope) => Promise<T>): Promise<T> {
      open++;
      mostOpen = Math.max(mostOpen, open);
      const ran: string[] = [];
      try {
        const result = await work({ ran } as unknown as StoreScope);
        await new Promise((resolve) => setTimeout(resolve, 5));
        transactions.push(ran);
        return result;
      } finally {
        open--;
      }
    },
  } as unknown as Store;
  const log = (name: string) => async (scope: StoreScope) => {
    (scope as unknown as { ran: string[] }).ran.push(name);
    return name;
  };
  return { store, transactions, log, mostOpen: () => mostOpen };
}

describe('WriteBatcher', () => {
  it('commits the writes of one tick in one transaction and answers each after the commit', async () => {
    const { store, transactions, log } = recordingStore();
    const batcher = new WriteBatcher(store);
    const answers = await Promise.all(['a', 'b', 'c'].map((name) => batcher.write(log(name))));
    expect(answers).toEqual(['a', 'b', 'c']);
    expect(transactions).toEqual([['a', 'b', 'c']]);
  });

  it('retries the writes of a failed batch one by one, so one bad write fails alone', async () => {
    const { store, transactions, log } = recordingStore();
    const batcher = new WriteBatcher(store);
    const bad = async () => {
      throw new Error('constraint violated');
    };
    const results = await Promise.allSettled([batcher.write(log('a')), batcher.write(bad), batcher.write(log('c'))]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toEqual(new Error('constraint violated'));
    expect(transactions).toEqual([['a'], ['c']]);
  });

  it('commits one batch at a time; what arrives meanwhile goes together in the next, in order', async () => {
    const { store, transactions, log, mostOpen } = recordingStore();
    const batcher = new WriteBatcher(store, { maxBatch: 3 });
    const first = ['a', 'b'].map((name) => batcher.write(log(name)));
    await new Promise((resolve) => setImmediate(resolve)); // the first batch is committing
    const names = Array.from({ length: 7 }, (_, i) => `w${i}`);
    expect(await Promise.all([...first, ...names.map((name) => batcher.write(log(name)))])).toEqual(['a', 'b', ...names]);
    expect(mostOpen()).toBe(1);
    expect(transactions).toEqual([['a', 'b'], ['w0', 'w1', 'w2'], ['w3', 'w4', 'w5'], ['w6']]);
  });

  it('drains: resolves once everything written so far is committed', async () => {
    const { store, transactions, log } = recordingStore();
    const batcher = new WriteBatcher(store, { maxBatch: 2 });
    const writes = ['a', 'b', 'c', 'd', 'e'].map((name) => batcher.write(log(name)));
    await batcher.drain();
    expect(transactions.flat().sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
    await Promise.all(writes);
    await batcher.drain();
  });
});
