// Checkpoints the SQLite write-ahead log from a worker thread. Left to itself, SQLite checkpoints
// inside whichever commit crosses the WAL's size limit: that commit copies megabytes back into
// the database file and waits for the disk, and every decision queued behind it waits too. Here
// a second connection on its own thread runs PASSIVE checkpoints, which never block the writer.

import { Worker } from 'node:worker_threads';

/** How often the worker checkpoints. */
const INTERVAL_MS = 250;
/** The writer still checkpoints by itself once the log passes this many pages (~64 MB), should the worker fall behind. */
export const FALLBACK_AUTOCHECKPOINT_PAGES = 16_384;

// Plain JavaScript evaluated by the worker, so that it runs the same from sources and from the build.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma('busy_timeout = 1000');
const checkpoint = () => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (error) {
    parentPort.postMessage({ error: String(error && error.message ? error.message : error) });
  }
};
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort.postMessage({ stopped: true });
});
`;

export interface Checkpointer {
  stop(): Promise<void>;
}

/** Starts checkpointing the database file at `path`; `driver` is the resolved better-sqlite3 module path. */
export function startCheckpointer(path: string, driver: string, onError: (message: string) => void): Checkpointer {
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { path, driver, intervalMs: INTERVAL_MS } });
  // The worker never keeps the process alive; stop() ends it when the store closes.
  worker.unref();
  let stopped: Promise<void> | undefined;
  let exited = false;
  worker.once('exit', () => (exited = true));
  worker.on('message', (message: { error?: string }) => {
    if (message.error !== undefined) onError(message.error);
  });
  worker.on('error', (error) => onError(error.message));
  return {
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
