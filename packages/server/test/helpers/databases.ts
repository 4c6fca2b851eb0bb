// The databases the server tests run on: a fresh SQLite file, and a fresh schema on the
// machine's PostgreSQL (127.0.0.1:5432, database `test`) for every test file.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const POSTGRES_URL = process.env.TOLLGATE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export type DatabaseKind = 'sqlite' | 'postgres';
export const DATABASES: DatabaseKind[] = ['sqlite', 'postgres'];

export interface TestDatabase {
  kind: DatabaseKind;
  /** The `--db` value for a server on this database. */
  url: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  if (kind === 'sqlite') {
    const folder = mkdtempSync(join(tmpdir(), 'tollgate-test-'));
    return { kind, url: join(folder, 'tollgate.db'), drop: async () => undefined };
  }
  const schema = `tollgate_test_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(`PostgreSQL at ${POSTGRES_URL} is unreachable (${String((error as Error).message)}); these tests need it running`);
  }
  await client.query(`create schema ${schema}`);
  await client.end();
  return {
    kind,
    url: `${POSTGRES_URL}?schema=${schema}`,
    drop: async () => {
      const cleanup = new pg.Client({ connectionString: POSTGRES_URL });
      await cleanup.connect();
      await cleanup.query(`drop schema if exists ${schema} cascade`);
      await cleanup.end();
    },
  };
}
