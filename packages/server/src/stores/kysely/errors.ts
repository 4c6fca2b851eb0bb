// Turns the drivers' unique-violation errors into StoreConflictError and recognises the
// PostgreSQL failures a transaction may simply be retried after.

import { StoreConflictError } from '../store.js';

// SQLite names the columns, not the constraint; this maps them back to the migrations' names for
// the writes that let the violation happen (see insert-once.ts for the others).
const SQLITE_CONSTRAINTS: Record<string, string> = {
  'audit_events.tenant_id, audit_events.seq': 'audit_events_pkey',
  'audit_events.id': 'audit_events_id_key',
  'audit_heads.tenant_id': 'audit_heads_pkey',
};

const SQLITE_UNIQUE = new Set(['SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_CONSTRAINT_PRIMARYKEY']);
const PG_UNIQUE_VIOLATION = '23505';
const PG_RETRYABLE = new Set(['40001', '40P01']); // serialization_failure, deadlock_detected

function errorCode(error: unknown): unknown {
  return typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
}

/** The conflict this error stands for, or undefined when it is not a unique violation. */
export function asConflict(error: unknown): StoreConflictError | undefined {
  const code = errorCode(error);
  if (code === PG_UNIQUE_VIOLATION) {
    const constraint = (error as { constraint?: unknown }).constraint;
    const name = typeof constraint === 'string' ? constraint : undefined;
    return withCause(new StoreConflictError(name ? `unique constraint \`${name}\` violated` : 'unique constraint violated', name), error);
  }
  if (typeof code === 'string' && SQLITE_UNIQUE.has(code)) {
    const columns = /constraint failed: (.+)$/.exec((error as Error).message)?.[1];
    const name = columns === undefined ? undefined : SQLITE_CONSTRAINTS[columns];
    return withCause(new StoreConflictError(name ? `unique constraint \`${name}\` violated` : 'unique constraint violated', name), error);
  }
  return undefined;
}

function withCause(conflict: StoreConflictError, cause: unknown): StoreConflictError {
  Object.defineProperty(conflict, 'cause', { value: cause, enumerable: false, configurable: true, writable: true });
  return conflict;
}

/** Runs a write, reporting unique violations as StoreConflictError; every other error propagates as is. */
export async function conflicts<T>(write: Promise<T>): Promise<T> {
  try {
    return await write;
  } catch (error) {
    throw asConflict(error) ?? error;
  }
}

/** PostgreSQL aborted the transaction only because of a concurrent one; running it again may succeed. */
export function isRetryable(error: unknown): boolean {
  const code = errorCode(error);
  return typeof code === 'string' && PG_RETRYABLE.has(code);
}
