// Rolling up by day must not change a figure: cells of parts merge into the cells of the whole.
import { describe, expect, it } from 'vitest';
import { computeMetrics } from './aggregate.js';
import { cellsFromRows, mergeCells, type MetricsRows } from './facts.js';

describe('cells', () => {
  it('of two halves merge into the same figures as the whole, without changing the halves', () => {
    const rows: MetricsRows = { requests: [], votes: [], actions: [], issues: [] };
    for (let i = 0; i < 200; i++) {
      const at = i * 3_600_000;
      const verdict = i % 7 === 0 ? 'deny' : i % 11 === 0 ? 'request_changes' : 'approve';
      const status = i % 13 === 0 ? 'timed_out' : verdict === 'approve' ? 'approved' : verdict === 'deny' ? 'denied' : 'changes_requested';
      rows.requests.push({
        gate: `g${i % 3}`,
        workflow: i % 2 ? 'wf' : null,
        agent: `a${i % 4}`,
        status,
        created_at: at,
        decided_at: at + (i % 17) * 1000 + 500,
      });
      if (status !== 'timed_out')
        rows.votes.push({
          gate: `g${i % 3}`,
          step: i % 2 ? 's1' : 's2',
          approver: `u${i % 5}`,
          verdict,
          has_note: i % 3 === 0,
          started_at: at,
          created_at: at + (i % 17) * 1000 + 500,
          issue: i % 19 === 0 ? 'reversal' : i % 23 === 0 ? 'flag' : null,
        });
      rows.actions.push({ agent: `a${i % 4}`, decision: i % 2 ? 'ALLOW' : 'REQUIRE_APPROVAL', count: 1 });
      if (i % 9 === 0) rows.issues.push({ gate: i % 2 ? `g${i % 3}` : null, agent: `a${i % 4}`, kind: i % 4 ? 'flag' : 'reversal', at });
    }
    const half = (keep: (at: number) => boolean): MetricsRows => ({
      requests: rows.requests.filter((r) => keep(r.created_at)),
      votes: rows.votes.filter((v) => keep(v.started_at)),
      actions: rows.actions.filter((_, i) => keep(i * 3_600_000)),
      issues: rows.issues.filter((i) => keep(i.at)),
    });
    const first = cellsFromRows(half((at) => at < 100 * 3_600_000));
    const second = cellsFromRows(half((at) => at >= 100 * 3_600_000));
    const before = JSON.stringify(first);
    const empty = { pending: [], assignments: [], agents: [], names: {} };
    const window = { since: 0, until: 200 * 3_600_000, now: 200 * 3_600_000 };
    const whole = computeMetrics({ ...empty, cells: cellsFromRows(rows) }, window);
    const merged = computeMetrics({ ...empty, cells: mergeCells([first, second]) }, window);
    expect(merged).toEqual(whole);
    expect(JSON.stringify(first)).toBe(before);
    expect(whole.tenant.requests).toBe(200);
    expect(whole.tenant.reversals).toBeGreaterThan(0);
    expect(whole.approvers.some((a) => a.reversals > 0 && a.misses > 0)).toBe(true);
  });
});
