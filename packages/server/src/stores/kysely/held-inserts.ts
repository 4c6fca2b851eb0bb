// New rows inserted inside a group commit, held to be written together: one multi-row INSERT per
// table when the transaction next needs them (a statement that may read them) or commits. A batch
// of decisions so writes its actions, reviews, new approval requests, their first logged events
// and assignments in a handful of statements instead of several each, which on PostgreSQL is a
// handful of round trips instead of dozens; a timer sweep, the events of every request it ticks.
//
// A repeated key fails the whole write (the group commit is then retried write by write, where
// every insert is immediate). A single held row is written by insertOnce, whose error names the
// constraint.

import type { Insertable } from 'kysely';
import type { Database } from '../../db/schema.js';
import { StoreConflictError } from '../store.js';
import type { RepositoryContext } from './context.js';
import { insertOnce, type UniqueKey } from './insert-once.js';
import { insertRows } from './prepared.js';

/** The tables whose inserts may be held, in the order they are written: each refers only to earlier ones. */
export const HELD_TABLES = ['actions', 'reviews', 'approvals', 'approval_events', 'assignments'] as const;
export type HeldTable = (typeof HELD_TABLES)[number];

/** The held tables a table's rows refer to (foreign keys), which must be written before it. */
const REFERS_TO: Record<HeldTable, HeldTable[]> = {
  actions: [],
  reviews: ['actions'],
  approvals: ['actions'],
  approval_events: ['approvals', 'actions'],
  assignments: ['approvals', 'actions'],
};

/** Bound values per multi-row INSERT, well under SQLite's and PostgreSQL's limits. */
const MAX_VALUES = 2000;

interface Held<Table extends HeldTable> {
  row: Insertable<Database[Table]>;
  keys: Array<UniqueKey<Table>>;
}

export class HeldInserts {
  #held = new Map<HeldTable, Held<HeldTable>[]>();

  constructor(private readonly db: RepositoryContext['db']) {}

  hold<Table extends HeldTable>(table: Table, row: Insertable<Database[Table]>, keys: Array<UniqueKey<Table>>): void {
    let rows = this.#held.get(table);
    if (rows === undefined) this.#held.set(table, (rows = []));
    rows.push({ row, keys } as unknown as Held<HeldTable>);
  }

  get empty(): boolean {
    return this.#held.size === 0;
  }

  /**
   * Writes what is held: everything, or only `tables` and the tables they refer to (a statement
   * that touches just those need not wait for the rest, e.g. a request's events held until commit).
   */
  async flush(tables?: readonly HeldTable[]): Promise<void> {
    if (this.#held.size === 0) return;
    const wanted = tables === undefined ? undefined : new Set(tables.flatMap((table) => [table, ...REFERS_TO[table]]));
    // Taken out first: rows held while these are written wait for the next flush, after them.
    const taken = new Map<HeldTable, Held<HeldTable>[]>();
    for (const table of HELD_TABLES) {
      const rows = this.#held.get(table);
      if (rows === undefined || (wanted !== undefined && !wanted.has(table))) continue;
      this.#held.delete(table);
      taken.set(table, rows);
    }
    for (const [table, rows] of taken) await this.write(table, rows);
  }

  private async write(table: HeldTable, rows: Held<HeldTable>[]): Promise<void> {
    if (rows.length === 1) return insertOnce(this.db, table, rows[0]!.row, rows[0]!.keys);
    // Rows are written in runs that share their columns (insertRows takes them from the first row).
    let start = 0;
    while (start < rows.length) {
      const columns = columnsOf(rows[start]!.row);
      const limit = Math.max(1, Math.floor(MAX_VALUES / columns.split(',').length));
      let end = start + 1;
      while (end < rows.length && end - start < limit && columnsOf(rows[end]!.row) === columns) end++;
      const run = rows.slice(start, end).map((held) => held.row);
      if ((await insertRows(this.db, table, run, true)) !== BigInt(run.length)) {
        throw new StoreConflictError(`a row of \`${table}\` written with others repeats a unique key`);
      }
      start = end;
    }
  }
}

const columnsOf = (row: object): string =>
  Object.keys(row)
    .filter((column) => (row as Record<string, unknown>)[column] !== undefined)
    .join(',');
