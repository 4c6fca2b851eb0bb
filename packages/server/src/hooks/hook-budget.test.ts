// The hook's time limit with an injected clock: the answer time left of Claude Code's timeout,
// the wait cut to fit it, and the smallest timeout that leaves a whole wait.

import { describe, expect, it } from 'vitest';
import { answerWithin, HookBudget, marginFor, timeoutFor } from './hook-budget.js';

describe('the hook budget', () => {
  it('answers a margin before the timeout: 2 s at least, a tenth of it, 10 s at most', () => {
    expect([5, 60, 90, 600].map(marginFor)).toEqual([2, 6, 9, 10]);
    expect([5, 60, 90, 600].map(answerWithin)).toEqual([3, 54, 81, 590]);
    expect(answerWithin(1)).toBe(0);
  });

  it('cuts the wait to what the timeout leaves since the process started, less a second for the redemption', () => {
    let now = 1_000_000;
    const budget = new HookBudget(5, () => now, 1_000_000);
    expect(budget.waitSeconds(20)).toBe(2);
    expect(budget.waitSeconds(1)).toBe(1);
    now += 1_500;
    expect(budget.remainingMs()).toBe(1_500);
    expect(budget.waitSeconds(20)).toBe(0.5);
    now += 5_000;
    expect(budget.remainingMs()).toBe(0);
    expect(budget.waitSeconds(20)).toBe(0);
  });

  it('counts in whole milliseconds from a process start that is not one', () => {
    const budget = new HookBudget(5, () => 1_000_000, 999_999.733);
    expect(budget.remainingMs()).toBe(2_999);
    expect(budget.waitSeconds(20) * 1000).toBe(1_999);
  });

  it('finds the smallest whole timeout that leaves the whole wait', () => {
    for (const wait of [3, 20, 30, 100, 1000]) {
      const timeout = timeoutFor(wait);
      expect(answerWithin(timeout)).toBeGreaterThanOrEqual(wait);
      expect(answerWithin(timeout - 1)).toBeLessThan(wait);
    }
    expect(timeoutFor(20)).toBe(23);
    expect(timeoutFor(0)).toBe(1);
  });
});
