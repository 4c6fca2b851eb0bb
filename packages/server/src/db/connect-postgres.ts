// Opens a PostgreSQL connection pool from a `postgres://` URL, optionally confined to one schema.

import { userInfo } from 'node:os';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.js';

export interface PostgresOptions {
  /** Schema to create and use the tables in (the connections' search_path). */
  schema?: string;
  poolSize?: number;
}

/** Schema names are spliced into the connection's startup options, so only plain identifiers pass. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function assertSchemaName(schema: string): void {
  if (!SCHEMA_NAME.test(schema)) {
    throw new Error(`schema name \`${schema}\` must be lowercase letters, digits and underscores`);
  }
}

// int8 comes back as a string by default; every bigint here is a millisecond timestamp, a sequence
// number or a count, all well inside Number's exact range. Set per pool, not on the global
// `pg.types`, so other pg users in the process keep their parsing.
function typeParsers(): pg.TypeOverrides {
  const types = new pg.TypeOverrides();
  types.setTypeParser(pg.types.builtins.INT8, 'text', (value: string) => Number(value));
  return types;
}

// Like psql, a URL without a user name connects as the operating-system user. pg falls back to
// $USER instead, which service managers and containers often leave unset.
function withDefaultUser(url: string): string {
  const parsed = new URL(url);
  if (parsed.username !== '' || parsed.host === '' || pg.defaults.user) return url;
  parsed.username = userInfo().username;
  return parsed.toString();
}

/**
 * A new connection that gets no answer in this long fails, rather than holding its request: a
 * database behind a dead network path answers nothing at all.
 */
export const CONNECT_TIMEOUT_MS = 5_000;

export function connectPostgres(url: string, options: PostgresOptions = {}): Kysely<Database> {
  if (options.schema !== undefined) assertSchemaName(options.schema);
  const pool = new pg.Pool({
    connectionString: withDefaultUser(url),
    max: options.poolSize ?? 10,
    types: typeParsers(),
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    // Notices a peer that vanished without closing the connection (a failed-over host).
    keepAlive: true,
    // With several schemas in one database (tests, side-by-side deployments), parallel workers may
    // look up a schema another client is dropping; planning without them avoids that failure.
    ...(options.schema === undefined ? {} : { options: `-c search_path=${options.schema} -c max_parallel_workers_per_gather=0` }),
  });
  // An idle client whose connection drops emits `error` on the pool; without a listener that
  // would crash the process. The pool discards the client and the next query opens a new one.
  pool.on('error', () => {});
  // A client checked out of the pool has no listener of the pool's: when the database ends its
  // connection between two queries (a restart terminates every backend), the unhandled `error`
  // would end the process. The failure reaches the query in flight, or the next one, as an
  // error; the pool drops the broken client when it is released.
  pool.on('connect', (client) => client.on('error', () => {}));
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}
