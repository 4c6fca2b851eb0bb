// Agents' questions to people and their answers.

import { sql, type Insertable, type Kysely, type Selectable } from 'kysely';
import type { Database, QuestionsTable } from '../../db/schema.js';
import type { QuestionAnswer, QuestionRecord, QuestionStatus, QuestionUrgency } from '../records.js';
import type { QuestionRepository } from '../store.js';
import { fromJson, fromNullableJson, pageLimit, toJson, toNullableJson, type RepositoryContext } from './context.js';
import { insertOnce, type UniqueKey } from './insert-once.js';

const QUESTION_KEYS: Array<UniqueKey<'questions'>> = [{ constraint: 'questions_pkey', columns: ['tenant_id', 'id'] }];

function toQuestion(row: Selectable<QuestionsTable>): QuestionRecord {
  return {
    ...row,
    choices: fromNullableJson<string[]>(row.choices),
    multiple: Boolean(row.multiple),
    free_text: Boolean(row.free_text),
    context: fromJson<Record<string, unknown>>(row.context),
    urgency: row.urgency as QuestionUrgency,
    status: row.status as QuestionStatus,
    approvers: fromJson<string[]>(row.approvers),
    escalated: Boolean(row.escalated),
    deadline: row.deadline === null ? null : Number(row.deadline),
    created_at: Number(row.created_at),
    answered_at: row.answered_at === null ? null : Number(row.answered_at),
    answer: fromNullableJson<QuestionAnswer>(row.answer),
  };
}

function questionRow(question: QuestionRecord): Insertable<QuestionsTable> {
  return {
    ...question,
    choices: toNullableJson(question.choices),
    multiple: question.multiple ? 1 : 0,
    free_text: question.free_text ? 1 : 0,
    context: toJson(question.context),
    approvers: toJson(question.approvers),
    escalated: question.escalated ? 1 : 0,
    answer: toNullableJson(question.answer),
  };
}

/**
 * Pending questions past their deadline, by the partial index of pending deadlines: the timer
 * sweep runs it on every node several times a second. The status is a literal, not a parameter,
 * so that SQLite can tell the partial index applies.
 */
export const dueQuery = (db: Kysely<Database>, now: number, limit: number) =>
  db
    .selectFrom('questions')
    .selectAll()
    .where('status', '=', sql.lit('pending'))
    .where('deadline', '<=', now)
    .orderBy('deadline')
    .limit(limit);

export function questionRepository({ db }: RepositoryContext): QuestionRepository {
  return {
    async insert(question) {
      await insertOnce(db, 'questions', questionRow(question), QUESTION_KEYS);
    },

    async get(tenantId, id) {
      const row = await db.selectFrom('questions').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
      return row && toQuestion(row);
    },

    async list(tenantId, filter = {}) {
      if (filter.status !== undefined && filter.status.length === 0) return [];
      let query = db.selectFrom('questions').selectAll().where('tenant_id', '=', tenantId);
      if (filter.status !== undefined) query = query.where('status', 'in', filter.status);
      if (filter.after !== undefined) query = query.where('id', '<', String(filter.after));
      const rows = await query.orderBy('id', 'desc').limit(pageLimit(filter.limit)).execute();
      return rows.map(toQuestion);
    },

    async update(tenantId, id, version, patch) {
      const { approvers, escalated, answer, ...rest } = patch;
      const result = await db
        .updateTable('questions')
        .set({
          ...rest,
          ...(approvers === undefined ? {} : { approvers: toJson(approvers) }),
          ...(escalated === undefined ? {} : { escalated: escalated ? 1 : 0 }),
          ...(answer === undefined ? {} : { answer: toNullableJson(answer) }),
          version: version + 1,
        })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .where('status', '=', 'pending')
        .where('version', '=', version)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async due(now, limit) {
      return (await dueQuery(db, now, limit).execute()).map(toQuestion);
    },
  };
}
