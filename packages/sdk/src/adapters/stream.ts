// A gated call whose tool answers a stream (an async generator): the stream is handed back as soon
// as the tool starts, its values pass on as they come, and the outcome is reported when it ends,
// so that the framework streams a gated tool just as it streams the tool itself.

import { OutcomeNotReported } from '../errors.js';
import type { Execute } from '../run.js';

/** Runs `execute` through the gate (a `ToolGate.call` with its action and options bound). */
export type GatedRun = (execute: Execute<unknown>) => Promise<unknown>;

/** What the outcome reports of a stream that ended: its last value, or the value it returned. */
export type StreamResult = (last: unknown, returned: unknown) => unknown;

/**
 * Starts the tool once the gate lets it run; answers `{ value }` when the tool answered a value
 * (its outcome already reported), `{ stream }` when it answered a stream. Throws what the gate
 * throws (refused, pending…) without starting the tool.
 */
export async function runStreaming(
  run: GatedRun,
  start: (approved: Record<string, unknown>) => unknown,
  resultOf: StreamResult,
): Promise<{ value: unknown } | { stream: AsyncGenerator<unknown, unknown> }> {
  let handOver!: (stream: AsyncIterable<unknown>) => void;
  const handedOver = new Promise<AsyncIterable<unknown>>((resolve) => (handOver = resolve));
  let settle!: { resolve: (value: unknown) => void; reject: (error: unknown) => void };
  const ended = new Promise<unknown>((resolve, reject) => (settle = { resolve, reject }));
  const ran = run(async (approved) => {
    const answer = await start(approved);
    if (!isAsyncIterable(answer)) return answer;
    handOver(answer);
    // The gate reports the outcome when this settles, that is when the stream ends.
    return ended;
  });
  ran.catch(() => undefined);
  const first = await Promise.race([handedOver.then((stream) => ({ stream })), ran.then((value) => ({ value }))]);
  if ('value' in first) return first;
  return { stream: relay(first.stream, settle, ran, resultOf) };
}

async function* relay(
  source: AsyncIterable<unknown>,
  settle: { resolve: (value: unknown) => void; reject: (error: unknown) => void },
  ran: Promise<unknown>,
  resultOf: StreamResult,
): AsyncGenerator<unknown, unknown> {
  const iterator = source[Symbol.asyncIterator]();
  let last: unknown;
  let returned: unknown;
  let ended = false;
  try {
    for (;;) {
      let step: IteratorResult<unknown>;
      try {
        step = await iterator.next();
      } catch (error) {
        ended = true;
        settle.reject(error);
        // Rethrows the tool's error once its failure is reported (or the pause is kept).
        await ran;
        throw error;
      }
      if (step.done === true) {
        returned = step.value;
        ended = true;
        break;
      }
      last = step.value;
      yield step.value;
    }
  } finally {
    // The framework stopped reading (an abort): the tool did not finish.
    if (!ended) {
      settle.reject(new Error('the tool stopped before it finished'));
      await iterator.return?.(undefined);
    }
  }
  settle.resolve(resultOf(last, returned));
  try {
    await ran;
  } catch (error) {
    // It ran to the end; only its outcome was not recorded.
    if (!(error instanceof OutcomeNotReported)) throw error;
  }
  return returned;
}

export function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return value !== null && typeof value === 'object' && Symbol.asyncIterator in value;
}
