// The reads made for every request must find its rows by index, not read a tenant's whole history:
// SQLite plans without statistics, and given only a tenant-led index it walks every row of the
// tenant. Checked on the plan of the SQL each repository actually sends.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CompiledQuery, type Compilable } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectSqlite } from './connect-sqlite.js';
import { migrateToLatest } from './migrate.js';

const folder = mkdtempSync(join(tmpdir(), 'tollgate-plans-'));
const db = connectSqlite(join(folder, 'plans.db'));

beforeAll(() => migrateToLatest(db, { dialect: 'sqlite' }));
afterAll(async () => {
  await db.destroy();
  rmSync(folder, { recursive: true, force: true });
});

async function plan(query: Compilable): Promise<string> {
  const { sql: text, parameters } = query.compile();
  const rows = await db.executeQuery<{ detail: string }>(CompiledQuery.raw(`explain query plan ${text}`, [...parameters]));
  return rows.rows.map((row) => row.detail).join('\n');
}

describe('per-request reads on SQLite', () => {
  it("read a request's votes by (tenant, request)", async () => {
    const detail = await plan(
      db.selectFrom('votes').selectAll().where('tenant_id', '=', 't').where('approval_id', '=', 'a').orderBy('created_at').orderBy('id'),
    );
    expect(detail).toMatch(/USING INDEX \S+ \(tenant_id=\? AND approval_id=\?/);
  });

  it("read and close a request's assignments by (tenant, request)", async () => {
    const read = await plan(
      db.selectFrom('assignments').selectAll().where('tenant_id', '=', 't').where('approval_id', '=', 'a').orderBy('assigned_at'),
    );
    expect(read).toMatch(/USING INDEX \S+ \(tenant_id=\? AND approval_id=\?/);
    const close = await plan(
      db
        .updateTable('assignments')
        .set({ closed_at: 1 })
        .where('tenant_id', '=', 't')
        .where('approval_id', '=', 'a')
        .where('closed_at', 'is', null)
        .where('step_id', '=', 's'),
    );
    expect(close).toMatch(/USING INDEX \S+ \(tenant_id=\? AND approval_id=\?/);
  });
});
