// The checkpointer under steady writes: the write-ahead log starts over again and again instead
// of growing, with the writer waiting (off the event loop) only when the worker asks it to.

import { mkdtempSync, openSync, readSync, closeSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as tick } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { startCheckpointer, type Checkpointer } from './sqlite-checkpointer.js';

const require = createRequire(import.meta.url);
const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

/** How many times the log has started over: the checkpoint sequence number in the WAL file's header. */
function restartsOf(walPath: string): number {
  const header = Buffer.alloc(16);
  const fd = openSync(walPath, 'r');
  try {
    readSync(fd, header, 0, 16, 0);
  } finally {
    closeSync(fd);
  }
  return header.readUInt32BE(12);
}

describe('the SQLite checkpointer', () => {
  it('has the writer let the log start over once it is long, so that it stays short under steady writes', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'tollgate-checkpointer-'));
    folders.push(folder);
    const path = join(folder, 'test.db');
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    // No fallback: only the worker checkpoints, so the log's restarts are its doing.
    db.pragma('wal_autocheckpoint = 0');
    db.exec('create table rows (id integer primary key, body text not null)');
    const insert = db.prepare('insert into rows (body) values (?)');
    const write = db.transaction(() => {
      for (let row = 0; row < 5; row++) insert.run('x'.repeat(3_000));
    });
    let checkpointer: Checkpointer | undefined;
    try {
      checkpointer = startCheckpointer(path, require.resolve('better-sqlite3'), (message) => expect.fail(message), {
        intervalMs: 5,
        restartFrames: 40,
      });
      // Writes until the worker, once running, first asks the writer to wait.
      let asked: Promise<void> | undefined;
      while ((asked = checkpointer.beforeWrite()) === undefined) {
        write();
        await tick();
      }
      await asked;
      write();
      const before = restartsOf(`${path}-wal`);
      const started = performance.now();
      for (let i = 0; i < 1_000 || performance.now() - started < 500; i++) {
        await checkpointer.beforeWrite();
        write();
        // Like the server, the event loop turns between transactions (the worker's messages arrive).
        await tick();
      }
      // At least 4,000 pages written, about four per transaction; the log may start over after every 40 or so.
      expect(restartsOf(`${path}-wal`) - before).toBeGreaterThanOrEqual(5);
    } finally {
      await checkpointer?.stop();
      db.close();
    }
  });
});
