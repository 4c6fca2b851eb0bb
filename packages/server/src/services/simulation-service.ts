// Policy simulation (DESIGN §3.6): replays a tenant's stored actions against a candidate policy
// and reports which decisions would change and the approval load it would create. The replay runs
// on a worker thread with a time limit, a few at a time, so that no candidate holds the server.

import { loadPolicy, type CompiledPolicy, type PolicyFile, type SimulationReport } from '@tollgate/core';
import { FailureWindow } from '../auth/failure-window.js';
import { TollgateError } from '../errors.js';
import type { ActionRecord } from '../stores/records.js';
import type { Store } from '../stores/store.js';
import type { Clock } from '../util/clock.js';
import { windowMs } from './metrics-service.js';
import { startSimulationWorker, type ReplayInput, type SimulationWorker, type WorkerReply } from './simulation-worker.js';

const PAGE = 1000;

export interface SimulationResult extends SimulationReport {
  tenant: string;
  candidate_version: string;
  window: { name: string; since: string; until: string };
  /** The live policy versions the replayed decisions were made under. */
  live_versions: string[];
}

export interface SimulationLimits {
  /** How long one simulation may run, from its start (not its wait in the queue). */
  timeMs: number;
  /** Simulations replaying at once on this node; each takes one worker thread. */
  running: number;
  /** Simulations waiting for a place; one more is refused with `simulate.busy`. */
  queued: number;
  /** Simulations one person may start in a minute. */
  perMinute: number;
}

export const DEFAULT_SIMULATION_LIMITS: SimulationLimits = { timeMs: 60_000, running: 2, queued: 4, perMinute: 10 };

/** Compiles a candidate from its files, or throws policy.invalid with every diagnostic. */
export function compileCandidate(files: PolicyFile[]): CompiledPolicy {
  const result = loadPolicy(files);
  if (!result.ok) throw new TollgateError('policy.invalid', 'the candidate policy does not load', { diagnostics: result.diagnostics });
  return result.policy;
}

/** What replaying one stored action takes: what was known when it was decided. */
export function replayInput(action: ActionRecord): ReplayInput {
  // Novelty is history the action itself does not carry; the live decision recorded it.
  const novel = action.evaluation.reasons.some((reason) => reason.name === 'escalation.novelty');
  return {
    summary: {
      id: action.id,
      agent: action.agent,
      action_type: action.action_type,
      environment: action.environment,
      created_at: action.created_at,
    },
    live: action.evaluation,
    payload: action.payload,
    options: {
      now: action.created_at,
      actionId: action.id,
      ...(action.autonomy_level === null ? {} : { level: action.autonomy_level }),
      ...(novel ? { novel } : {}),
    },
  };
}

export class SimulationService {
  readonly #limits: SimulationLimits;
  readonly #starts: FailureWindow;
  #running = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(private readonly deps: { store: Store; clock: Clock; limits?: Partial<SimulationLimits> }) {
    this.#limits = { ...DEFAULT_SIMULATION_LIMITS, ...deps.limits };
    this.#starts = new FailureWindow({ max: this.#limits.perMinute, windowMs: 60_000, now: () => deps.clock.now() });
  }

  /**
   * Replays the tenant's actions against the candidate `files`. Throws policy.invalid when they do
   * not load, request.rate_limited past `perMinute` for `who`, simulate.busy when the queue is full,
   * and simulate.timeout (with how far it got) past `timeMs`.
   */
  async simulate(
    tenantId: string,
    files: PolicyFile[],
    options: { since?: string; who?: string; onProgress?: (done: number, total: number) => void } = {},
  ): Promise<SimulationResult> {
    if (options.who !== undefined) {
      const wait = this.#starts.retryAfter(options.who);
      if (wait > 0) {
        const seconds = Math.max(1, Math.ceil(wait / 1000));
        throw new TollgateError('request.rate_limited', `at most ${this.#limits.perMinute} simulations a minute; retry in ${seconds} s`, {
          retry_after: seconds,
        });
      }
      this.#starts.fail(options.who);
    }
    await this.#place();
    try {
      return await this.#run(tenantId, files, options);
    } finally {
      this.#running--;
      this.#waiting.shift()?.();
    }
  }

  /** Waits for one of the `running` places, or refuses when the queue is full. */
  async #place(): Promise<void> {
    if (this.#running < this.#limits.running) {
      this.#running++;
      return;
    }
    if (this.#waiting.length >= this.#limits.queued)
      throw new TollgateError(
        'simulate.busy',
        `${this.#limits.running + this.#limits.queued} simulations are running or waiting; retry later`,
      );
    // The place is handed over by the run that ends, so `#running` stays counted.
    await new Promise<void>((resolve) => this.#waiting.push(resolve));
  }

  async #run(
    tenantId: string,
    files: PolicyFile[],
    options: { since?: string; onProgress?: (done: number, total: number) => void },
  ): Promise<SimulationResult> {
    const name = options.since ?? '30d';
    const until = this.deps.clock.now();
    const since = until - windowMs(name);
    const { store } = this.deps;
    const limitMs = this.#limits.timeMs;
    const progress = { done: 0, total: 0 };
    const worker = startSimulationWorker(files);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        const seconds = limitMs / 1000;
        reject(
          new TollgateError(
            'simulate.timeout',
            `the simulation did not finish within ${seconds} s; it had replayed ${progress.done} of ${progress.total} actions`,
            { replayed: progress.done, total: progress.total, limit_ms: limitMs },
          ),
        );
      }, limitMs);
    });
    // Raced by every wait below; this branch only keeps a timeout between waits from going unhandled.
    timedOut.catch(() => undefined);
    const ask = (message?: Parameters<SimulationWorker['next']>[0]): Promise<WorkerReply> =>
      Promise.race([worker.next(message), timedOut]).then(failOnWorkerError);
    try {
      const first = await ask();
      if ('invalid' in first)
        throw new TollgateError('policy.invalid', 'the candidate policy does not load', { diagnostics: first.invalid });
      const version = (first as { ready: string }).ready;
      progress.total = await store.actions.count(tenantId, { since });
      const versions = new Set<string>();
      for (let after: string | undefined; ;) {
        const page = await Promise.race([
          store.actions.list(tenantId, { since, limit: PAGE, ...(after === undefined ? {} : { after }) }),
          timedOut,
        ]);
        const inputs: ReplayInput[] = [];
        for (const action of page) {
          if (action.created_at >= until) continue;
          versions.add(action.policy_version);
          inputs.push(replayInput(action));
        }
        await ask({ page: inputs });
        progress.done = Math.min(progress.done + page.length, progress.total);
        options.onProgress?.(progress.done, progress.total);
        if (page.length < PAGE) break;
        after = page[page.length - 1]!.id;
      }
      const { report } = (await ask({ days: (until - since) / 86_400_000 })) as { report: SimulationReport };
      return {
        tenant: tenantId,
        candidate_version: version,
        window: { name, since: new Date(since).toISOString(), until: new Date(until).toISOString() },
        live_versions: [...versions].sort(),
        ...report,
      };
    } finally {
      clearTimeout(timer);
      await worker.stop();
    }
  }
}

function failOnWorkerError(reply: WorkerReply): WorkerReply {
  if ('failed' in reply) throw new TollgateError('server.internal', `the simulation failed: ${reply.failed}`);
  return reply;
}
