// Opens the store a `--db` value names: a PostgreSQL URL, or else a SQLite file path.

import { sql } from 'kysely';
import { connectPostgres } from '../db/connect-postgres.js';
import { PostgresEventChannel } from '../db/postgres-events.js';
import { connectSqlite } from '../db/connect-sqlite.js';
import { KyselyStore } from './kysely/kysely-store.js';
import type { Store } from './store.js';

export interface OpenStoreOptions {
  /** PostgreSQL only: the schema to keep the tables in (lowercase letters, digits, underscores). */
  schema?: string;
  /** PostgreSQL only: the most connections to open (10 when absent). */
  poolSize?: number;
}

const POSTGRES_URL = /^postgres(ql)?:\/\//i;

/** Opens without migrating; call `store.migrate()` to bring the schema up to date. */
export async function openStore(url: string, options: OpenStoreOptions = {}): Promise<Store> {
  if (POSTGRES_URL.test(url)) {
    // `?schema=name` in the URL keeps the tables in that schema (one database, several deployments).
    const parsed = new URL(url);
    const schema = options.schema ?? parsed.searchParams.get('schema') ?? undefined;
    parsed.searchParams.delete('schema');
    const settings = { ...options, ...(schema === undefined ? {} : { schema }) };
    const db = connectPostgres(parsed.toString(), settings);
    const events = new PostgresEventChannel(
      parsed.toString(),
      async (channel, payload) => {
        await sql`select pg_notify(${channel}, ${payload})`.execute(db);
      },
      schema,
    );
    return new KyselyStore(db, 'postgres', { ...(schema === undefined ? {} : { schema }), events });
  }
  return new KyselyStore(connectSqlite(url), 'sqlite');
}
