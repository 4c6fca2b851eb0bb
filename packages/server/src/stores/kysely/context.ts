// What every repository is built from: the query executor (the pool, or one transaction) and
// the dialect, plus the small conversions between records and rows they share.

import type { Kysely } from 'kysely';
import type { Database, Dialect } from '../../db/schema.js';

export interface RepositoryContext {
  /** The database, or the transaction the repositories are bound to. */
  db: Kysely<Database>;
  dialect: Dialect;
}

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1000;

/** The page size to use: the default when absent, at most MAX_LIMIT. */
export function pageLimit(limit: number | undefined): number {
  if (limit === undefined || Number.isNaN(limit)) return DEFAULT_LIMIT;
  return Math.min(Math.max(Math.trunc(limit), 0), MAX_LIMIT);
}

export function toJson(value: unknown): string {
  return JSON.stringify(value);
}

export function fromJson<T>(text: string): T {
  return JSON.parse(text) as T;
}

export function fromNullableJson<T>(text: string | null): T | null {
  return text === null ? null : (JSON.parse(text) as T);
}

export function toNullableJson(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}
