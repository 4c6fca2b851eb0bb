// Opens a SQLite database file (or `:memory:`) with the settings Tollgate relies on.

import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely } from 'kysely';
import type { Database as Tables } from './schema.js';
import { WriteTransactionSqliteDialect } from './sqlite-dialect.js';
import { withStatementCache } from './statement-cache.js';
import { FALLBACK_AUTOCHECKPOINT_PAGES, startCheckpointer } from './sqlite-checkpointer.js';

const require = createRequire(import.meta.url);

/** How long a writer waits for another process's write lock before failing with SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5_000;

export function connectSqlite(path: string): Kysely<Tables> {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const database = new Database(path);
  try {
    // WAL lets readers run beside the single writer; NORMAL is durable across process crashes in
    // WAL mode and only risks the last commits on power loss, for far fewer fsyncs.
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = NORMAL');
    database.pragma('foreign_keys = ON');
    // A statement that may fail halfway (a many-row insert) keeps a statement journal; kept in a
    // temporary file, a batch's journal outgrew its in-memory start and cost several writes per decision.
    database.pragma('temp_store = MEMORY');
    database.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    if (path !== ':memory:') database.pragma(`wal_autocheckpoint = ${FALLBACK_AUTOCHECKPOINT_PAGES}`);
  } catch (error) {
    database.close();
    throw error;
  }
  const checkpointer =
    path === ':memory:'
      ? undefined
      : startCheckpointer(path, require.resolve('better-sqlite3'), (message) =>
          process.emitWarning(`checkpointing ${path} failed: ${message}`),
        );
  return new Kysely<Tables>({ dialect: new WriteTransactionSqliteDialect({ database: withStatementCache(database) }, checkpointer) });
}
