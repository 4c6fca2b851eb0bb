// The outcome reports the proxy owes Tollgate, sent once it is quiet: a report sent while the next
// call is being decided would make that call wait behind it on the server. A report waits until no
// call has been made for a moment, at most a second, and a shutdown sends what is left at once.

import { Tollgate, type ActionView, type OutcomeReport, type TollgateOptions } from '@tollgate/sdk';

/** How long no call is made before the reports go. */
export const QUIET_MS = 10;
/** The longest a report waits however busy the proxy is. */
export const LATEST_MS = 1000;

interface Owed {
  send: () => Promise<ActionView>;
  resolve: (view: ActionView) => void;
  reject: (error: unknown) => void;
  since: number;
}

export interface ReportTimers {
  now(): number;
  later(ms: number, run: () => void): { cancel(): void };
}

const realTimers: ReportTimers = {
  now: () => Date.now(),
  later(ms, run) {
    const timer = setTimeout(run, ms);
    timer.unref();
    return { cancel: () => clearTimeout(timer) };
  },
};

/** Holds reports while calls are made and sends them when it is quiet. */
export class ReportQueue {
  private owed: Owed[] = [];
  private calls = 0;
  private lastCall = Number.NEGATIVE_INFINITY;
  private timer: { cancel(): void } | undefined;
  private closing = false;

  constructor(private readonly timers: ReportTimers = realTimers) {}

  /** A call is being made (decided, then run): reports wait until it and the others are done. */
  begin(): () => void {
    this.calls++;
    this.lastCall = this.timers.now();
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.calls--;
      this.lastCall = this.timers.now();
    };
  }

  /** Queues `send`; the promise settles as the send does. */
  add(send: () => Promise<ActionView>): Promise<ActionView> {
    return new Promise((resolve, reject) => {
      this.owed.push({ send, resolve, reject, since: this.timers.now() });
      if (this.closing) void this.flush();
      else this.arm(QUIET_MS);
    });
  }

  /** For shutting down: sends what is owed, and from now on every report as it comes. */
  close(): Promise<void> {
    this.closing = true;
    return this.flush();
  }

  /** Sends everything owed now; resolves when those sends have settled. */
  async flush(): Promise<void> {
    this.timer?.cancel();
    this.timer = undefined;
    const due = this.owed.splice(0);
    await Promise.allSettled(
      due.map(async (owed) => {
        try {
          owed.resolve(await owed.send());
        } catch (error) {
          owed.reject(error);
        }
      }),
    );
  }

  private arm(ms: number): void {
    if (this.timer !== undefined) return;
    this.timer = this.timers.later(ms, () => {
      this.timer = undefined;
      this.check();
    });
  }

  private check(): void {
    const oldest = this.owed[0];
    if (oldest === undefined) return;
    const now = this.timers.now();
    const latest = LATEST_MS - (now - oldest.since);
    const quiet = this.calls > 0 ? QUIET_MS : QUIET_MS - (now - this.lastCall);
    if (latest <= 0 || quiet <= 0) return void this.flush();
    this.arm(Math.min(quiet, latest));
  }
}

/** The proxy's client of Tollgate: `run` reports outcomes through the queue, not at once. */
export class QueuedReports extends Tollgate {
  constructor(
    options: TollgateOptions,
    readonly reports: ReportQueue = new ReportQueue(),
  ) {
    super(options);
  }

  override reportOutcome(id: string, report: OutcomeReport): Promise<ActionView> {
    return this.reports.add(() => super.reportOutcome(id, report));
  }
}
