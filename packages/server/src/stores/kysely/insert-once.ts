// Inserts one row unless it would break a unique constraint, and then throws StoreConflictError
// naming the constraint. ON CONFLICT DO NOTHING rather than catching the violation: on PostgreSQL
// a failed statement aborts the whole transaction, and a caller should be able to go on after a
// conflict (to read the row that won, say) on both dialects alike.

import { sql, type Insertable, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { StoreConflictError } from '../store.js';
import { insertRows } from './prepared.js';

export interface UniqueKey<Table extends keyof Database> {
  constraint: string;
  columns: Array<keyof Database[Table] & string>;
}

export async function insertOnce<Table extends keyof Database>(
  db: Kysely<Database>,
  table: Table,
  row: Insertable<Database[Table]>,
  keys: Array<UniqueKey<Table>>,
): Promise<void> {
  if ((await insertRows(db, table, [row], true)) !== 0n) return;
  // Only on the rare conflict: find which key an existing row shares.
  const values = row as Record<string, unknown>;
  for (const key of keys) {
    if (key.columns.some((column) => values[column] === null || values[column] === undefined)) continue;
    const matches = sql.join(
      key.columns.map((column) => sql`${sql.ref(column)} = ${values[column]}`),
      sql` and `,
    );
    const { rows } = await sql`select 1 from ${sql.table(table)} where ${matches} limit 1`.execute(db);
    if (rows.length > 0) throw new StoreConflictError(`unique constraint \`${key.constraint}\` violated`, key.constraint);
  }
  throw new StoreConflictError(`unique constraint on \`${table}\` violated`);
}
