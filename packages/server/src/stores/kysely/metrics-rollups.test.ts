// The change log behind metrics rollups, on SQLite and PostgreSQL: which writes make a rolled-up
// day stale (a request decided or a review found a problem on a later day, for the request's, the
// action's and the votes' days) and which do not (same-day changes, other columns), and pruning.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cellsFromRows } from '@tollgate/core';
import { actionRecord, approvalRecord } from '../../../test/helpers/history.js';
import { createTestDatabase, DATABASES, type TestDatabase } from '../../../test/helpers/databases.js';
import { openStore } from '../open-store.js';
import type { ReviewRecord } from '../records.js';
import type { Store } from '../store.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const D0 = Date.UTC(2026, 4, 4);
const day = (n: number): number => D0 + n * DAY;
const FORMAT = 1;
const fold = (rows: Parameters<Parameters<Store['metrics']['rollUp']>[3]>[0]) => ({ cells: cellsFromRows(rows), series: [] });

describe.each(DATABASES)('metrics rollups and their change log on %s', (kind) => {
  let database: TestDatabase;
  let store: Store;

  const current = async (): Promise<number[]> =>
    (await store.metrics.currentDays('default', { from: day(0), to: day(10) }, FORMAT)).map((d) => (d - D0) / DAY).sort((a, b) => a - b);
  const buildAll = async (): Promise<void> => {
    for (let n = 0; n < 6; n++) expect(await store.metrics.rollUp('default', day(n), FORMAT, fold, day(9))).not.toBe('busy');
  };

  /** A request made at `at`, still waiting. */
  async function request(at: number) {
    const action = actionRecord({ gate: 'g', decision: 'REQUIRE_APPROVAL', at });
    const approval = approvalRecord(action, 'pending', null);
    await store.actions.insert(action);
    await store.approvals.insert(approval);
    return { action, approval };
  }

  const decide = (approval: { id: string; version: number }, at: number) =>
    store.approvals.update('default', approval.id, approval.version, { status: 'approved', decided_at: at });

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    store = await openStore(database.url);
    await store.migrate();
    await store.tenants.ensure({ id: 'default', name: 'default', created_at: 0 });
  });

  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  it('keeps a rollup current through same-day decisions and other columns, and makes it stale when a request is decided days later', async () => {
    const sameDay = await request(day(0) + 9 * HOUR);
    expect(await decide(sameDay.approval, day(0) + 10 * HOUR)).toBe(true);
    const late = await request(day(1) + 23 * HOUR);
    const waiting = await request(day(2) + 8 * HOUR);
    await buildAll();
    expect(await current()).toEqual([0, 1, 2, 3, 4, 5]);

    // Only the deadline moves: no status change.
    expect(await store.approvals.update('default', waiting.approval.id, 0, { deadline: day(9) })).toBe(true);
    expect(await current()).toEqual([0, 1, 2, 3, 4, 5]);
    // Decided just after midnight: the day it was made is closed, and changed.
    expect(await decide(late.approval, day(2) + 5 * 60_000)).toBe(true);
    expect(await current()).toEqual([0, 2, 3, 4, 5]);
    expect(await store.approvals.update('default', waiting.approval.id, 1, { status: 'timed_out', decided_at: day(5) })).toBe(true);
    expect(await current()).toEqual([0, 3, 4, 5]);

    // Rebuilt, they are current again, and their cells hold the decisions.
    expect(await store.metrics.rollUp('default', day(1), FORMAT, fold, day(9))).toBe('built');
    expect(await store.metrics.rollUp('default', day(2), FORMAT, fold, day(9))).toBe('built');
    expect(await current()).toEqual([0, 1, 2, 3, 4, 5]);
    const [one] = await store.metrics.days('default', { from: day(1), to: day(2) }, FORMAT);
    expect(one!.cells.gate_requests).toMatchObject([{ gate: 'g', status: 'approved', count: 1 }]);
    // A rollup of another layout is not current.
    expect(await store.metrics.currentDays('default', { from: day(0), to: day(10) }, FORMAT + 1)).toEqual([]);
  });

  it("makes stale the action's day and the days of the votes on it when a review finds a problem later", async () => {
    const { action, approval } = await request(day(3) + 22 * HOUR);
    await store.votes.insert({
      id: `vot_${approval.id}`,
      tenant_id: 'default',
      approval_id: approval.id,
      step_id: 'approval',
      user_id: 'alice',
      verdict: 'approve',
      note: null,
      modifications: null,
      created_at: day(4) + HOUR,
    });
    expect(await decide(approval, day(4) + HOUR)).toBe(true);
    const review: ReviewRecord = {
      action_id: action.id,
      tenant_id: 'default',
      status: 'pending',
      reason: 'on request',
      created_at: action.created_at,
      due_at: null,
      reviewer: null,
      note: null,
      decided_at: null,
      reversal: null,
      version: 0,
    };
    await store.reviews.insert(review);
    await buildAll();
    expect(await current()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(await store.reviews.update('default', action.id, 0, { status: 'flagged', reviewer: 'user:bob', decided_at: day(6) })).toBe(true);
    expect(await current()).toEqual([0, 1, 2, 5]);
    await buildAll();
    const [four] = await store.metrics.days('default', { from: day(4), to: day(5) }, FORMAT);
    expect(four!.cells.approver_votes).toMatchObject([{ approver: 'alice', verdict: 'approve', misses: 1 }]);
    const [three] = await store.metrics.days('default', { from: day(3), to: day(4) }, FORMAT);
    expect(three!.cells.issues).toEqual([{ gate: 'g', agent: 'bot', kind: 'flag', count: 1 }]);
  });

  it('drops rollups and the change log of days before the horizon', async () => {
    await store.metrics.prune('default', day(3));
    expect(await current()).toEqual([3, 4, 5]);
    expect(await store.metrics.rollUp('default', day(1), FORMAT, fold, day(9))).toBe('built');
    // Its change log is gone with it: built again, day 1 counts no late change and is current.
    expect(await current()).toEqual([1, 3, 4, 5]);
  });
});
