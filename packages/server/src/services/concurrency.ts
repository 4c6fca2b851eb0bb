// Optimistic concurrency: a write that finds its record changed since it was read throws
// ConcurrentChange, and the whole unit of work runs again on fresh data.

export class ConcurrentChange extends Error {
  constructor() {
    super('the record changed concurrently');
  }
}

/** Runs `work` again when a concurrent writer got there first. */
export async function retryOnConflict<T>(work: () => Promise<T>, attempts = 8): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (!(error instanceof ConcurrentChange) || attempt >= attempts) throw error;
      // Jitter, so that the writers that collided do not collide again in step.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));
    }
  }
}

/**
 * Runs the works given the same key one after another in this process (others run freely), so
 * that a check followed by a write cannot interleave with the same check and write of another.
 */
export class KeyedSerializer {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key);
    const current = previous === undefined ? work() : previous.then(work, work);
    const tail = current.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return current;
  }
}
