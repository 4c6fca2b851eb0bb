// Long-polls an action (or a question) until people decide or the wait budget runs out. The server holds each
// poll for at most 60 s, so a longer budget is several polls; a server that drops out for a
// while is retried with backoff until the budget ends.

import { TollgateUnavailable } from './errors.js';
import type { ActionView } from './types.js';

/** The longest long-poll the server accepts. */
export const MAX_POLL_SECONDS = 60;

export interface WaitOptions {
  /** Seconds to wait for people in all; `Infinity` waits until they decide. */
  wait: number;
  signal?: AbortSignal | undefined;
  /** For tests and custom runtimes: the clock, in ms, and the pause between retries. */
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export type Poll<View = ActionView> = (id: string, waitSeconds: number, signal?: AbortSignal) => Promise<View>;

export async function waitForVerdict<View extends { id: string; status: string } = ActionView>(
  poll: Poll<View>,
  view: View,
  options: WaitOptions,
): Promise<View> {
  const now = options.now ?? Date.now;
  const deadline = now() + Math.max(0, options.wait) * 1000;
  let current = view;
  let backoff = 250;
  while (current.status === 'pending') {
    const remaining = deadline - now();
    if (remaining <= 0) break;
    try {
      current = await poll(current.id, Math.min(MAX_POLL_SECONDS, remaining / 1000), options.signal);
      backoff = 250;
    } catch (error) {
      if (!(error instanceof TollgateUnavailable) || now() + backoff >= deadline) throw error;
      await (options.sleep ?? sleep)(backoff, options.signal);
      backoff = Math.min(backoff * 2, 5000);
    }
  }
  return current;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) return reject(signal.reason);
    const timer = setTimeout(done, ms);
    function done(): void {
      signal?.removeEventListener('abort', abort);
      resolve();
    }
    function abort(): void {
      clearTimeout(timer);
      reject(signal?.reason);
    }
    signal?.addEventListener('abort', abort, { once: true });
  });
}
