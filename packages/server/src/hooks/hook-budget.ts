// How long one hook run may take. Claude Code cancels a hook after its `timeout` and then runs the
// tool as though the hook had said nothing, so the hook must answer (deny, with the approval link)
// before then: it waits for people only as long as the timeout leaves, less a margin.

/**
 * Claude Code's timeout for a command hook that sets none: 60 s in earlier versions, 600 s in
 * later ones. The hook cannot tell which one runs it, so it assumes the shorter.
 */
export const CLAUDE_CODE_DEFAULT_TIMEOUT = 60;

/** Seconds kept back from the timeout for starting the process, the last requests and the answer. */
export function marginFor(timeout: number): number {
  return Math.min(10, Math.max(2, timeout * 0.1));
}

/** Seconds after its start by which a hook with this timeout answers. */
export function answerWithin(timeout: number): number {
  return Math.max(0, timeout - marginFor(timeout));
}

/** The smallest whole timeout that leaves the hook its whole wait. */
export function timeoutFor(wait: number): number {
  let timeout = Math.ceil(wait) + 1;
  while (answerWithin(timeout) < wait) timeout++;
  return timeout;
}

/**
 * A deadline for one run: the clock starts when the process did (Claude Code's timer starts
 * before that), and `remaining()` is what is left of the answer time.
 */
export class HookBudget {
  readonly timeout: number;
  private readonly deadline: number;

  constructor(
    timeout: number,
    private readonly now: () => number = Date.now,
    startedAt: number = performance.timeOrigin,
  ) {
    this.timeout = timeout;
    this.deadline = startedAt + answerWithin(timeout) * 1000;
  }

  /** Whole milliseconds left before the hook must answer (whole, as timers and the SDK's request limits take them). */
  remainingMs(): number {
    return Math.max(0, Math.floor(this.deadline - this.now()));
  }

  /** Seconds the hook may still wait for people: at most `wait`, and a second short of the deadline, for the redemption after a verdict. */
  waitSeconds(wait: number): number {
    return Math.max(0, Math.min(wait, (this.remainingMs() - 1000) / 1000));
  }
}
