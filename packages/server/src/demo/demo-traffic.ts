// Everything `tollgate demo` simulates, wired together on one clock: agents submitting actions,
// workers doing the production-deploy workflow's steps, and the team deciding and reviewing. On a
// new database it first records days of history at full speed (the clock moved from task to
// task), then carries on in real time.

import { TollgateError } from '../errors.js';
import type { Services } from '../services/services.js';
import { keyClient, personClient, type Call } from './demo-client.js';
import { DEMO_AGENTS, SimulatedAgents, type Submitted } from './simulated-agents.js';
import { DEMO_PASSWORD, DEMO_PEOPLE, SimulatedPeople, type Seat } from './simulated-people.js';
import { DEMO_WORKERS, SimulatedWorker } from './simulated-workers.js';
import { Random, Simulation, type SettableClock } from './simulation.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export interface DemoTrafficOptions {
  url: string;
  services: Services;
  /** The server's clock: the history is recorded by moving it. */
  clock: SettableClock;
  /** Milliseconds between actions in the live demo, on average. */
  intervalMs: number;
  /** Actions a day in the recorded history, on average (busier by day than by night). */
  historyPerDay?: number;
  seed?: number;
  /** Whether the simulated team decides and reviews (default); without it every request waits for a person. */
  approvers?: boolean;
  onError: (error: unknown) => void;
}

export interface DemoCounts {
  actions: number;
  decisions: Record<string, number>;
  votes: number;
  jobs: number;
}

/** Creates the demo's people (once per database) and fresh keys for its agents and workers. */
async function cast(services: Services): Promise<{ agents: Map<string, string>; workers: Map<string, string> }> {
  for (const person of DEMO_PEOPLE) {
    try {
      await services.auth.addUser({ name: person.name, password: DEMO_PASSWORD, role: person.role, groups: person.groups });
    } catch (error) {
      if (!(error instanceof TollgateError && error.code === 'user.exists')) throw error;
    }
  }
  const agents = new Map<string, string>();
  for (const name of DEMO_AGENTS) agents.set(name, (await services.auth.createKey(name, 'default', 'demo')).secret);
  const workers = new Map<string, string>();
  for (const worker of DEMO_WORKERS)
    workers.set(worker.name, (await services.auth.createWorkerKey(worker.name, [worker.capability], 'default', 'demo')).secret);
  return { agents, workers };
}

export class DemoTraffic {
  readonly counts: DemoCounts = { actions: 0, decisions: {}, votes: 0, jobs: 0 };

  /** Restarts the actors' rounds at the live pace. */
  #paceLive: () => void = () => undefined;

  private constructor(readonly simulation: Simulation) {}

  static async start(options: DemoTrafficOptions): Promise<DemoTraffic> {
    const { services, url } = options;
    const keys = await cast(services);
    const simulation = new Simulation(options.clock, {
      onError: options.onError,
      // While the clock jumps, the deadlines it passes fire before the next step, as they would have.
      beforeTask: async () => {
        if (!simulation.live) await services.timers.sweep();
      },
    });
    const traffic = new DemoTraffic(simulation);
    const random = new Random(options.seed ?? 20_240_601);
    const perDay = options.historyPerDay ?? 80;
    const gap = (): number => {
      if (simulation.live) return Math.round(options.intervalMs * (0.5 + random.next()));
      // Agents are busier in working hours (UTC) than at night, and some days more than others.
      const at = new Date(simulation.now());
      const hour = at.getUTCHours();
      const busy = hour >= 8 && hour < 19 ? 0.6 : 1.8;
      const day = 0.75 + ((at.getUTCDate() * 7919) % 50) / 100;
      return Math.round((DAY / perDay) * busy * day * (0.4 + 1.2 * random.next()));
    };
    const seats: Seat[] =
      options.approvers === false ? [] : DEMO_PEOPLE.map((person) => ({ person, client: personClient(url, person.name, DEMO_PASSWORD) }));
    const workerCalls = new Map<string, Call>([...keys.workers].map(([name, key]) => [name, keyClient(url, key)]));
    const workers = DEMO_WORKERS.map(
      (worker) =>
        new SimulatedWorker(
          simulation,
          random,
          worker,
          workerCalls.get(worker.name)!,
          () => (simulation.live ? 10_000 : 30 * MINUTE),
          () => {
            traffic.counts.jobs++;
            people.notice();
            for (const each of workers) each.notice();
          },
        ),
    );
    const people = new SimulatedPeople(
      simulation,
      random,
      seats,
      (actionId) => agents.kinds.get(actionId),
      () => (simulation.live ? 5_000 : 20 * MINUTE),
      () => {
        traffic.counts.votes++;
        for (const each of workers) each.notice();
      },
    );
    const onSubmitted = (submitted: Submitted): void => {
      const { decision, status } = submitted.reply;
      traffic.counts.actions++;
      traffic.counts.decisions[decision] = (traffic.counts.decisions[decision] ?? 0) + 1;
      if (decision === 'REVIEW') people.toReview(submitted.reply.id);
      if (status === 'pending') {
        people.notice();
        for (const each of workers) each.notice();
      }
    };
    const agents = new SimulatedAgents(
      simulation,
      random,
      new Map([...keys.agents].map(([name, key]) => [name, keyClient(url, key)])),
      gap,
      onSubmitted,
    );
    await people.start();
    for (const worker of workers) worker.start();
    agents.start();
    traffic.#paceLive = () => {
      people.restart();
      for (const worker of workers) worker.start();
      agents.start();
    };
    return traffic;
  }

  /** Runs the simulation at full speed until the clock has caught up with `until` (real time, by default). */
  recordHistory(until: () => number): Promise<number> {
    return this.simulation.runUntil(until);
  }

  goLive(): void {
    this.simulation.goLive();
    // What the history scheduled next is minutes or hours away: the live demo starts its rounds now.
    this.#paceLive();
  }

  stop(): void {
    this.simulation.stop();
  }
}
