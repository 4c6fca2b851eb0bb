// The demo's clockwork: tasks run in time order with the clock moved to each, tasks a task queues
// run in turn, a failing task is reported and the rest go on, and the demo clock never runs
// backwards or ahead of real time.

import { describe, expect, it } from 'vitest';
import { ManualClock } from '../util/clock.js';
import { DemoClock, Random, Simulation } from './simulation.js';

describe('Simulation.runUntil', () => {
  it('runs due tasks in time order, moving the clock to each, and leaves later ones queued', async () => {
    const clock = new ManualClock(1_000);
    const seen: [string, number][] = [];
    const simulation = new Simulation(clock, { onError: (error) => seen.push([String(error), clock.now()]) });
    simulation.at(3_000, () => void seen.push(['c', clock.now()]));
    simulation.at(2_000, () => {
      seen.push(['b', clock.now()]);
      // Queued by a task, and due before the end: it runs in this same call.
      simulation.after(500, () => void seen.push(['b+500', clock.now()]));
    });
    simulation.at(2_000, () => void seen.push(['b2', clock.now()]));
    simulation.at(9_000, () => void seen.push(['late', clock.now()]));
    expect(await simulation.runUntil(4_000)).toBe(4);
    expect(seen).toEqual([
      ['b', 2_000],
      ['b2', 2_000],
      ['b+500', 2_500],
      ['c', 3_000],
    ]);
    expect(clock.now()).toBe(4_000);
    expect(await simulation.runUntil(9_000)).toBe(1);
    expect(seen.at(-1)).toEqual(['late', 9_000]);
  });

  it('reports a failing task and runs the others; runs before each task what it is given', async () => {
    const clock = new ManualClock(0);
    const errors: unknown[] = [];
    let swept = 0;
    const simulation = new Simulation(clock, { onError: (error) => errors.push(error), beforeTask: async () => void swept++ });
    simulation.at(10, () => {
      throw new Error('refused');
    });
    let ran = false;
    simulation.at(20, () => void (ran = true));
    await simulation.runUntil(100);
    expect(errors.map(String)).toEqual(['Error: refused']);
    expect(ran).toBe(true);
    expect(swept).toBe(2);
  });

  it('runs a task in real time once live, and nothing after stop', async () => {
    const simulation = new Simulation(new DemoClock(), { onError: () => undefined });
    simulation.goLive();
    const ran = new Promise<number>((resolve) => simulation.after(5, () => resolve(simulation.now())));
    expect(await ran).toBeGreaterThan(0);
    simulation.stop();
    let after = false;
    simulation.after(0, () => void (after = true));
    await simulation.runUntil(Number.MAX_SAFE_INTEGER);
    expect(after).toBe(false);
  });
});

describe('DemoClock', () => {
  it('starts behind real time, moves only forwards, and stops at real time', () => {
    const real = new ManualClock(100_000);
    const clock = new DemoClock(60_000, real);
    expect(clock.now()).toBe(40_000);
    clock.set(50_000);
    expect(clock.now()).toBe(50_000);
    clock.set(45_000);
    expect(clock.now()).toBe(50_000);
    real.advance(1_000);
    expect(clock.now()).toBe(51_000);
    clock.set(500_000);
    expect(clock.now()).toBe(101_000);
  });
});

describe('Random', () => {
  it('replays the same choices from the same seed', () => {
    const draw = (seed: number) => {
      const random = new Random(seed);
      return Array.from({ length: 5 }, () => random.between(0, 1000));
    };
    expect(draw(7)).toEqual(draw(7));
    expect(draw(7)).not.toEqual(draw(8));
    for (const value of draw(9)) expect(value).toBeGreaterThanOrEqual(0);
  });
});
