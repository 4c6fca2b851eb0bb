// Oversight figures as time series for charts: a range's rows folded into one tally per subject
// (the tenant, each gate, agent and approver) and hour. Tallies merge exactly, so a day is 24 of
// them, a bucket of any whole number of hours their merge, and a point's figures are those the
// metrics of that bucket would give for that subject.

import type { MetricsRows } from './facts.js';
import { histogramPercentiles, merge, record, type Histogram } from './histogram.js';
import { rate, type Percentiles } from './stats.js';

export const HOUR_MS = 3_600_000;

/** Whose figures a series follows. */
export type SubjectKind = 'tenant' | 'gate' | 'agent' | 'approver';

export interface Subject {
  kind: SubjectKind;
  /** Empty for the tenant. */
  name: string;
}

/**
 * One subject's hour. For the tenant, a gate or an agent: approval requests created in the hour by
 * outcome, request → verdict durations, actions that ran without asking, review findings. For an
 * approver: votes cast in the hour by verdict, when they could act → vote durations, and findings
 * on actions they approved.
 */
export interface Tally {
  /** Requests, or an approver's votes. */
  n: number;
  approved: number;
  denied: number;
  changes_requested: number;
  timed_out: number;
  /** Actions allowed or sent to review (they ran without a person first). */
  ran: number;
  reversals: number;
  misses: number;
  durations: Histogram;
}

export interface SeriesFigures {
  /** Approval requests created (with an approver: the requests they voted on). */
  requests: number;
  /** Requests decided by people (with an approver: their votes): the approval rate's base. */
  decisions: number;
  approval_rate: number | null;
  /** Request → final verdict (with an approver: when they could act → their vote). */
  time_to_decision_ms: Percentiles;
  /** Timed out ÷ decided (by people or by timeout); null with an approver (a timeout is nobody's vote). */
  timeout_rate: number | null;
  /** Reversed ÷ actions that ran (gate: ÷ approved requests; approver: ÷ their approvals). */
  reversal_rate: number | null;
  miss_rate: number | null;
}

export function emptyTally(): Tally {
  return { n: 0, approved: 0, denied: 0, changes_requested: 0, timed_out: 0, ran: 0, reversals: 0, misses: 0, durations: {} };
}

/** Adds `from` into `into` (which it returns); `from` is left as it is. */
export function mergeTally(into: Tally, from: Tally): Tally {
  into.n += from.n;
  into.approved += from.approved;
  into.denied += from.denied;
  into.changes_requested += from.changes_requested;
  into.timed_out += from.timed_out;
  into.ran += from.ran;
  into.reversals += from.reversals;
  into.misses += from.misses;
  merge(into.durations, from.durations);
  return into;
}

const SEP = '\u0000';

export function subjectKey(subject: Subject): string {
  return `${subject.kind}${SEP}${subject.name}`;
}

export function subjectOfKey(key: string): Subject {
  const at = key.indexOf(SEP);
  return { kind: key.slice(0, at) as SubjectKind, name: key.slice(at + 1) };
}

const hourOf = (at: number): number => Math.floor(at / HOUR_MS) * HOUR_MS;
const RAN_UNASKED = new Set(['ALLOW', 'REVIEW']);

/** Subject key → hour start → tally. */
export type SeriesTallies = Map<string, Map<number, Tally>>;

/**
 * Folds rows into hourly tallies per subject. Requests count in the hour they were made, votes in
 * the hour they were cast, actions and review findings in the hour of the action. Action counts
 * must carry their hour (`at`).
 */
export function seriesFromRows(rows: MetricsRows): SeriesTallies {
  const out: SeriesTallies = new Map();
  const at = (kind: SubjectKind, name: string, hour: number): Tally => {
    const key = subjectKey({ kind, name });
    let hours = out.get(key);
    if (hours === undefined) out.set(key, (hours = new Map()));
    let tally = hours.get(hour);
    if (tally === undefined) hours.set(hour, (tally = emptyTally()));
    return tally;
  };
  for (const r of rows.requests) {
    const hour = hourOf(r.created_at);
    const byPeople = r.decided_at !== null && r.status !== 'timed_out' && r.status !== 'pending';
    for (const tally of [at('tenant', '', hour), at('gate', r.gate, hour), at('agent', r.agent, hour)]) {
      tally.n++;
      if (r.status === 'approved') tally.approved++;
      else if (r.status === 'denied') tally.denied++;
      else if (r.status === 'changes_requested') tally.changes_requested++;
      else if (r.status === 'timed_out') tally.timed_out++;
      if (byPeople) record(tally.durations, r.decided_at! - r.created_at);
    }
  }
  for (const c of rows.actions) {
    if (!RAN_UNASKED.has(c.decision)) continue;
    if (c.at === undefined) throw new Error('action counts for a series must carry their hour');
    const hour = hourOf(c.at);
    at('tenant', '', hour).ran += c.count;
    at('agent', c.agent, hour).ran += c.count;
  }
  for (const i of rows.issues) {
    const hour = hourOf(i.at);
    const subjects = [at('tenant', '', hour), at('agent', i.agent, hour)];
    if (i.gate !== null) subjects.push(at('gate', i.gate, hour));
    for (const tally of subjects) {
      if (i.kind === 'reversal') tally.reversals++;
      else tally.misses++;
    }
  }
  for (const v of rows.votes) {
    const tally = at('approver', v.approver, hourOf(v.created_at));
    tally.n++;
    if (v.verdict === 'approve') {
      tally.approved++;
      if (v.issue === 'reversal') tally.reversals++;
      else if (v.issue === 'flag') tally.misses++;
    } else if (v.verdict === 'deny') tally.denied++;
    else tally.changes_requested++;
    record(tally.durations, Math.max(0, v.created_at - v.started_at));
  }
  return out;
}

/** The figures of a subject over a bucket whose hours merged into `tally`. */
export function seriesFigures(kind: SubjectKind, tally: Tally): SeriesFigures {
  const time_to_decision_ms = histogramPercentiles(tally.durations);
  if (kind === 'approver') {
    return {
      requests: tally.n,
      decisions: tally.n,
      approval_rate: rate(tally.approved, tally.n),
      time_to_decision_ms,
      timeout_rate: null,
      reversal_rate: rate(tally.reversals, tally.approved),
      miss_rate: rate(tally.misses, tally.approved),
    };
  }
  const byPeople = tally.approved + tally.denied + tally.changes_requested;
  // As in the metrics: a gate's findings are weighed against its approved requests, the tenant's
  // and an agent's against every action that ran.
  const ran = kind === 'gate' ? tally.approved : tally.ran + tally.approved;
  return {
    requests: tally.n,
    decisions: byPeople,
    approval_rate: rate(tally.approved, byPeople),
    time_to_decision_ms,
    timeout_rate: rate(tally.timed_out, byPeople + tally.timed_out),
    reversal_rate: rate(tally.reversals, ran),
    miss_rate: rate(tally.misses, ran),
  };
}

/**
 * A day of one subject's tallies as stored: 24 slots from midnight UTC, null for an hour with
 * nothing, each tally as `[n, approved, denied, changes_requested, timed_out, ran, reversals,
 * misses, durations]` to keep rollups small.
 */
export type StoredDay = (StoredTally | null)[];
export type StoredTally = [number, number, number, number, number, number, number, number, Histogram];

export function encodeDay(day: number, hours: ReadonlyMap<number, Tally>): StoredDay {
  const slots: StoredDay = Array.from({ length: 24 }, () => null);
  for (const [hour, t] of hours) {
    const slot = (hour - day) / HOUR_MS;
    if (!Number.isInteger(slot) || slot < 0 || slot >= 24) throw new Error(`hour ${hour} is not in the day starting ${day}`);
    slots[slot] = [t.n, t.approved, t.denied, t.changes_requested, t.timed_out, t.ran, t.reversals, t.misses, t.durations];
  }
  return slots;
}

export function decodeDay(day: number, stored: StoredDay): Map<number, Tally> {
  const hours = new Map<number, Tally>();
  stored.forEach((slot, i) => {
    if (slot === null) return;
    const [n, approved, denied, changes_requested, timed_out, ran, reversals, misses, durations] = slot;
    hours.set(day + i * HOUR_MS, { n, approved, denied, changes_requested, timed_out, ran, reversals, misses, durations });
  });
  return hours;
}
