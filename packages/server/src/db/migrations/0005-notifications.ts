// Notifications: the outbox of messages to deliver (written with the state change that causes
// them), the signed one-click links they carry, and the chat and e-mail identities of people.

import type { Kysely } from 'kysely';

const MS = 'bigint';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('notification_outbox')
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
    .addColumn('approval_id', 'text')
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('channel_type', 'text', (c) => c.notNull())
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('recipient', 'text')
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('next_attempt_at', MS, (c) => c.notNull())
    .addColumn('lease_until', MS)
    .addColumn('last_error', 'text')
    .addColumn('result', 'text')
    .addColumn('created_at', MS, (c) => c.notNull())
    .addColumn('updated_at', MS, (c) => c.notNull())
    .addColumn('delivered_at', MS)
    .addPrimaryKeyConstraint('notification_outbox_pkey', ['id'])
    .execute();
  // The sender's claim reads only due rows; the API lists a tenant's rows by status.
  await db.schema.createIndex('notification_outbox_status_next').on('notification_outbox').columns(['status', 'next_attempt_at']).execute();
  await db.schema
    .createIndex('notification_outbox_tenant_status_created')
    .on('notification_outbox')
    .columns(['tenant_id', 'status', 'created_at'])
    .execute();
  await db.schema
    .createIndex('notification_outbox_tenant_approval')
    .on('notification_outbox')
    .columns(['tenant_id', 'approval_id', 'channel'])
    .execute();

  await db.schema
    .createTable('notification_links')
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
    .addColumn('approval_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text')
    .addColumn('verdict', 'text', (c) => c.notNull())
    .addColumn('digest', 'text', (c) => c.notNull())
    .addColumn('expires_at', MS, (c) => c.notNull())
    .addColumn('used_at', MS)
    .addColumn('created_at', MS, (c) => c.notNull())
    .addPrimaryKeyConstraint('notification_links_pkey', ['id'])
    .execute();

  await db.schema
    .createTable('user_identities')
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('created_at', MS, (c) => c.notNull())
    .addPrimaryKeyConstraint('user_identities_pkey', ['tenant_id', 'kind', 'value'])
    .execute();
  await db.schema.createIndex('user_identities_user').on('user_identities').columns(['tenant_id', 'user_id', 'kind']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('user_identities').execute();
  await db.schema.dropTable('notification_links').execute();
  await db.schema.dropTable('notification_outbox').execute();
}
