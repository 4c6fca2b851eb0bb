// Counts failed attempts per key (a login name, a client address) in a fixed window: a key that
// reaches its limit is refused until its window ends, whatever it sends, so guessing stops there.

export interface FailureWindowOptions {
  /** Failures allowed in one window; the next attempt is refused. */
  max: number;
  windowMs: number;
  now: () => number;
  /** Keys kept at most; an attacker rotating keys cannot grow memory without bound. */
  capacity?: number;
}

export class FailureWindow {
  readonly #entries = new Map<string, { failures: number; until: number }>();
  readonly #capacity: number;

  constructor(readonly options: FailureWindowOptions) {
    this.#capacity = options.capacity ?? 100_000;
  }

  /** Milliseconds until `key` may try again; 0 when it may try now. */
  retryAfter(key: string): number {
    const entry = this.#entries.get(key);
    if (entry === undefined) return 0;
    const now = this.options.now();
    if (entry.until <= now) {
      this.#entries.delete(key);
      return 0;
    }
    return entry.failures >= this.options.max ? entry.until - now : 0;
  }

  fail(key: string): void {
    const now = this.options.now();
    const entry = this.#entries.get(key);
    if (entry !== undefined && entry.until > now) {
      entry.failures += 1;
      return;
    }
    this.#entries.delete(key);
    if (this.#entries.size >= this.#capacity) this.#evict(now);
    this.#entries.set(key, { failures: 1, until: now + this.options.windowMs });
  }

  /** Takes back one failure counted ahead of time, for an attempt that turned out not to fail. */
  forgive(key: string): void {
    const entry = this.#entries.get(key);
    if (entry !== undefined && entry.failures > 0) entry.failures -= 1;
  }

  clear(key: string): void {
    this.#entries.delete(key);
  }

  #evict(now: number): void {
    for (const [key, entry] of this.#entries) if (entry.until <= now) this.#entries.delete(key);
    // Still full: drop the oldest windows (a Map keeps insertion order), which end soonest.
    for (const key of this.#entries.keys()) {
      if (this.#entries.size < this.#capacity) break;
      this.#entries.delete(key);
    }
  }
}
