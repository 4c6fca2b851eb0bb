// Checkpoints the SQLite write-ahead log from a worker thread. Left to itself, SQLite checkpoints
// inside whichever commit crosses the WAL's size limit: that commit copies pages back into the
// database file and waits for two fsyncs, and every decision queued behind it waits too. Here a
// second connection on its own thread runs PASSIVE checkpoints, which never block the writer.
//
// A PASSIVE checkpoint cannot start the log over: the writer restarts the WAL from its first frame
// only when it begins a transaction with every frame copied back, and under steady load new frames
// arrive while each checkpoint runs. The log would grow until the writer's own fallback checkpoint
// stopped the event loop (15–25 ms every 64 MB, measured). So once the log is long, the worker asks
// the writer to wait before its next transaction: it then copies the last frames while nothing
// writes, the next transaction starts the log over, and the event loop serves requests meanwhile.

import { Worker } from 'node:worker_threads';

/** How often the worker checkpoints. */
const INTERVAL_MS = 250;
/** Frames in the log (~16 MB of 4 KiB pages) at which the writer is asked to let the log start over. */
const RESTART_FRAMES = 4_096;
/** How long a writer waits for the worker's checkpoint at most, should the worker hang. */
const RESTART_WAIT_MS = 1_000;
/** The writer still checkpoints by itself once the log passes this many pages (~64 MB), should the worker fall behind. */
export const FALLBACK_AUTOCHECKPOINT_PAGES = 16_384;

// Plain JavaScript evaluated by the worker, so that it runs the same from sources and from the build.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma('busy_timeout = 1000');
/** Frames still in the log after a checkpoint, or undefined when it failed. */
const checkpoint = () => {
  try {
    const [result] = db.pragma('wal_checkpoint(PASSIVE)');
    return result.log;
  } catch (error) {
    parentPort.postMessage({ error: String(error && error.message ? error.message : error) });
    return undefined;
  }
};
const timer = setInterval(() => {
  const frames = checkpoint();
  if (frames !== undefined && frames >= workerData.restartFrames) parentPort.postMessage({ restart: true });
}, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (typeof message === 'object' && message.checkpoint !== undefined) {
    checkpoint();
    parentPort.postMessage({ checkpointed: message.checkpoint });
    return;
  }
  if (message !== 'stop') return;
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort.postMessage({ stopped: true });
});
`;

export interface Checkpointer {
  /**
   * Called before each write transaction: undefined to go ahead at once or, when the log should
   * start over, a promise that resolves once the worker has copied every frame back (the caller
   * must not write until then).
   */
  beforeWrite(): Promise<void> | undefined;
  stop(): Promise<void>;
}

/** Starts checkpointing the database file at `path`; `driver` is the resolved better-sqlite3 module path. */
export function startCheckpointer(
  path: string,
  driver: string,
  onError: (message: string) => void,
  options: { intervalMs?: number; restartFrames?: number } = {},
): Checkpointer {
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { path, driver, intervalMs: options.intervalMs ?? INTERVAL_MS, restartFrames: options.restartFrames ?? RESTART_FRAMES },
  });
  // The worker never keeps the process alive; stop() ends it when the store closes.
  worker.unref();
  let stopped: Promise<void> | undefined;
  let exited = false;
  let restartWanted = false;
  /** The writer's wait: the number of its request, answered by the worker's reply with that number. */
  let waiting: { request: number; done: () => void } | undefined;
  let requests = 0;
  worker.once('exit', () => {
    exited = true;
    waiting?.done();
  });
  worker.on('message', (message: { error?: string; restart?: boolean; checkpointed?: number }) => {
    if (message.error !== undefined) onError(message.error);
    if (message.restart === true) restartWanted = true;
    // A reply to an earlier request that timed out does not end a later wait.
    if (message.checkpointed !== undefined && message.checkpointed === waiting?.request) waiting.done();
  });
  worker.on('error', (error) => onError(error.message));
  return {
    beforeWrite() {
      if (!restartWanted || exited || stopped !== undefined) return undefined;
      restartWanted = false;
      return new Promise<void>((resolve) => {
        const request = ++requests;
        const timer = setTimeout(done, RESTART_WAIT_MS);
        function done(): void {
          clearTimeout(timer);
          waiting = undefined;
          resolve();
        }
        waiting = { request, done };
        worker.postMessage({ checkpoint: request });
      });
    },
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        if (exited) return resolve();
        worker.once('exit', () => resolve());
        worker.on('message', (message: { stopped?: boolean }) => {
          if (message.stopped === true) void worker.terminate();
        });
        worker.postMessage('stop');
      });
      return stopped;
    },
  };
}
