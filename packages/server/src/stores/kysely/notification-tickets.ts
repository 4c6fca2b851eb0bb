// The tickets requests opened in Jira or ServiceNow: recorded once per request and channel, found
// again by the request (to comment on it) or by the vendor's id (when the vendor calls back).

import type { Selectable } from 'kysely';
import type { NotificationTicketsTable } from '../../db/schema.js';
import type { NotificationTicket, NotificationTicketRepository } from '../notify-store.js';
import { StoreConflictError } from '../store.js';
import type { RepositoryContext } from './context.js';

function toTicket(row: Selectable<NotificationTicketsTable>): NotificationTicket {
  return {
    tenant_id: row.tenant_id,
    approval_id: row.approval_id,
    channel: row.channel,
    channel_type: row.channel_type,
    key: row.ticket_key,
    vendor_id: row.ticket_id,
    url: row.url,
    digest: row.digest,
    created_at: Number(row.created_at),
    updated_at: Number(row.updated_at),
  };
}

export function notificationTicketRepository({ db }: RepositoryContext): NotificationTicketRepository {
  const get = async (tenantId: string, approvalId: string, channel: string) => {
    const row = await db
      .selectFrom('notification_tickets')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('approval_id', '=', approvalId)
      .where('channel', '=', channel)
      .executeTakeFirst();
    return row && toTicket(row);
  };
  return {
    get,

    async record(ticket) {
      // Two senders that each found or made the ticket agree on the first one recorded.
      await db
        .insertInto('notification_tickets')
        .values({
          tenant_id: ticket.tenant_id,
          approval_id: ticket.approval_id,
          channel: ticket.channel,
          channel_type: ticket.channel_type,
          ticket_key: ticket.key,
          ticket_id: ticket.vendor_id,
          url: ticket.url,
          digest: ticket.digest,
          created_at: ticket.created_at,
          updated_at: ticket.updated_at,
        })
        .onConflict((oc) => oc.doNothing())
        .execute();
      const kept = await get(ticket.tenant_id, ticket.approval_id, ticket.channel);
      if (kept === undefined)
        throw new StoreConflictError(`ticket \`${ticket.key}\` is recorded for another request already`, 'notification_tickets_vendor');
      return kept;
    },

    async listByApproval(tenantId, approvalId) {
      const rows = await db
        .selectFrom('notification_tickets')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('approval_id', '=', approvalId)
        .orderBy('created_at')
        .orderBy('channel')
        .execute();
      return rows.map(toTicket);
    },

    async findByVendorId(tenantId, channel, vendorId) {
      const row = await db
        .selectFrom('notification_tickets')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('channel', '=', channel)
        .where('ticket_id', '=', vendorId)
        .executeTakeFirst();
      return row && toTicket(row);
    },

    async setDigest(tenantId, approvalId, channel, digest, now) {
      await db
        .updateTable('notification_tickets')
        .set({ digest, updated_at: now })
        .where('tenant_id', '=', tenantId)
        .where('approval_id', '=', approvalId)
        .where('channel', '=', channel)
        .execute();
    },
  };
}
