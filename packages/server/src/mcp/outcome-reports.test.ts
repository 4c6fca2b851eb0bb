// The proxy's outcome reports wait while calls are made and go once it is quiet (or after a
// second at the latest); shutting down sends them at once. Time is the test's own clock.

import type { ActionView } from '@tollgate/sdk';
import { describe, expect, it } from 'vitest';
import { LATEST_MS, QUIET_MS, ReportQueue, type ReportTimers } from './outcome-reports.js';

/** A clock the test moves; timers run when their time comes. */
function manualTimers(): ReportTimers & { advance(ms: number): Promise<void> } {
  let now = 0;
  let timers: { at: number; run: () => void }[] = [];
  return {
    now: () => now,
    later(ms, run) {
      const timer = { at: now + ms, run };
      timers.push(timer);
      return { cancel: () => (timers = timers.filter((t) => t !== timer)) };
    },
    async advance(ms) {
      const until = now + ms;
      for (;;) {
        const next = timers.filter((t) => t.at <= until).sort((a, b) => a.at - b.at)[0];
        if (next === undefined) break;
        timers = timers.filter((t) => t !== next);
        now = next.at;
        next.run();
        await Promise.resolve();
      }
      now = until;
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
}

function recorder() {
  const sent: string[] = [];
  const send = (id: string) => () => {
    sent.push(id);
    return Promise.resolve({ id } as ActionView);
  };
  return { sent, send };
}

describe('the outcome reports of the proxy', () => {
  it('go once no call has been made for a moment', async () => {
    const timers = manualTimers();
    const queue = new ReportQueue(timers);
    const { sent, send } = recorder();
    const report = queue.add(send('act_1'));
    await timers.advance(QUIET_MS - 1);
    expect(sent).toEqual([]);
    await timers.advance(1);
    expect(sent).toEqual(['act_1']);
    expect((await report).id).toBe('act_1');
  });

  it('wait while a call is being made, and for a moment after it', async () => {
    const timers = manualTimers();
    const queue = new ReportQueue(timers);
    const { sent, send } = recorder();
    const done = queue.begin();
    void queue.add(send('act_1'));
    await timers.advance(5 * QUIET_MS);
    expect(sent).toEqual([]);
    done();
    await timers.advance(QUIET_MS - 1);
    expect(sent).toEqual([]);
    await timers.advance(QUIET_MS);
    expect(sent).toEqual(['act_1']);
  });

  it('go after a second however busy the proxy is', async () => {
    const timers = manualTimers();
    const queue = new ReportQueue(timers);
    const { sent, send } = recorder();
    queue.begin();
    void queue.add(send('act_1'));
    await timers.advance(LATEST_MS / 2);
    void queue.add(send('act_2'));
    await timers.advance(LATEST_MS / 2 - 1);
    expect(sent).toEqual([]);
    await timers.advance(1);
    expect(sent).toEqual(['act_1', 'act_2']);
  });

  it('go at once when shutting down, and so does any report after that', async () => {
    const timers = manualTimers();
    const queue = new ReportQueue(timers);
    const { sent, send } = recorder();
    queue.begin();
    void queue.add(send('act_1'));
    await queue.close();
    expect(sent).toEqual(['act_1']);
    await queue.add(send('act_2'));
    expect(sent).toEqual(['act_1', 'act_2']);
  });

  it('pass on a failed send to the one who reported it', async () => {
    const queue = new ReportQueue(manualTimers());
    const failed = queue.add(() => Promise.reject(new Error('tollgate is away')));
    await queue.close();
    await expect(failed).rejects.toThrow('tollgate is away');
  });
});
