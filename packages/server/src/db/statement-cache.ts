// Prepared statements kept by their SQL: the query builder asks SQLite to prepare every query
// anew, and preparing costs more than running a small query. better-sqlite3 statements are
// reusable, and every use here runs to completion before the next starts (the driver is
// synchronous), so one statement per SQL text is safe.

import type BetterSqlite3 from 'better-sqlite3';

const LIMIT = 1000;

/** The database as the dialect sees it, with `prepare` answered from a bounded cache. */
export function withStatementCache(database: BetterSqlite3.Database): BetterSqlite3.Database {
  const cache = new Map<string, BetterSqlite3.Statement>();
  const prepare = (source: string): BetterSqlite3.Statement => {
    let statement = cache.get(source);
    if (statement === undefined) {
      statement = database.prepare(source);
      // Queries built with literal values would fill the cache; the oldest entry makes room.
      if (cache.size >= LIMIT) cache.delete(cache.keys().next().value!);
      cache.set(source, statement);
    }
    return statement;
  };
  return new Proxy(database, {
    get(target, property, receiver) {
      if (property === 'prepare') return prepare;
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
