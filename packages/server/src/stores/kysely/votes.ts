// Votes people cast on the steps of approval requests.

import type { Selectable } from 'kysely';
import type { VotesTable } from '../../db/schema.js';
import type { Verdict, VoteRecord } from '../records.js';
import type { VoteRepository } from '../store.js';
import { fromNullableJson, toNullableJson, type RepositoryContext } from './context.js';
import { insertOnce } from './insert-once.js';
import { prepared } from './prepared.js';

const selectByApproval = prepared('votes by approval', (db, p) =>
  db.selectFrom('votes').selectAll().where('tenant_id', '=', p(0)).where('approval_id', '=', p(1)).orderBy('created_at').orderBy('id'),
);

function toVote(row: Selectable<VotesTable>): VoteRecord {
  return {
    id: row.id,
    tenant_id: row.tenant_id,
    approval_id: row.approval_id,
    step_id: row.step_id,
    user_id: row.user_id,
    verdict: row.verdict as Verdict,
    note: row.note,
    modifications: fromNullableJson<Record<string, unknown>>(row.modifications),
    created_at: row.created_at,
  };
}

export function voteRepository({ db }: RepositoryContext): VoteRepository {
  return {
    async insert(vote) {
      await insertOnce(
        db,
        'votes',
        {
          id: vote.id,
          tenant_id: vote.tenant_id,
          approval_id: vote.approval_id,
          step_id: vote.step_id,
          user_id: vote.user_id,
          verdict: vote.verdict,
          note: vote.note,
          modifications: toNullableJson(vote.modifications),
          created_at: vote.created_at,
        },
        [
          { constraint: 'votes_approval_id_step_id_user_id_key', columns: ['approval_id', 'step_id', 'user_id'] },
          { constraint: 'votes_pkey', columns: ['id'] },
        ],
      );
    },

    /** In the order they were cast. */
    async listByApproval(tenantId, approvalId) {
      const { rows } = await selectByApproval(db, tenantId, approvalId);
      return rows.map(toVote);
    },
  };
}
