// Runs one policy simulation on a worker thread, so that a slow or hostile candidate never holds
// the event loop that answers decisions and health checks. The main thread reads the stored
// actions page by page and hands them over; the worker compiles the candidate, replays, tallies.

import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type { Diagnostic, EvaluateOptions, PolicyFile, SimulationReport, SimulationTally } from '@tollgate/core';

type TallyInput = Parameters<SimulationTally['add']>;

/** One stored action as the worker replays it: what the tally shows, the live decision, the input. */
export interface ReplayInput {
  summary: TallyInput[0];
  live: TallyInput[1];
  payload: Record<string, unknown>;
  options: EvaluateOptions;
}

export type WorkerReply =
  { ready: string } | { invalid: Diagnostic[] } | { replayed: number } | { report: SimulationReport } | { failed: string };

// Plain JavaScript evaluated by the worker, so that it runs the same from sources and from the
// build; the kernel is imported by its resolved file URL.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
import(workerData.core).then((core) => {
  const loaded = core.loadPolicy(workerData.files);
  if (!loaded.ok) return parentPort.postMessage({ invalid: loaded.diagnostics });
  const candidate = loaded.policy;
  const tally = new core.SimulationTally();
  parentPort.on('message', (message) => {
    try {
      if (message.page !== undefined) {
        for (const input of message.page) tally.add(input.summary, input.live, candidate.evaluate(input.payload, input.options));
        parentPort.postMessage({ replayed: message.page.length });
      } else if (message.days !== undefined) {
        parentPort.postMessage({ report: tally.report(message.days) });
      }
    } catch (error) {
      parentPort.postMessage({ failed: String(error && error.message ? error.message : error) });
    }
  });
  parentPort.postMessage({ ready: candidate.version });
}, (error) => parentPort.postMessage({ failed: String(error && error.message ? error.message : error) }));
`;

const CORE_URL = pathToFileURL(createRequire(import.meta.url).resolve('@tollgate/core')).href;

/** A started worker: ask it, one message at a time, and end it. */
export interface SimulationWorker {
  /** Sends a message (or nothing, for the first reply) and waits for the worker's answer. */
  next(message?: { page: ReplayInput[] } | { days: number }): Promise<WorkerReply>;
  stop(): Promise<void>;
}

export function startSimulationWorker(files: PolicyFile[]): SimulationWorker {
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { core: CORE_URL, files },
    // A candidate that builds huge values fails on its own thread, not the server's.
    resourceLimits: { maxOldGenerationSizeMb: 512 },
  });
  worker.unref();
  const replies: WorkerReply[] = [];
  let waiting: ((reply: WorkerReply) => void) | undefined;
  const deliver = (reply: WorkerReply): void => {
    if (waiting === undefined) replies.push(reply);
    else {
      const done = waiting;
      waiting = undefined;
      done(reply);
    }
  };
  worker.on('message', deliver);
  worker.on('error', (error) => deliver({ failed: error.message }));
  worker.on('exit', (code) => deliver({ failed: `the simulation worker stopped (exit code ${code})` }));
  return {
    next(message) {
      if (message !== undefined) worker.postMessage(message);
      const queued = replies.shift();
      if (queued !== undefined) return Promise.resolve(queued);
      return new Promise((resolve) => (waiting = resolve));
    },
    async stop() {
      worker.removeAllListeners('exit');
      await worker.terminate();
    },
  };
}
