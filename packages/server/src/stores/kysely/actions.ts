// Actions agents proposed, with the decision on each and what became of it.

import { gateOf } from '@tollgate/core';
import { sql, type ExpressionBuilder, type Kysely, type Selectable, type Updateable } from 'kysely';
import type { ActionsTable, Database } from '../../db/schema.js';
import type { ActionOutcome, ActionRecord, ActionStatus } from '../records.js';
import type { ActionFilter, ActionPatch, ActionRepository } from '../store.js';
import { fromJson, fromNullableJson, pageLimit, toJson, toNullableJson, type RepositoryContext } from './context.js';
import { insertOnce, type UniqueKey } from './insert-once.js';
import { prepared } from './prepared.js';

const selectById = prepared('actions by id', (db, p) =>
  db.selectFrom('actions').selectAll().where('tenant_id', '=', p(0)).where('id', '=', p(1)),
);

const selectByIdempotencyKey = prepared('actions by idempotency key', (db, p) =>
  db.selectFrom('actions').selectAll().where('tenant_id', '=', p(0)).where('agent', '=', p(1)).where('idempotency_key', '=', p(2)),
);

/**
 * The newest action a retry may take over (values: tenant, agent, digest, now). The status
 * condition is written as the partial index `actions_open_digest` states it, so SQLite reads it.
 */
export const openByDigestQuery = (db: Kysely<Database>, p: (index: number) => never) =>
  db
    .selectFrom('actions as a')
    .leftJoin('grants as g', (join) => join.onRef('g.tenant_id', '=', 'a.tenant_id').onRef('g.action_id', '=', 'a.id'))
    .selectAll('a')
    .where('a.tenant_id', '=', p(0))
    .where('a.agent', '=', p(1))
    .where('a.digest', '=', p(2))
    .where(sql<boolean>`${sql.ref('a.status')} in ('pending', 'approved')`)
    .where((eb) => eb.or([eb('a.status', '=', sql.lit('pending')), eb.and([eb('g.used_at', 'is', null), eb('g.expires_at', '>', p(3))])]))
    .orderBy('a.created_at', 'desc')
    .orderBy('a.id', 'desc')
    .limit(sql.lit(1));

const selectOpenByDigest = prepared('open actions by digest', openByDigestQuery);

export function actionRow(action: ActionRecord): Selectable<ActionsTable> {
  return {
    id: action.id,
    tenant_id: action.tenant_id,
    agent: action.agent,
    action_type: action.action_type,
    environment: action.environment,
    capability: action.capability,
    payload: toJson(action.payload),
    digest: action.digest,
    idempotency_key: action.idempotency_key,
    decision: action.decision,
    status: action.status,
    evaluation: toJson(action.evaluation),
    risk: action.risk,
    autonomy_level: action.autonomy_level,
    policy_version: action.policy_version,
    revision_of: action.revision_of,
    created_at: action.created_at,
    decided_at: action.decided_at,
    outcome: toNullableJson(action.outcome),
    gate: gateOf(action.evaluation),
    standing_approval_id: action.standing_approval_id ?? null,
  };
}

function toAction(row: Selectable<ActionsTable>): ActionRecord {
  return {
    id: row.id,
    tenant_id: row.tenant_id,
    agent: row.agent,
    action_type: row.action_type,
    environment: row.environment,
    capability: row.capability,
    payload: fromJson<Record<string, unknown>>(row.payload),
    digest: row.digest,
    idempotency_key: row.idempotency_key,
    decision: row.decision as ActionRecord['decision'],
    status: row.status as ActionStatus,
    evaluation: fromJson<ActionRecord['evaluation']>(row.evaluation),
    risk: row.risk as ActionRecord['risk'],
    autonomy_level: row.autonomy_level,
    policy_version: row.policy_version,
    revision_of: row.revision_of,
    created_at: row.created_at,
    decided_at: row.decided_at,
    outcome: fromNullableJson<ActionOutcome>(row.outcome),
    ...(row.standing_approval_id === null || row.standing_approval_id === undefined
      ? {}
      : { standing_approval_id: row.standing_approval_id }),
  };
}

/** The filter's conditions; an empty status list matches nothing, like any empty "one of". */
function matching(tenantId: string, filter: Omit<ActionFilter, 'limit' | 'after'>) {
  return (eb: ExpressionBuilder<Database, 'actions'>) =>
    eb.and([
      eb('tenant_id', '=', tenantId),
      ...(filter.status === undefined ? [] : [filter.status.length === 0 ? eb.lit(false) : eb('status', 'in', filter.status)]),
      ...(filter.agent === undefined ? [] : [eb('agent', '=', filter.agent)]),
      ...(filter.since === undefined ? [] : [eb('created_at', '>=', filter.since)]),
      ...(filter.action_type === undefined ? [] : [eb('action_type', '=', filter.action_type)]),
      ...(filter.environment === undefined
        ? []
        : [filter.environment === null ? eb('environment', 'is', null) : eb('environment', '=', filter.environment)]),
      ...(filter.decision === undefined ? [] : [eb('decision', '=', filter.decision)]),
    ]);
}

export const ACTION_KEYS: Array<UniqueKey<'actions'>> = [
  { constraint: 'actions_idempotency_key', columns: ['tenant_id', 'agent', 'idempotency_key'] },
  { constraint: 'actions_pkey', columns: ['id'] },
];

export function actionRepository({ db }: RepositoryContext): ActionRepository {
  // One conditional UPDATE, so of two racing transitions from the same status only one applies.
  async function transitionAll(tenantId: string, ids: readonly string[], from: ActionStatus[], patch: ActionPatch): Promise<number> {
    if (from.length === 0 || ids.length === 0) return 0;
    const set: Updateable<ActionsTable> = {};
    if (patch.status !== undefined) set.status = patch.status;
    if (patch.decided_at !== undefined) set.decided_at = patch.decided_at;
    if (patch.outcome !== undefined) set.outcome = toNullableJson(patch.outcome);
    const query = db
      .updateTable('actions')
      .where('tenant_id', '=', tenantId)
      .where('id', 'in', [...ids])
      .where('status', 'in', from);
    // An empty patch still reports whether the status was one of `from`.
    const result = await (
      Object.keys(set).length === 0 ? query.set((eb) => ({ decided_at: eb.ref('decided_at') })) : query.set(set)
    ).executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  return {
    async insert(action) {
      await insertOnce(db, 'actions', actionRow(action), ACTION_KEYS);
    },

    async get(tenantId, id) {
      const [row] = (await selectById(db, tenantId, id)).rows;
      return row && toAction(row);
    },

    async findByIdempotencyKey(tenantId, agent, key) {
      const [row] = (await selectByIdempotencyKey(db, tenantId, agent, key)).rows;
      return row && toAction(row);
    },

    async findOpenByDigest(tenantId, agent, digest, now) {
      const [row] = (await selectOpenByDigest(db, tenantId, agent, digest, now)).rows;
      return row && toAction(row);
    },

    async transition(tenantId, id, from, patch) {
      return (await transitionAll(tenantId, [id], from, patch)) > 0;
    },

    transitionMany: transitionAll,

    /** Newest first (created_at, then id); `after` is the id of the last action of the previous page. */
    async list(tenantId, filter = {}) {
      let query = db.selectFrom('actions').selectAll().where(matching(tenantId, filter));
      if (filter.after !== undefined) {
        // The cursor's position is looked up first so the page condition compares against
        // constants, which both databases can answer from the (…, created_at, id) indexes.
        const cursor = await db
          .selectFrom('actions')
          .select(['created_at', 'id'])
          .where('tenant_id', '=', tenantId)
          .where('id', '=', String(filter.after))
          .executeTakeFirst();
        if (cursor === undefined) return [];
        query = query.where((eb) => eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(cursor.created_at, cursor.id)));
      }
      const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(pageLimit(filter.limit)).execute();
      return rows.map(toAction);
    },

    async count(tenantId, filter = {}) {
      const row = await db
        .selectFrom('actions')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where(matching(tenantId, filter))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
  };
}
