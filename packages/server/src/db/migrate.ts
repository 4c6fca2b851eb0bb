// Brings a database to the latest schema with Kysely's Migrator; the same migrations serve both dialects.

import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import * as initial from './migrations/0001-initial.js';
import * as workflows from './migrations/0002-workflows.js';
import * as autonomy from './migrations/0003-autonomy.js';
import * as oversight from './migrations/0004-oversight.js';
import * as notifications from './migrations/0005-notifications.js';
import * as rollups from './migrations/0006-rollups-and-stored-policies.js';
import * as assignmentLoads from './migrations/0007-assignment-loads.js';
import * as perRequestIndexes from './migrations/0008-per-request-indexes.js';
import * as signIns from './migrations/0009-sign-ins.js';
import * as tenantPolicies from './migrations/0010-tenant-policies.js';
import * as keyKinds from './migrations/0011-key-kinds.js';
import * as auditHeadSignatures from './migrations/0012-audit-head-signatures.js';
import * as openActionsByDigest from './migrations/0013-open-actions-by-digest.js';
import * as notificationTickets from './migrations/0014-notification-tickets.js';
import * as standingApprovals from './migrations/0015-standing-approvals.js';
import * as questions from './migrations/0016-questions.js';
import * as askingMetrics from './migrations/0017-asking-metrics.js';
import type { Database, Dialect } from './schema.js';

// Listed in code rather than read from a folder, so the built package needs no file lookups.
const MIGRATIONS: Record<string, Migration> = {
  '0001-initial': initial,
  '0002-workflows': workflows,
  '0003-autonomy': autonomy,
  '0004-oversight': oversight,
  '0005-notifications': notifications,
  '0006-rollups-and-stored-policies': rollups,
  '0007-assignment-loads': assignmentLoads,
  '0008-per-request-indexes': perRequestIndexes,
  '0009-sign-ins': signIns,
  '0010-tenant-policies': tenantPolicies,
  '0011-key-kinds': keyKinds,
  '0012-audit-head-signatures': auditHeadSignatures,
  '0013-open-actions-by-digest': openActionsByDigest,
  '0014-notification-tickets': notificationTickets,
  '0015-standing-approvals': standingApprovals,
  '0016-questions': questions,
  '0017-asking-metrics': askingMetrics,
};

const provider: MigrationProvider = { getMigrations: async () => MIGRATIONS };

export interface MigrateOptions {
  dialect: Dialect;
  /** PostgreSQL: the schema the tables live in; the connection's current schema when absent. */
  schema?: string;
}

/**
 * Safe to run concurrently: on PostgreSQL, Kysely's Migrator creates its bookkeeping tables
 * tolerating a racing creator, then holds an advisory lock around one transaction that re-reads
 * which migrations ran and applies the rest; on SQLite that transaction is BEGIN IMMEDIATE.
 */
export async function migrateToLatest(db: Kysely<Database>, options: MigrateOptions): Promise<void> {
  const migrationTableSchema = options.dialect === 'postgres' ? (options.schema ?? (await currentSchema(db))) : undefined;
  const migrator = new Migrator({
    db,
    provider,
    // Without a schema, Kysely looks for its bookkeeping tables in every schema and would find
    // another schema's (for example another test file's) and skip creating its own.
    ...(migrationTableSchema === undefined ? {} : { migrationTableSchema }),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((result) => result.status === 'Error')?.migrationName;
    throw new Error(failed === undefined ? 'migration failed' : `migration \`${failed}\` failed`, { cause: error });
  }
}

async function currentSchema(db: Kysely<Database>): Promise<string> {
  const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
  const schema = rows[0]?.schema;
  if (schema == null) throw new Error('no schema to migrate: the search_path names no existing schema');
  return schema;
}
