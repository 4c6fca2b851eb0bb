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
