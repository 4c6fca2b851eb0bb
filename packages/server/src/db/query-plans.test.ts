// Reads made for requests and people must find their rows by index, not read a tenant's whole history:
// SQLite plans without statistics, and given only a tenant-led index it walks every row of the
// tenant. Checked on the plans of the queries the repositories build.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CompiledQuery, type Compilable } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectSqlite } from './connect-sqlite.js';
import { migrateToLatest } from './migrate.js';
import { openByDigestQuery } from '../stores/kysely/actions.js';
import { dueQuery } from '../stores/kysely/questions.js';

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

describe('reads on SQLite', () => {
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
        .where('approval_id', 'in', ['a', 'b'])
        .where('closed_at', 'is', null)
        .where('step_id', '=', 's'),
    );
    expect(close).toMatch(/USING INDEX \S+ \(tenant_id=\? AND approval_id=\?/);
  });

  it("read a person's open assignments (the inbox) by (tenant, person), newest request first", async () => {
    const inbox = await plan(
      db
        .selectFrom('assignments')
        .select('approval_id')
        .distinct()
        .where('tenant_id', '=', 't')
        .where('user_id', '=', 'u')
        .where('closed_at', 'is', null)
        .orderBy('approval_id', 'desc')
        .limit(100),
    );
    expect(inbox).toMatch(/USING (COVERING )?INDEX \S+ \(tenant_id=\? AND user_id=\? AND closed_at=\?\)/);
    expect(inbox).not.toMatch(/TEMP B-TREE/);
  });

  it("read an approval's precedents (decided actions of its type and environment) by index", async () => {
    for (const environment of ['production', null]) {
      const precedents = await plan(
        db
          .selectFrom('actions')
          .selectAll()
          .where('tenant_id', '=', 't')
          .where('status', 'in', ['approved', 'denied'])
          .where('action_type', '=', 'deploy')
          .where('environment', environment === null ? 'is' : '=', environment)
          .where('decision', '=', 'REQUIRE_APPROVAL')
          .orderBy('created_at', 'desc')
          .orderBy('id', 'desc')
          .limit(5),
      );
      expect(precedents).toMatch(/USING INDEX \S+ \(tenant_id=\? AND action_type=\? AND environment=\?\)/);
    }
  });

  it("find an agent's open action with a digest (a retry's) by the partial index of open actions", async () => {
    const values: unknown[] = ['t', 'agent', 'sha256:d', 1];
    const detail = await plan(openByDigestQuery(db, ((index: number) => values[index]) as (index: number) => never));
    expect(detail).toMatch(/SEARCH a USING INDEX actions_open_digest \(tenant_id=\? AND agent=\? AND digest=\?\)/);
  });

  it('find the questions past their deadline (every sweep) by the partial index of pending deadlines', async () => {
    expect(await plan(dueQuery(db, 1, 200))).toMatch(/SEARCH questions USING INDEX questions_due \(deadline<\?\)/);
  });

  it("end a person's sessions, and delete expired sessions and ended sign-in windows, by index", async () => {
    const byPerson = await plan(db.deleteFrom('sessions').where('tenant_id', '=', 't').where('user_id', '=', 'u'));
    expect(byPerson).toMatch(/USING (COVERING )?INDEX \S+ \(tenant_id=\? AND user_id=\?\)/);
    const expired = await plan(db.deleteFrom('sessions').where('expires_at', '<=', 1));
    expect(expired).toMatch(/USING (COVERING )?INDEX \S+ \(expires_at<\?\)/);
    const ended = await plan(db.deleteFrom('sign_in_failures').where('window_ends_at', '<=', 1));
    expect(ended).toMatch(/USING (COVERING )?INDEX \S+ \(window_ends_at<\?\)/);
  });
});
