// The clockwork of `tollgate demo`: tasks queued at times of the server's clock, run either as fast
// as they go while the clock is moved from task to task (the history recorded at start, and tests),
// or when real time reaches them (the live demo). One queue serves both, so the actors are the same.

import { systemClock, type Clock } from '../util/clock.js';

/** A clock the simulation can move forward; the server reads the same one. */
export interface SettableClock extends Clock {
  set(ms: number): void;
}

/**
 * Real time, or behind it while the demo records its history: it starts `behindMs` in the past and
 * only ever moves forward, until it is real time again.
 */
export class DemoClock implements SettableClock {
  #behind: number;
  constructor(
    behindMs = 0,
    private readonly real: Clock = systemClock,
  ) {
    this.#behind = Math.max(0, behindMs);
  }
  now(): number {
    return this.real.now() - this.#behind;
  }
  /** Moves to `ms`: never backwards and never past real time. */
  set(ms: number): void {
    this.#behind = Math.max(0, Math.min(this.#behind, this.real.now() - ms));
  }
}

/** A small seeded generator (mulberry32), so that a demo and its test replay the same choices. */
export class Random {
  #state: number;
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }
  /** A whole number from `low` to `high`. */
  between(low: number, high: number): number {
    return Math.round(low + (high - low) * this.next());
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

interface Task {
  at: number;
  seq: number;
  run: () => Promise<void> | void;
}

export interface SimulationOptions {
  onError: (error: unknown) => void;
  /** Runs before each task while the clock is being moved (e.g. firing the approval deadlines it passed). */
  beforeTask?: () => Promise<unknown>;
}

export class Simulation {
  #queue: Task[] = [];
  #seq = 0;
  #live = false;
  #stopped = false;
  #draining = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    readonly clock: SettableClock,
    private readonly options: SimulationOptions,
  ) {}

  now(): number {
    return this.clock.now();
  }

  /** Whether tasks run in real time now (the live demo), rather than the recorded history. */
  get live(): boolean {
    return this.#live;
  }

  at(time: number, run: () => Promise<void> | void): void {
    if (this.#stopped) return;
    const task = { at: time, seq: this.#seq++, run };
    // Few tasks wait at once (one per actor and planned vote): a sorted insert is enough.
    let index = this.#queue.length;
    while (index > 0 && this.#queue[index - 1]!.at > time) index--;
    this.#queue.splice(index, 0, task);
    if (this.#live && !this.#draining && index === 0) this.#arm();
  }

  after(ms: number, run: () => Promise<void> | void): void {
    this.at(this.now() + ms, run);
  }

  /** Runs every task due by `end` (asked again after each task), moving the clock to each; returns how many ran. */
  async runUntil(end: number | (() => number)): Promise<number> {
    const until = typeof end === 'number' ? () => end : end;
    let ran = 0;
    while (!this.#stopped && this.#queue.length > 0 && this.#queue[0]!.at <= until()) {
      const task = this.#queue.shift()!;
      if (task.at > this.clock.now()) this.clock.set(task.at);
      await this.#call(async () => {
        await this.options.beforeTask?.();
        await task.run();
      });
      ran++;
    }
    if (!this.#stopped && until() > this.clock.now()) this.clock.set(until());
    return ran;
  }

  /** From now on tasks run when real time reaches them. */
  goLive(): void {
    this.#live = true;
    this.#arm();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#queue = [];
  }

  async #call(run: () => Promise<void> | void): Promise<void> {
    try {
      await run();
    } catch (error) {
      this.options.onError(error);
    }
  }

  #arm(): void {
    clearTimeout(this.#timer);
    if (this.#stopped || this.#queue.length === 0) return;
    this.#timer = setTimeout(() => void this.#drain(), Math.max(0, this.#queue[0]!.at - this.now()));
  }

  async #drain(): Promise<void> {
    this.#draining = true;
    while (!this.#stopped && this.#queue.length > 0 && this.#queue[0]!.at <= this.now()) await this.#call(this.#queue.shift()!.run);
    this.#draining = false;
    this.#arm();
  }
}
