// Workers for workflow worker steps: take jobs of one capability (long-poll), keep their lease
// alive with heartbeats while the handler works, and complete them with its output or fail them.
// A lost lease aborts the handler's signal: the job has been offered to another worker.

import { TollgateRequestError, TollgateUnavailable } from './errors.js';
import type { Http } from './http.js';

export interface Job {
  id: string;
  capability: string;
  step: string;
  approval_id: string | null;
  action_id: string;
  attempt: number;
  lease_expires_at: string;
  input: Record<string, unknown>;
  /** The action as approved (possibly modified), and its digest. */
  action: Record<string, unknown>;
  digest: string;
  /** Outputs of the workflow's steps already done, by step id. */
  context: Record<string, unknown>;
  /** For the step that executes the approved action: its single-use grant. */
  grant?: string;
}

export interface WorkerOptions {
  capability: string;
  /** Does the job; its return value is the job's output. Throw to fail it. */
  handler: (job: Job, signal: AbortSignal) => Promise<unknown>;
  /** Seconds each long-poll for a job may wait (default 30, at most 60). */
  wait?: number;
  /** How often to renew the 30 s lease, in ms (default 10 000). */
  heartbeatMs?: number;
  /** Stops the worker after the job in hand. */
  signal?: AbortSignal;
  onError?: (error: unknown) => void;
}

/** Thrown by a handler for a failure that retrying cannot fix: the step fails at once. */
export class PermanentJobError extends Error {
  override readonly name = 'PermanentJobError';
}

export interface RunningWorker {
  /** Stops taking jobs; resolves when the job in hand (if any) is settled. */
  stop(): Promise<void>;
  /** Resolves when the worker has stopped. */
  readonly done: Promise<void>;
}

const RETRY_MS = 1000;

export function startWorker(http: Http, options: WorkerOptions): RunningWorker {
  if (typeof options.capability !== 'string' || options.capability === '')
    throw new TypeError('`capability` must name the kind of job to take');
  if (typeof options.handler !== 'function') throw new TypeError('`handler` must be a function (job, signal) => output');
  const stopping = new AbortController();
  const signals = options.signal === undefined ? stopping.signal : AbortSignal.any([stopping.signal, options.signal]);
  const wait = Math.min(60, Math.max(1, options.wait ?? 30));
  const report = options.onError ?? (() => undefined);

  const loop = async (): Promise<void> => {
    while (!signals.aborted) {
      let job: Job | undefined;
      try {
        job = await http.request<Job | undefined>(
          'GET',
          `/v1/jobs/next?capability=${encodeURIComponent(options.capability)}&wait=${wait}`,
          {
            waitSeconds: wait,
            signal: signals,
            allowEmpty: true,
          },
        );
      } catch (error) {
        if (signals.aborted) return;
        report(error);
        // An unreachable server is waited out; other errors (a revoked key) end the worker.
        if (!(error instanceof TollgateUnavailable)) throw error;
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
        continue;
      }
      if (job !== undefined) await handle(http, job, options, report);
    }
  };
  const done = loop();
  return {
    done,
    async stop() {
      stopping.abort();
      await done.catch(() => undefined);
    },
  };
}

async function handle(http: Http, job: Job, options: WorkerOptions, report: (error: unknown) => void): Promise<void> {
  const lease = new AbortController();
  const beat = setInterval(() => {
    http.request('POST', `/v1/jobs/${encodeURIComponent(job.id)}/heartbeat?attempt=${job.attempt}`).catch((error: unknown) => {
      if (error instanceof TollgateRequestError && error.code === 'job.lease_lost') lease.abort(error);
      else report(error);
    });
  }, options.heartbeatMs ?? 10_000);
  try {
    let output: unknown;
    try {
      output = await options.handler(job, lease.signal);
    } catch (error) {
      if (lease.signal.aborted) return;
      const message = error instanceof Error ? error.message : String(error);
      await http.request('POST', `/v1/jobs/${encodeURIComponent(job.id)}/fail`, {
        body: { error: message || 'the handler failed', retry: !(error instanceof PermanentJobError), attempt: job.attempt },
      });
      return;
    }
    if (lease.signal.aborted) return;
    await http.request('POST', `/v1/jobs/${encodeURIComponent(job.id)}/complete`, {
      body: { output: output ?? null, attempt: job.attempt },
    });
  } catch (error) {
    report(error);
  } finally {
    clearInterval(beat);
  }
}
