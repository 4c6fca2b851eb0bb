// Queries on the decision path built once and reused: the query builder spends more time making
// and compiling a query than SQLite spends running it. A query is built once per database with
// a placeholder for each parameter, compiled, and from then on executed with new values in the
// places the placeholders took.

import { CompiledQuery, type Compilable, type Insertable, type Kysely, type QueryResult, type Updateable } from 'kysely';
import type { Database } from '../../db/schema.js';

type Db = Kysely<Database>;

interface Template {
  sql: string;
  /** For each bound parameter of the compiled query, the index of the value it takes. */
  order: number[];
}

const PLACEHOLDER = /^<tollgate-parameter (\d+)>$/;
const placeholder = (index: number): string => `<tollgate-parameter ${index}>`;

/** The SQL for `query`, with every bound parameter traced back to the placeholder it came from. */
function templateOf(query: Compilable<unknown>): Template {
  const compiled = query.compile();
  const order = compiled.parameters.map((value) => {
    const match = typeof value === 'string' ? PLACEHOLDER.exec(value) : null;
    if (match === null) throw new Error(`a prepared query binds a value that is not a parameter: ${compiled.sql}`);
    return Number(match[1]);
  });
  return { sql: compiled.sql, order };
}

/** Templates per database (the SQL differs by dialect), found by the executor's adapter. */
const templates = new WeakMap<object, Map<string, Template>>();

function cached(db: Db, key: string, build: () => Compilable<unknown>): Template {
  const adapter = db.getExecutor().adapter;
  let byKey = templates.get(adapter);
  if (byKey === undefined) templates.set(adapter, (byKey = new Map()));
  let template = byKey.get(key);
  if (template === undefined) byKey.set(key, (template = templateOf(build())));
  return template;
}

function run<Row>(db: Db, template: Template, values: readonly unknown[]): Promise<QueryResult<Row>> {
  return db.executeQuery(
    CompiledQuery.raw(
      template.sql,
      template.order.map((index) => values[index]),
    ),
  ) as Promise<QueryResult<Row>>;
}

/**
 * A query of fixed shape: `build` receives `p(i)` to put the i-th value where it belongs. The
 * result runs it on a database or transaction with the values in order.
 */
export function prepared<Row>(
  name: string,
  build: (db: Db, p: (index: number) => never) => Compilable<Row>,
): (db: Db, ...values: unknown[]) => Promise<QueryResult<Row>> {
  return (db, ...values) =>
    run<Row>(
      db,
      cached(db, name, () => build(db, placeholder as (index: number) => never)),
      values,
    );
}

/**
 * Inserts rows that share their columns, their SQL made once per table, set of columns and
 * number of rows; with `ignoreConflicts` a row that breaks a unique constraint is skipped (ON
 * CONFLICT DO NOTHING). Answers the rows inserted.
 */
export async function insertRows<Table extends keyof Database>(
  db: Db,
  table: Table,
  rows: ReadonlyArray<Insertable<Database[Table]>>,
  ignoreConflicts = false,
): Promise<bigint> {
  const first = rows[0];
  if (first === undefined) return 0n;
  const columns = Object.keys(first).filter((column) => (first as Record<string, unknown>)[column] !== undefined);
  const key = `insert:${table}:${ignoreConflicts ? 'ignore' : 'fail'}:${rows.length}:${columns.join(',')}`;
  const template = cached(db, key, () => {
    const values = rows.map((_, row) =>
      Object.fromEntries(columns.map((column, index) => [column, placeholder(row * columns.length + index)])),
    );
    const insert = db.insertInto(table).values(values as never);
    return ignoreConflicts ? insert.onConflict((oc) => oc.doNothing()) : insert;
  });
  const values = rows.flatMap((row) => columns.map((column) => (row as Record<string, unknown>)[column]));
  const result = await run(db, template, values);
  return result.numAffectedRows ?? 0n;
}

/**
 * UPDATE `table` SET the columns of `set` WHERE each column of `where` equals its value, its SQL
 * made once per table and sets of columns. Answers the rows updated.
 */
export async function updateRow<Table extends keyof Database>(
  db: Db,
  table: Table,
  set: Updateable<Database[Table]>,
  where: Partial<Record<keyof Database[Table] & string, unknown>>,
): Promise<bigint> {
  const assigned = Object.entries(set).filter(([, value]) => value !== undefined);
  const conditions = Object.entries(where);
  const key = `update:${table}:${assigned.map(([column]) => column).join(',')}:${conditions.map(([column]) => column).join(',')}`;
  const template = cached(db, key, () => {
    // Built over an untyped view: the column names come from a typed row and a typed filter.
    const untyped = db as unknown as Kysely<Record<string, Record<string, unknown>>>;
    const values = Object.fromEntries(assigned.map(([column], index) => [column, placeholder(index)]));
    let update = untyped.updateTable(table as string).set(values);
    conditions.forEach(([column], index) => {
      update = update.where(column, '=', placeholder(assigned.length + index));
    });
    return update;
  });
  const result = await run(db, template, [...assigned.map(([, value]) => value), ...conditions.map(([, value]) => value)]);
  return result.numAffectedRows ?? 0n;
}
