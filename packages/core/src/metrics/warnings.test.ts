// Seeded histories where each warning and recommendation must fire, and near-misses where it must not.
import { describe, expect, it } from 'vitest';
import { computeMetrics } from './aggregate.js';
import { cellsFromRows, type CurrentFacts, type MetricsFacts, type MetricsRows, type RequestRow, type VoteRow } from './facts.js';
import { DEFAULT_THRESHOLDS, findRecommendations, findWarnings } from './warnings.js';

const NOW = Date.UTC(2026, 10, 25);
const DAY = 86_400_000;
const window = { since: NOW - 30 * DAY, until: NOW, now: NOW };

/** A history as rows, folded into cells the way the server does before computing. */
type Draft = MetricsRows & CurrentFacts;

function empty(): Draft {
  return { requests: [], votes: [], issues: [], actions: [], pending: [], assignments: [], agents: [], names: {} };
}

function toFacts(draft: Draft): MetricsFacts {
  const { requests, votes, actions, issues, ...current } = draft;
  return { ...current, cells: cellsFromRows({ requests, votes, actions, issues }) };
}

/** `n` single-vote requests on `gate`: `verdict(i)`, decided after `ms(i)`, by `who(i)`. */
function decided(
  facts: Draft,
  gate: string,
  n: number,
  options: {
    ms?: (i: number) => number;
    verdict?: (i: number) => VoteRow['verdict'];
    who?: (i: number) => string;
    note?: (i: number) => boolean;
  } = {},
): Draft {
  for (let i = 0; i < n; i++) {
    const created = window.since + i * 60_000;
    const ms = options.ms?.(i) ?? 60_000;
    const verdict = options.verdict?.(i) ?? 'approve';
    const status = verdict === 'approve' ? 'approved' : verdict === 'deny' ? 'denied' : 'changes_requested';
    const request: RequestRow = { gate, workflow: null, agent: 'bot', status, created_at: created, decided_at: created + ms };
    facts.requests.push(request);
    facts.votes.push({
      gate,
      step: 'approval',
      approver: options.who?.(i) ?? `u${i % 3}`,
      verdict,
      has_note: options.note?.(i) ?? false,
      started_at: created,
      created_at: created + ms,
    });
  }
  return facts;
}

const kinds = (draft: Draft, kind: string) => findWarnings(computeMetrics(toFacts(draft), window)).filter((w) => w.kind === kind);

describe('rubber-stamping', () => {
  it('fires when more than 95% are approved in under 10 s, for the gate and the person', () => {
    const facts = decided(empty(), 'refunds', 40, { ms: (i) => (i < 39 ? 4_000 : 60_000), who: () => 'alice', note: (i) => i === 0 });
    const found = kinds(facts, 'rubber_stamping');
    expect(found.map((w) => w.subject)).toEqual([{ gate: 'refunds' }, { approver: 'alice', name: 'alice' }]);
    expect(found[0]!.evidence).toMatchObject({ decisions: 40, quick_approvals: 39, quick_approval_rate: 39 / 40 });
    expect(found[0]!.fix).toContain('simulate');
  });

  it('does not fire at 95% exactly, at 10 s, or over too few decisions', () => {
    expect(kinds(decided(empty(), 'g', 40, { ms: (i) => (i < 38 ? 4_000 : 60_000), note: () => true }), 'rubber_stamping')).toEqual([]);
    expect(kinds(decided(empty(), 'g', 40, { ms: () => 10_000, note: () => true }), 'rubber_stamping')).toEqual([]);
    expect(kinds(decided(empty(), 'g', 19, { ms: () => 1_000, note: () => true }), 'rubber_stamping')).toEqual([]);
  });
});

describe('approval theater', () => {
  it('fires on a gate with no denial, change request or note over N decisions', () => {
    const found = kinds(decided(empty(), 'deploys', 50), 'approval_theater');
    expect(found).toHaveLength(1);
    expect(found[0]!.evidence).toEqual({ decisions: 50, denials: 0, changes_requested: 0, notes: 0 });
  });

  it('does not fire with one denial, one change request, one note, or under N decisions', () => {
    expect(kinds(decided(empty(), 'g', 50, { verdict: (i) => (i === 7 ? 'deny' : 'approve') }), 'approval_theater')).toEqual([]);
    expect(kinds(decided(empty(), 'g', 50, { verdict: (i) => (i === 7 ? 'request_changes' : 'approve') }), 'approval_theater')).toEqual([]);
    expect(kinds(decided(empty(), 'g', 50, { note: (i) => i === 3 }), 'approval_theater')).toEqual([]);
    expect(kinds(decided(empty(), 'g', 49), 'approval_theater')).toEqual([]);
  });
});

describe('single point of failure', () => {
  it('fires when one person is the only approver, or makes most of the decisions', () => {
    const only = kinds(decided(empty(), 'g', 10, { who: () => 'bob' }), 'single_point_of_failure');
    expect(only[0]!.message).toContain('only person');
    const most = kinds(decided(empty(), 'g', 20, { who: (i) => (i < 17 ? 'bob' : 'carol') }), 'single_point_of_failure');
    expect(most[0]!.evidence).toMatchObject({ approvers: 2, top_approver: 'bob', top_share: 0.85 });
  });

  it('does not fire at 80%, or for a gate of fewer than 10 decisions', () => {
    expect(kinds(decided(empty(), 'g', 20, { who: (i) => (i < 16 ? 'bob' : 'carol') }), 'single_point_of_failure')).toEqual([]);
    const few = kinds(decided(empty(), 'g', 9, { who: () => 'bob' }), 'single_point_of_failure');
    expect(few.filter((w) => w.subject.gate !== undefined)).toEqual([]);
  });

  it('fires for the tenant when one person made every decision, however the gates split them', () => {
    // Seven decisions over four gates, each too few to judge a gate: all of them by the admin.
    const facts = empty();
    for (const [gate, n] of [
      ['deploys', 2],
      ['payments', 2],
      ['deletes', 2],
      ['backfills', 1],
    ] as const)
      decided(facts, gate, n, { who: () => 'admin' });
    facts.names = { admin: 'admin' };
    const found = kinds(facts, 'single_point_of_failure');
    expect(found).toHaveLength(1);
    expect(found[0]!.subject).toEqual({ tenant: true });
    expect(found[0]!.message).toBe('admin made every one of the 7 decisions in this window: nobody else decides anything');
    expect(found[0]!.evidence).toMatchObject({ decisions: 7, approvers: 1, top_approver: 'admin', top_share: 1 });
  });

  it('fires for the tenant when one person made most of at least 10 decisions, not for an even split', () => {
    const most = empty();
    decided(most, 'deploys', 6, { who: (i) => (i === 0 ? 'bob' : 'admin') });
    decided(most, 'payments', 6, { who: () => 'admin' });
    const found = kinds(most, 'single_point_of_failure').filter((w) => w.subject.tenant === true);
    expect(found.map((w) => w.evidence.top_share)).toEqual([11 / 12]);
    const split = empty();
    decided(split, 'deploys', 6, { who: () => 'admin' });
    decided(split, 'payments', 6, { who: () => 'bob' });
    expect(kinds(split, 'single_point_of_failure').filter((w) => w.subject.tenant === true)).toEqual([]);
    // Two decisions by one person are too few to call anyone a single point of failure.
    expect(kinds(decided(empty(), 'g', 2, { who: () => 'admin' }), 'single_point_of_failure')).toEqual([]);
  });
});

describe('overload', () => {
  it('fires on an old request, a long queue, or a person deciding over 100 a day', () => {
    const old = empty();
    old.pending.push({ gate: 'g', created_at: NOW - 25 * 3_600_000 });
    expect(kinds(old, 'overload')[0]!.evidence).toMatchObject({ backlog: 1, oldest_pending_age_ms: 25 * 3_600_000 });
    const long = empty();
    for (let i = 0; i < 51; i++) long.pending.push({ gate: 'g', created_at: NOW - 60_000 });
    expect(kinds(long, 'overload')).toHaveLength(1);
    const busy = decided(empty(), 'g', 3001, { who: () => 'dan', verdict: (i) => (i % 2 ? 'deny' : 'approve') });
    expect(kinds(busy, 'overload').map((w) => w.subject)).toEqual([{ approver: 'dan', name: 'dan' }]);
  });

  it('does not fire at 24 h, 50 waiting or 100 a day', () => {
    const near = empty();
    for (let i = 0; i < 50; i++) near.pending.push({ gate: 'g', created_at: NOW - 24 * 3_600_000 });
    expect(kinds(near, 'overload')).toEqual([]);
    const busy = decided(empty(), 'g', 3000, { who: () => 'dan', verdict: (i) => (i % 2 ? 'deny' : 'approve') });
    expect(kinds(busy, 'overload')).toEqual([]);
  });
});

describe('chronic timeouts', () => {
  function timeouts(timedOut: number, total: number): Draft {
    const facts = empty();
    for (let i = 0; i < total; i++)
      facts.requests.push({
        gate: 'g',
        workflow: null,
        agent: 'bot',
        status: i < timedOut ? 'timed_out' : 'approved',
        created_at: NOW - DAY,
        decided_at: NOW - DAY + 60_000,
      });
    return facts;
  }

  it('fires above 20% of decided requests', () => {
    expect(kinds(timeouts(3, 10), 'chronic_timeouts')[0]!.evidence).toEqual({ decided: 10, timed_out: 3, timeout_rate: 0.3 });
  });

  it('does not fire at 20%, or under 10 requests', () => {
    expect(kinds(timeouts(2, 10), 'chronic_timeouts')).toEqual([]);
    expect(kinds(timeouts(5, 9), 'chronic_timeouts')).toEqual([]);
  });
});

describe('recommendations', () => {
  const recommend = (draft: Draft, promoteAfter?: number) =>
    findRecommendations(computeMetrics(toFacts(draft), window), DEFAULT_THRESHOLDS, promoteAfter === undefined ? {} : { promoteAfter });

  it('relax a gate with 100 approvals and no reversal or miss; not with one reversal or 99 decisions', () => {
    expect(recommend(decided(empty(), 'g', 100, { note: () => true })).map((r) => r.kind)).toContain('relax_gate');
    const reversed = decided(empty(), 'g', 100, { note: () => true });
    reversed.issues.push({ gate: 'g', agent: 'bot', kind: 'reversal', at: NOW - DAY });
    expect(recommend(reversed).filter((r) => r.kind === 'relax_gate')).toEqual([]);
    expect(recommend(decided(empty(), 'g', 99)).filter((r) => r.kind === 'relax_gate')).toEqual([]);
  });

  it('promote an agent with a clean record; not one with a miss, a denial too many, or at the top level', () => {
    const clean = (): Draft => {
      const facts = empty();
      facts.actions.push({ agent: 'bot', decision: 'ALLOW', count: 50 });
      facts.agents.push({ agent: 'bot', level: 1, clean_successes: 50 });
      return facts;
    };
    const found = recommend(clean(), 50);
    expect(found).toMatchObject([{ kind: 'promote_agent', subject: { agent: 'bot' }, evidence: { ran: 50, level: 1 } }]);
    expect(found[0]!.fix).toContain('level 2');
    const flagged = clean();
    flagged.issues.push({ gate: null, agent: 'bot', kind: 'flag', at: NOW - DAY });
    expect(recommend(flagged)).toEqual([]);
    const denied = decided(clean(), 'g', 10, { verdict: (i) => (i === 0 ? 'deny' : 'approve') });
    expect(recommend(denied).filter((r) => r.kind === 'promote_agent')).toEqual([]);
    const top = clean();
    top.agents[0]!.level = 3;
    expect(recommend(top)).toEqual([]);
    expect(recommend(clean(), 51)).toEqual([]);
  });
});

describe('figures', () => {
  it('count rates and percentiles per gate, step, approver and agent', () => {
    const facts = decided(empty(), 'g', 10, {
      ms: (i) => (i + 1) * 1000,
      verdict: (i) => (i < 8 ? 'approve' : i === 8 ? 'deny' : 'request_changes'),
      who: (i) => (i < 5 ? 'a' : 'b'),
    });
    facts.requests.push({ gate: 'g', workflow: null, agent: 'bot', status: 'timed_out', created_at: NOW - DAY, decided_at: NOW });
    facts.actions.push({ agent: 'bot', decision: 'ALLOW', count: 5 }, { agent: 'bot', decision: 'REQUIRE_APPROVAL', count: 11 });
    facts.issues.push(
      { gate: 'g', agent: 'bot', kind: 'reversal', at: NOW - DAY },
      { gate: 'g', agent: 'bot', kind: 'flag', at: NOW - DAY },
    );
    const figures = computeMetrics(toFacts(facts), window);
    const gate = figures.gates[0]!;
    expect(gate).toMatchObject({
      requests: 11,
      decided: 11,
      approved: 8,
      denied: 1,
      changes_requested: 1,
      timed_out: 1,
      approval_rate: 0.8,
      timeout_rate: 1 / 11,
      reversal_rate: 1 / 8,
      miss_rate: 1 / 8,
    });
    expect(gate.time_to_decision_ms).toEqual({ p50: 5000, p90: 9000, p99: 10_000 });
    expect(gate.steps).toMatchObject([{ step: 'approval', decisions: 10, approvers: 2, top_approver: { approver: 'a', share: 0.5 } }]);
    expect(figures.approvers.map((a) => [a.approver, a.decisions, a.load_per_day])).toEqual([
      ['a', 5, 5 / 30],
      ['b', 5, 5 / 30],
    ]);
    expect(figures.agents[0]).toMatchObject({
      agent: 'bot',
      actions: 16,
      ran: 13,
      approved: 8,
      reversals: 1,
      misses: 1,
      reversal_rate: 1 / 13,
    });
  });
});
