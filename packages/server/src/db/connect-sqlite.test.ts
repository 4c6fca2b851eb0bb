// The settings every SQLite connection is opened with: the durability and speed figures in
// docs/performance.md were measured with them.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { connectSqlite } from './connect-sqlite.js';

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

describe('connectSqlite', () => {
  it('opens a file in WAL mode, syncing at checkpoints, with foreign keys and in-memory statement journals', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'tollgate-connect-'));
    folders.push(folder);
    const db = connectSqlite(join(folder, 'nested', 'tollgate.db'));
    try {
      const pragma = async (name: string): Promise<unknown> =>
        Object.values((await sql.raw<Record<string, unknown>>(`pragma ${name}`).execute(db)).rows[0]!)[0];
      expect(await pragma('journal_mode')).toBe('wal');
      expect(await pragma('synchronous')).toBe(1); // NORMAL
      expect(await pragma('foreign_keys')).toBe(1);
      // 2 = MEMORY: a many-row insert's statement journal never spills to a temporary file.
      expect(await pragma('temp_store')).toBe(2);
    } finally {
      await db.destroy();
    }
  });
});
