// Tickets that requests opened in Jira or ServiceNow: one per request and channel, so a retried
// create finds the ticket it made, and a callback from the vendor finds the request it is about.

import type { Kysely } from 'kysely';

const MS = 'bigint';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('notification_tickets')
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
    .addColumn('approval_id', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('channel_type', 'text', (c) => c.notNull())
    .addColumn('ticket_key', 'text', (c) => c.notNull())
    .addColumn('ticket_id', 'text', (c) => c.notNull())
    .addColumn('url', 'text')
    .addColumn('digest', 'text', (c) => c.notNull())
    .addColumn('created_at', MS, (c) => c.notNull())
    .addColumn('updated_at', MS, (c) => c.notNull())
    .addPrimaryKeyConstraint('notification_tickets_pkey', ['tenant_id', 'approval_id', 'channel'])
    .execute();
  // A callback names the vendor's id of the ticket (a Jira issue id, a ServiceNow sys_id); one ticket is one request.
  await db.schema
    .createIndex('notification_tickets_vendor')
    .on('notification_tickets')
    .columns(['tenant_id', 'channel', 'ticket_id'])
    .unique()
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('notification_tickets').execute();
}
