// A series point must say what the metrics say: for every subject, the figures of its merged
// hourly tallies equal those computeMetrics gives for the same rows, and stored days round-trip.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeMetrics } from './aggregate.js';
import { cellsFromRows, type MetricsRows, type VoteRow } from './facts.js';
import {
  HOUR_MS,
  decodeDay,
  emptyTally,
  encodeDay,
  mergeTally,
  seriesFigures,
  seriesFromRows,
  subjectKey,
  subjectOfKey,
  type SeriesTallies,
  type Tally,
} from './series.js';

const DAY = 86_400_000;
const START = Date.UTC(2026, 10, 1);
const STATUSES = ['approved', 'denied', 'changes_requested', 'timed_out', 'pending'] as const;
const VERDICTS: VoteRow['verdict'][] = ['approve', 'deny', 'request_changes'];
const DECISIONS = ['ALLOW', 'REVIEW', 'REQUIRE_APPROVAL', 'DENY'];

const row = fc.record({
  hour: fc.integer({ min: 0, max: 71 }),
  gate: fc.constantFrom('g1', 'g2', 'g3'),
  agent: fc.constantFrom('a1', 'a2'),
  approver: fc.constantFrom('u1', 'u2', 'u3'),
  status: fc.constantFrom(...STATUSES),
  verdict: fc.constantFrom(...VERDICTS),
  ms: fc.integer({ min: 0, max: 7_200_000 }),
  issue: fc.constantFrom(null, 'flag', 'reversal'),
  decision: fc.constantFrom(...DECISIONS),
  count: fc.integer({ min: 1, max: 5 }),
});

type Draft = typeof row extends fc.Arbitrary<infer T> ? T : never;

function history(drafts: Draft[]): MetricsRows {
  const rows: MetricsRows = { requests: [], votes: [], actions: [], issues: [] };
  for (const d of drafts) {
    const at = START + d.hour * HOUR_MS + (d.ms % HOUR_MS);
    const decided = d.status === 'pending' ? null : at + d.ms;
    rows.requests.push({ gate: d.gate, workflow: null, agent: d.agent, status: d.status, created_at: at, decided_at: decided });
    rows.votes.push({
      gate: d.gate,
      step: 'approval',
      approver: d.approver,
      verdict: d.verdict,
      has_note: false,
      started_at: at,
      created_at: at + d.ms,
      issue: d.issue as VoteRow['issue'],
    });
    rows.actions.push({ agent: d.agent, decision: d.decision, count: d.count, at: Math.floor(at / HOUR_MS) * HOUR_MS });
    if (d.issue !== null)
      rows.issues.push({ gate: d.hour % 5 === 0 ? null : d.gate, agent: d.agent, kind: d.issue as 'flag' | 'reversal', at });
  }
  return rows;
}

function total(tallies: SeriesTallies, key: string): Tally {
  const out = emptyTally();
  for (const tally of tallies.get(key)?.values() ?? []) mergeTally(out, tally);
  return out;
}

describe('series', () => {
  it('give each subject the figures the metrics give it for the same rows', () => {
    fc.assert(
      fc.property(fc.array(row, { minLength: 1, maxLength: 60 }), (drafts) => {
        const rows = history(drafts);
        const window = { since: START, until: START + 3 * DAY + 7_200_000 * 2, now: START + 4 * DAY };
        const figures = computeMetrics({ cells: cellsFromRows(rows), pending: [], assignments: [], agents: [], names: {} }, window);
        const tallies = seriesFromRows(rows);
        const pick = (x: {
          requests: number;
          approval_rate: number | null;
          time_to_decision_ms: unknown;
          timeout_rate: number | null;
        }) => ({
          requests: x.requests,
          approval_rate: x.approval_rate,
          time_to_decision_ms: x.time_to_decision_ms,
          timeout_rate: x.timeout_rate,
        });
        const tenant = seriesFigures('tenant', total(tallies, subjectKey({ kind: 'tenant', name: '' })));
        expect(pick(tenant)).toEqual(pick(figures.tenant));
        expect([tenant.reversal_rate, tenant.miss_rate]).toEqual([figures.tenant.reversal_rate, figures.tenant.miss_rate]);
        for (const gate of figures.gates) {
          const point = seriesFigures('gate', total(tallies, subjectKey({ kind: 'gate', name: gate.gate })));
          expect(pick(point)).toEqual(pick(gate));
          expect([point.decisions, point.reversal_rate, point.miss_rate]).toEqual([
            gate.approved + gate.denied + gate.changes_requested,
            gate.reversal_rate,
            gate.miss_rate,
          ]);
        }
        for (const agent of figures.agents) {
          const point = seriesFigures('agent', total(tallies, subjectKey({ kind: 'agent', name: agent.agent })));
          expect(pick(point)).toEqual(pick(agent));
          expect([point.reversal_rate, point.miss_rate]).toEqual([agent.reversal_rate, agent.miss_rate]);
        }
        for (const person of figures.approvers) {
          const point = seriesFigures('approver', total(tallies, subjectKey({ kind: 'approver', name: person.approver })));
          expect(point).toEqual({
            requests: person.decisions,
            decisions: person.decisions,
            approval_rate: person.approval_rate,
            time_to_decision_ms: person.time_to_vote_ms,
            timeout_rate: null,
            reversal_rate: person.reversal_rate,
            miss_rate: person.miss_rate,
          });
        }
      }),
      { numRuns: 150 },
    );
  });

  it('say null, not 0, for a rate over nothing', () => {
    const figures = seriesFigures('gate', emptyTally());
    expect(figures).toEqual({
      requests: 0,
      decisions: 0,
      approval_rate: null,
      time_to_decision_ms: { p50: null, p90: null, p99: null },
      timeout_rate: null,
      reversal_rate: null,
      miss_rate: null,
    });
    const pendingOnly = { ...emptyTally(), n: 3 };
    expect(seriesFigures('tenant', pendingOnly)).toMatchObject({ requests: 3, decisions: 0, approval_rate: null, timeout_rate: null });
  });

  it('store a day as 24 hourly slots and read it back unchanged', () => {
    const rows = history([
      {
        hour: 0,
        gate: 'g1',
        agent: 'a1',
        approver: 'u1',
        status: 'approved',
        verdict: 'approve',
        ms: 5000,
        issue: 'flag',
        decision: 'ALLOW',
        count: 2,
      },
      {
        hour: 23,
        gate: 'g1',
        agent: 'a1',
        approver: 'u1',
        status: 'denied',
        verdict: 'deny',
        ms: 9000,
        issue: null,
        decision: 'DENY',
        count: 1,
      },
    ]);
    const tallies = seriesFromRows(rows);
    for (const [key, hours] of tallies) {
      const stored = JSON.parse(JSON.stringify(encodeDay(START, hours))) as ReturnType<typeof encodeDay>;
      expect(stored).toHaveLength(24);
      expect(decodeDay(START, stored)).toEqual(hours);
      expect(subjectKey(subjectOfKey(key))).toBe(key);
    }
    expect(() => encodeDay(START + DAY, tallies.values().next().value!)).toThrow(/not in the day/);
  });
});
