// The first schema: every table, key and index, in column types both SQLite and PostgreSQL accept.
// Migrations are frozen once released, so this file does not use the current table types.

import { sql, type Kysely } from 'kysely';

// Millisecond timestamps overflow a 32-bit integer, so they are bigint (read back as numbers).
const MS = 'bigint';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('tenants')
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', MS, (c) => c.notNull())
    .addPrimaryKeyConstraint('tenants_pkey', ['id'])
    .execute();

  await db.schema
    .createTable('users')
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('groups', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('out_of_office', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', MS, (c) => c.notNull())
    .addColumn('disabled_at', MS)
    .addPrimaryKeyConstraint('users_pkey', ['id'])
    .addUniqueConstraint('users_tenant_id_name_key', ['tenant_id', 'name'])
    .execute();

  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
    .addColumn('agent', 'text', (c) => c.notNull())
    .addColumn('key_hash', 'text', (c) => c.notNull())
    .addColumn('prefix', 'text', (c) => c.notNull())
    .addColumn('created_at', MS, (c) => c.notNull())
    .addColumn('revoked_at', MS)
    .addColumn('last_used_at', MS)
    .addPrimaryKeyConstraint('api_keys_pkey', ['id'])
    .addUniqueConstraint('api_keys_key_hash_key', ['key_hash'])
    .execute();
  await db.schema.createIndex('api_keys_tenant_created').on('api_keys').columns(['tenant_id', 'created_at']).execute();

  await db.schema
    .createTable('sessions')
    .addColumn('token_hash', 'text', (c) => c.notNull())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('created_at', MS, (c) => c.notNull())
    .addColumn('expires_at', MS, (c) => c.notNull())
    .addPrimaryKeyConstraint('sessions_pkey', ['token_hash'])
    .execute();
  await db.schema.createIndex('sessions_expires_at').on('sessions').column('expires_at').execute();

  await db.schema
    .createTable('actions')
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
    .addColumn('agent', 'text', (c) => c.notNull())
    .addColumn('action_type', 'text')
    .addColumn('environment', 'text')
    .addColumn('capability', 'text')
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('digest', 'text', (c) => c.notNull())
    .addColumn('idempotency_key', 'text')
    .addColumn('decision', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('evaluation', 'text', (c) => c.notNull())
    .addColumn('risk', 'text')
    .addColumn('autonomy_level', 'integer')
    .addColumn('policy_version', 'text', (c) => c.notNull())
    .addColumn('revision_of', 'text', (c) => c.references('actions.id'))
    .addColumn('created_at', MS, (c) => c.notNull())
    .addColumn('decided_at', MS)
    .addColumn('outcome', 'text')
    .addPrimaryKeyConstraint('actions_pkey', ['id'])
    .execute();
  // Partial, so the many actions without a key cost nothing in it.
  await db.schema
    .createIndex('actions_idempotency_key')
    .on('actions')
    .columns(['tenant_id', 'agent', 'idempotency_key'])
    .unique()
    .where(sql.ref('idempotency_key'), 'is not', null)
    .execute();
  // Listing and counting a time window, with or without a status or agent, read one index range;
  // `id` breaks ties in created_at so pages are stable.
  await db.schema.createIndex('actions_tenant_status_created').on('actions').columns(['tenant_id', 'status', 'created_at', 'id']).execute();
  await db.schema.createIndex('actions_tenant_created').on('actions').columns(['tenant_id', 'created_at', 'id']).execute();
  await db.schema.createIndex('actions_tenant_agent_created').on('actions').columns(['tenant_id', 'agent', 'created_at', 'id']).execute();

  await db.schema
    .createTable('approvals')
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
    .addColumn('action_id', 'text', (c) => c.notNull().references('actions.id'))
    .addColumn('digest', 'text', (c) => c.notNull())
    .addColumn('policy_version', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('approvers', 'text', (c) => c.notNull())
    .addColumn('require', 'integer', (c) => c.notNull())
    .addColumn('criteria', 'text', (c) => c.notNull())
    .addColumn('modifiable', 'text')
    .addColumn('workflow', 'text')
    .addColumn('requested_by', 'text', (c) => c.notNull())
    .addColumn('created_at', MS, (c) => c.notNull())
    .addColumn('deadline', MS)
    .addColumn('decided_at', MS)
    .addColumn('resolution', 'text')
    .addColumn('version', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('approvals_pkey', ['id'])
    .addUniqueConstraint('approvals_action_id_key', ['action_id'])
    .execute();
  // Timers: the due pending approvals across all tenants.
  await db.schema.createIndex('approvals_status_deadline').on('approvals').columns(['status', 'deadline']).execute();
  await db.schema
    .createIndex('approvals_tenant_status_created')
    .on('approvals')
    .columns(['tenant_id', 'status', 'created_at', 'id'])
    .execute();
  await db.schema.createIndex('approvals_tenant_created').on('approvals').columns(['tenant_id', 'created_at', 'id']).execute();

  await db.schema
    .createTable('votes')
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
    .addColumn('approval_id', 'text', (c) => c.notNull().references('approvals.id'))
    .addColumn('step_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('verdict', 'text', (c) => c.notNull())
    .addColumn('note', 'text')
    .addColumn('modifications', 'text')
    .addColumn('created_at', MS, (c) => c.notNull())
    .addPrimaryKeyConstraint('votes_pkey', ['id'])
    .addUniqueConstraint('votes_approval_id_step_id_user_id_key', ['approval_id', 'step_id', 'user_id'])
    .execute();

  await db.schema
    .createTable('grants')
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
    .addColumn('action_id', 'text', (c) => c.notNull().references('actions.id'))
    .addColumn('approval_id', 'text', (c) => c.notNull().references('approvals.id'))
    .addColumn('digest', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', MS, (c) => c.notNull())
    .addColumn('expires_at', MS, (c) => c.notNull())
    .addColumn('used_at', MS)
    .addPrimaryKeyConstraint('grants_pkey', ['id'])
    .addUniqueConstraint('grants_token_hash_key', ['token_hash'])
    .execute();
  await db.schema.createIndex('grants_tenant_action').on('grants').columns(['tenant_id', 'action_id']).execute();

  await db.schema
    .createTable('audit_events')
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('subject', 'text')
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('created_at', MS, (c) => c.notNull())
    .addColumn('prev_hash', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('audit_events_pkey', ['tenant_id', 'seq'])
    .addUniqueConstraint('audit_events_id_key', ['id'])
    .execute();
  // The history of one action, approval or user, in chain order.
  await db.schema.createIndex('audit_events_tenant_subject').on('audit_events').columns(['tenant_id', 'subject', 'seq']).execute();

  await db.schema
    .createTable('audit_heads')
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('audit_heads_pkey', ['tenant_id'])
    .execute();

  // Server-wide settings every node must share, such as the secret that signs grants.
  await db.schema
    .createTable('settings')
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('settings_pkey', ['key'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'settings',
    'audit_heads',
    'audit_events',
    'grants',
    'votes',
    'approvals',
    'actions',
    'sessions',
    'api_keys',
    'users',
    'tenants',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
