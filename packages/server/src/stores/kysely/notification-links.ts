// One-click approve and deny links: stored so each is used once, whatever its signature says.

import type { Selectable } from 'kysely';
import type { NotificationLinksTable } from '../../db/schema.js';
import type { NotificationLink, NotificationLinkRepository } from '../notify-store.js';
import type { RepositoryContext } from './context.js';

function toLink(row: Selectable<NotificationLinksTable>): NotificationLink {
  return {
    ...row,
    verdict: row.verdict as NotificationLink['verdict'],
    expires_at: Number(row.expires_at),
    used_at: row.used_at === null ? null : Number(row.used_at),
    created_at: Number(row.created_at),
  };
}

export function notificationLinkRepository({ db }: RepositoryContext): NotificationLinkRepository {
  return {
    async insert(links) {
      if (links.length === 0) return;
      await db.insertInto('notification_links').values(links).execute();
    },

    async get(tenantId, id) {
      let query = db.selectFrom('notification_links').selectAll().where('id', '=', id);
      if (tenantId !== null) query = query.where('tenant_id', '=', tenantId);
      const row = await query.executeTakeFirst();
      return row && toLink(row);
    },

    async use(id, now) {
      const result = await db
        .updateTable('notification_links')
        .set({ used_at: now })
        .where('id', '=', id)
        .where('used_at', 'is', null)
        .where('expires_at', '>', now)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async release(id, usedAt) {
      await db.updateTable('notification_links').set({ used_at: null }).where('id', '=', id).where('used_at', '=', usedAt).execute();
    },
  };
}
