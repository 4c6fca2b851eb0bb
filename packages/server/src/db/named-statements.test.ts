// On PostgreSQL the store's hot queries are prepared once per connection (parsed and planned from
// a named statement), and nothing else is: a connection keeps only the few hot query shapes.
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POSTGRES_URL } from '../../test/helpers/databases.js';
import { prepared } from '../stores/kysely/prepared.js';
import { connectPostgres } from './connect-postgres.js';
import { migrateToLatest } from './migrate.js';

const schema = `tollgate_test_${randomBytes(6).toString('hex')}`;
// One connection, so the session that ran the queries is the one asked about them.
const db = connectPostgres(POSTGRES_URL, { schema, poolSize: 1 });
const tenantById = prepared('test tenant by id', (q, p) => q.selectFrom('tenants').selectAll().where('id', '=', p(0)));

beforeAll(async () => {
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  await migrateToLatest(db, { dialect: 'postgres', schema });
});

afterAll(async () => {
  await db.destroy();
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  await admin.query(`drop schema if exists ${schema} cascade`);
  await admin.end();
});

describe('named statements on PostgreSQL', () => {
  it('prepares a hot query once and answers it with each execution’s values', async () => {
    await db.insertInto('tenants').values({ id: 'ten_a', name: 'a', created_at: 1 }).execute();
    expect((await tenantById(db, 'ten_a')).rows.map((row) => row.id)).toEqual(['ten_a']);
    expect((await tenantById(db, 'ten_b')).rows).toEqual([]);
    const statements = await sql<{ name: string; statement: string }>`select name, statement from pg_prepared_statements`.execute(db);
    const hot = statements.rows.filter((row) => row.statement.includes('"tenants"'));
    expect(hot).toHaveLength(1);
    expect(hot[0]!.name).toMatch(/^tg_[0-9a-f]{32}$/);
    // One-off statements (the inserts and this very query) stay unnamed.
    expect(statements.rows.every((row) => row.name.startsWith('tg_'))).toBe(true);
  });
});
