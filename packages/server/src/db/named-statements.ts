// Statements PostgreSQL parses once per connection instead of once per execution: the hot queries
// the store builds once (stores/kysely/prepared.ts) are registered here by their SQL text, and
// the pool's connections send a registered text as a named prepared statement. Only registered
// texts are named, so the statements a connection keeps stay few (one per hot query shape).

import { createHash } from 'node:crypto';

const names = new Map<string, string>();

/** Marks `sql` to be prepared once per connection. */
export function nameStatement(sql: string): void {
  if (!names.has(sql)) names.set(sql, `tg_${createHash('sha256').update(sql).digest('hex').slice(0, 32)}`);
}

/** The name `sql` is prepared under, if it was registered. */
export function statementName(sql: string): string | undefined {
  return names.get(sql);
}
