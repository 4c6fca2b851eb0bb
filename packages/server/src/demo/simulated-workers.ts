// The simulated workers of `tollgate demo`, doing the worker steps of the production-deploy
// workflow over the real jobs API: an analyzer whose findings the reviewers read, and a deployer
// that runs the approved deploy with its grant. Each takes seconds, well inside the job's lease.

import type { Call } from './demo-client.js';
import type { Random, Simulation } from './simulation.js';

const SECOND = 1000;

interface Job {
  id: string;
  capability: string;
  attempt: number;
  action: Record<string, unknown>;
}

export interface DemoWorker {
  /** The worker's name on its key (never an agent's name: no agent does its own request's steps). */
  name: string;
  capability: string;
  /** How long a job takes, fastest and slowest (ms). */
  takes: [number, number];
  output(action: Record<string, unknown>, random: Random): Record<string, unknown>;
}

export const DEMO_WORKERS: DemoWorker[] = [
  {
    name: 'analyzer-1',
    capability: 'deployment-analyzer',
    takes: [4 * SECOND, 15 * SECOND],
    output: (action, random) => {
      const migration = random.chance(0.2);
      return {
        summary: `${String(action.service)} ${String(action.version)}: ${random.between(3, 40)} files changed${migration ? ', one schema migration' : ', no migrations'}`,
        risk: migration ? 'medium' : 'low',
        migrations: migration ? 'adds an index on orders (locks the table for about 40 s)' : 'none',
        tests: `${random.between(800, 1400)} passed, 0 failed`,
        rollback: (action.context as { rollback?: string } | undefined)?.rollback ?? 'none named',
      };
    },
  },
  {
    name: 'k8s-deployer',
    capability: 'kubernetes-deploy',
    takes: [8 * SECOND, 20 * SECOND],
    output: (action) => ({ deployed: `${String(action.service)}:${String(action.version)}`, replicas_ready: action.replicas ?? 4 }),
  },
];

/** One worker: takes the jobs of its capability one by one when told some may be waiting, and every little while. */
export class SimulatedWorker {
  #busy = false;

  constructor(
    private readonly simulation: Simulation,
    private readonly random: Random,
    private readonly worker: DemoWorker,
    private readonly call: Call,
    private readonly pollEvery: () => number,
    private readonly onDone: () => void,
  ) {}

  #chain = 0;

  /** Polls every little while from now on, at the present pace. */
  start(): void {
    const chain = ++this.#chain;
    this.simulation.after(this.pollEvery(), () => this.#periodic(chain));
  }

  /** A job may be waiting. */
  notice(): void {
    if (!this.#busy) this.simulation.after(SECOND, () => this.#take());
  }

  async #periodic(chain: number): Promise<void> {
    if (chain !== this.#chain) return;
    this.simulation.after(this.pollEvery(), () => this.#periodic(chain));
    await this.#take();
  }

  async #take(): Promise<void> {
    if (this.#busy) return;
    const reply = await this.call<Job>('GET', `/v1/jobs/next?capability=${encodeURIComponent(this.worker.capability)}`);
    if (reply.status === 204) return;
    if (reply.status !== 200) throw new Error(`${this.worker.name} cannot take a job: ${JSON.stringify(reply.body)}`);
    const job = reply.body;
    this.#busy = true;
    this.simulation.after(this.random.between(...this.worker.takes), async () => {
      try {
        const done = await this.call('POST', `/v1/jobs/${job.id}/complete`, {
          output: this.worker.output(job.action, this.random),
          attempt: job.attempt,
        });
        if (done.status !== 200) throw new Error(`${this.worker.name} cannot complete job ${job.id}: ${JSON.stringify(done.body)}`);
        this.onDone();
      } finally {
        this.#busy = false;
      }
      await this.#take();
    });
  }
}
