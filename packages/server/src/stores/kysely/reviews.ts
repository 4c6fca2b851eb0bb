// The post-execution review queue.

import type { Insertable, Selectable } from 'kysely';
import type { ReviewsTable } from '../../db/schema.js';
import type { ReviewRecord, ReviewStatus } from '../records.js';
import type { ReviewRepository } from '../store.js';
import { fromNullableJson, pageLimit, toNullableJson, type RepositoryContext } from './context.js';
import { insertOnce, type UniqueKey } from './insert-once.js';

function toReview(row: Selectable<ReviewsTable>): ReviewRecord {
  return { ...row, status: row.status as ReviewStatus, reversal: fromNullableJson<Record<string, unknown>>(row.reversal) };
}

export const REVIEW_KEYS: Array<UniqueKey<'reviews'>> = [{ constraint: 'reviews_pkey', columns: ['action_id'] }];

export function reviewRow(review: ReviewRecord): Insertable<ReviewsTable> {
  return { ...review, reversal: toNullableJson(review.reversal) };
}

export function reviewRepository({ db }: RepositoryContext): ReviewRepository {
  return {
    async insert(review) {
      await insertOnce(db, 'reviews', reviewRow(review), REVIEW_KEYS);
    },

    async get(tenantId, actionId) {
      const row = await db
        .selectFrom('reviews')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('action_id', '=', actionId)
        .executeTakeFirst();
      return row && toReview(row);
    },

    async list(tenantId, filter = {}) {
      if (filter.status !== undefined && filter.status.length === 0) return [];
      let query = db.selectFrom('reviews').selectAll().where('tenant_id', '=', tenantId);
      if (filter.status !== undefined) query = query.where('status', 'in', filter.status);
      const rows = await query.orderBy('created_at').orderBy('action_id').limit(pageLimit(filter.limit)).execute();
      return rows.map(toReview);
    },

    async update(tenantId, actionId, version, patch) {
      const { reversal, ...rest } = patch;
      const result = await db
        .updateTable('reviews')
        .set({ ...rest, ...(reversal === undefined ? {} : { reversal: toNullableJson(reversal) }), version: version + 1 })
        .where('tenant_id', '=', tenantId)
        .where('action_id', '=', actionId)
        .where('version', '=', version)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },
  };
}
