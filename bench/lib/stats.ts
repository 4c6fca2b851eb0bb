// Times a decision function in batches: per-decision latency comes from batch means, so the
// ~50 ns cost of reading the clock does not dominate sub-microsecond decisions.

export interface MeasureOptions {
  /** How long to keep timing after warm-up. */
  durationMs: number;
  /** How long to run untimed first, so the JIT has optimised the hot path. */
  warmupMs: number;
  /** Upper bound on decisions per timed batch. */
  maxBatch?: number;
  /** A batch should last about this long; slow engines get batches of one. */
  targetBatchNs?: number;
}

export interface Measurement {
  decisions: number;
  elapsedNs: number;
  perSecond: number;
  p50Ns: number;
  p99Ns: number;
  batchSize: number;
  /** Sum of the step results; reported so the optimiser cannot drop the work. */
  checksum: number;
}

const now = (): bigint => process.hrtime.bigint();

function batchSizeFor(elapsedNs: number, calls: number, options: MeasureOptions): number {
  const perCallNs = elapsedNs / Math.max(calls, 1);
  const wanted = Math.round((options.targetBatchNs ?? 50_000) / Math.max(perCallNs, 1));
  return Math.min(Math.max(wanted, 1), options.maxBatch ?? 256);
}

export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

/** Builds a Measurement from per-decision times (batch means, or single decisions when batchSize is 1). */
export function summarise(samples: number[], decisions: number, elapsedNs: number, batchSize: number, checksum: number): Measurement {
  const sorted = Float64Array.from(samples).sort();
  return {
    decisions,
    elapsedNs,
    perSecond: decisions / (elapsedNs / 1e9),
    p50Ns: percentile(sorted, 50),
    p99Ns: percentile(sorted, 99),
    batchSize,
    checksum,
  };
}

/** Measures a synchronous step; `step(i)` must return a number derived from its result. */
export function measureSync(step: (i: number) => number, options: MeasureOptions): Measurement {
  let i = 0;
  let checksum = 0;
  const warmupStart = now();
  const warmupEnd = warmupStart + BigInt(Math.round(options.warmupMs * 1e6));
  let t = warmupStart;
  while (t < warmupEnd) {
    for (let k = 0; k < 16; k++) checksum += step(i++);
    t = now();
  }
  const batch = batchSizeFor(Number(t - warmupStart), i, options);

  const samples: number[] = [];
  let decisions = 0;
  const start = now();
  const deadline = start + BigInt(Math.round(options.durationMs * 1e6));
  let end = start;
  do {
    const t0 = now();
    for (let k = 0; k < batch; k++) checksum += step(i++);
    end = now();
    samples.push(Number(end - t0) / batch);
    decisions += batch;
  } while (end < deadline);
  return summarise(samples, decisions, Number(end - start), batch, checksum);
}

/** Measures an asynchronous step, awaiting each call in turn as a caller gating one action would. */
export async function measureAsync(step: (i: number) => Promise<number>, options: MeasureOptions): Promise<Measurement> {
  let i = 0;
  let checksum = 0;
  const warmupStart = now();
  const warmupEnd = warmupStart + BigInt(Math.round(options.warmupMs * 1e6));
  let t = warmupStart;
  while (t < warmupEnd) {
    checksum += await step(i++);
    t = now();
  }
  const batch = batchSizeFor(Number(t - warmupStart), i, options);

  const samples: number[] = [];
  let decisions = 0;
  const start = now();
  const deadline = start + BigInt(Math.round(options.durationMs * 1e6));
  let end = start;
  do {
    const t0 = now();
    for (let k = 0; k < batch; k++) checksum += await step(i++);
    end = now();
    samples.push(Number(end - t0) / batch);
    decisions += batch;
  } while (end < deadline);
  return summarise(samples, decisions, Number(end - start), batch, checksum);
}

/** Median and first wall time of `runs` calls of `fn`, in milliseconds, and the last call's result. */
export async function timeRuns<T>(runs: number, fn: () => T | Promise<T>): Promise<{ ms: number; firstMs: number; result: T }> {
  const times: number[] = [];
  let result: T | undefined;
  for (let r = 0; r < runs; r++) {
    const t0 = now();
    result = await fn();
    times.push(Number(now() - t0) / 1e6);
  }
  const firstMs = times[0] ?? Number.NaN;
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor((times.length - 1) / 2)] ?? Number.NaN, firstMs, result: result as T };
}
