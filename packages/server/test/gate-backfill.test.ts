// Migration 0004 fills the new `actions.gate` column for rows written before it, in one SQL
// statement per dialect, and must agree with core's `gateOf` on every shape of decision.

import { gateOf, type PolicyDecision } from '@tollgate/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import { connectPostgres } from '../src/db/connect-postgres.js';
import { connectSqlite } from '../src/db/connect-sqlite.js';
import { backfillGates } from '../src/db/migrations/0004-oversight.js';
import type { Database } from '../src/db/schema.js';
import { openStore } from '../src/stores/open-store.js';
import type { Store } from '../src/stores/store.js';
import { createTestDatabase, DATABASES, type TestDatabase } from './helpers/databases.js';
import { actionRecord } from './helpers/history.js';

const reason = (name: string, decision: PolicyDecision['decision']) => ({ kind: 'rule' as const, name, decision, reason: '', facts: [] });

const SHAPES: Pick<PolicyDecision, 'decision' | 'reasons' | 'route'>[] = [
  {
    decision: 'REQUIRE_APPROVAL',
    reasons: [reason('small', 'ALLOW'), reason('big', 'REQUIRE_APPROVAL'), reason('bigger', 'REQUIRE_APPROVAL')],
  },
  {
    decision: 'REQUIRE_APPROVAL',
    reasons: [reason('small', 'ALLOW'), { ...reason('escalation.min_confidence', 'REQUIRE_APPROVAL'), kind: 'escalation' }],
    route: { source: 'defaults' },
  },
  { decision: 'DENY', reasons: [reason('small', 'ALLOW')], route: { source: 'approval_policies.production' } },
  { decision: 'ALLOW', reasons: [] },
];

describe.each(DATABASES)('the gate back-fill on %s', (kind) => {
  let database: TestDatabase;
  let store: Store;
  let db: Kysely<Database>;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    store = await openStore(database.url);
    await store.migrate();
    await store.tenants.ensure({ id: 'default', name: 'default', created_at: 0 });
    if (kind === 'sqlite') db = connectSqlite(database.url);
    else {
      const url = new URL(database.url);
      const schema = url.searchParams.get('schema')!;
      url.searchParams.delete('schema');
      db = connectPostgres(url.toString(), { schema });
    }
  });

  afterAll(async () => {
    await db?.destroy();
    await store?.close();
    await database?.drop();
  });

  it('gives old rows the gate core would give them', async () => {
    const ids: string[] = [];
    for (const [i, shape] of SHAPES.entries()) {
      const action = actionRecord({ gate: 'x', decision: shape.decision, at: 1_000 + i });
      action.evaluation = { ...action.evaluation, ...shape };
      await store.actions.insert(action);
      ids.push(action.id);
    }
    await db.updateTable('actions').set({ gate: null }).execute();
    await backfillGates(db as unknown as Kysely<unknown>);
    const rows = await db.selectFrom('actions').select(['id', 'gate']).execute();
    const gates = ids.map((id) => rows.find((row) => row.id === id)?.gate);
    expect(gates).toEqual(SHAPES.map((shape) => gateOf(shape)));
    expect(gates).toEqual(['big', 'escalation.min_confidence', 'approval_policies.production', 'default']);
  });
});
