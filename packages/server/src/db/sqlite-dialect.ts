// Kysely's better-sqlite3 dialect with write transactions: BEGIN IMMEDIATE takes the write lock
// up front, so a transaction that reads and then writes cannot fail halfway on another process's lock.

import {
  CompiledQuery,
  SqliteAdapter,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type Driver,
  type DialectAdapter,
  type SqliteDialectConfig,
} from 'kysely';
import type { Checkpointer } from './sqlite-checkpointer.js';

class ImmediateSqliteDriver extends SqliteDriver {
  constructor(
    config: SqliteDialectConfig,
    private readonly checkpointer: Checkpointer | undefined,
  ) {
    super(config);
  }

  override async destroy(): Promise<void> {
    await this.checkpointer?.stop();
    await super.destroy();
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    // Waits, off the event loop, while the checkpointer lets the write-ahead log start over.
    const restart = this.checkpointer?.beforeWrite();
    if (restart !== undefined) await restart;
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

// SQLite's DDL is transactional; saying so makes Kysely's Migrator run the pending migrations in
// one write transaction, which also keeps two processes from migrating the same file at once.
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

export class WriteTransactionSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;

  constructor(
    config: SqliteDialectConfig,
    private readonly checkpointer?: Checkpointer,
  ) {
    super(config);
    this.#config = config;
  }

  // Kysely's driver hands its single connection to one caller at a time (a mutex), so concurrent
  // transactions in this process queue instead of interleaving on the connection.
  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config, this.checkpointer);
  }

  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}
