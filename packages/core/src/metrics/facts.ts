// The raw material of oversight metrics. Requests, votes, action counts and review findings of a
// time range are folded into cells (counts and duration histograms per gate, step, approver and
// agent) that merge exactly, so whole days can be stored once and a month read as thirty rollups.

import { record, merge, type Histogram } from './histogram.js';

/** Decisions faster than this count as "quick" for rubber-stamping (the guide's 10 seconds). */
export const QUICK_DECISION_MS = 10_000;

/** One approval request, as read from the store. */
export interface RequestRow {
  gate: string;
  workflow: string | null;
  agent: string;
  /** pending, approved, denied, changes_requested, timed_out, failed, cancelled. */
  status: string;
  created_at: number;
  decided_at: number | null;
}

/** One vote. */
export interface VoteRow {
  gate: string;
  step: string;
  approver: string;
  verdict: 'approve' | 'deny' | 'request_changes';
  has_note: boolean;
  /** When the approver could first act: their assignment, else the request's creation. */
  started_at: number;
  created_at: number;
  /** What a review later found about the action voted on, if anything. */
  issue?: IssueKind | null;
}

/** How many of an agent's actions got each decision. */
export interface ActionCount {
  agent: string;
  decision: string;
  count: number;
  /** Start of the hour the actions were created in, when counted by hour (series need it). */
  at?: number;
}

export type IssueKind = 'flag' | 'reversal';

/** A review that found a problem with an action that ran: a miss (flag) or a reversal. */
export interface IssueRow {
  gate: string | null;
  agent: string;
  kind: IssueKind;
  /** When the action was created (its review is dated with it). */
  at: number;
}

export interface MetricsRows {
  requests: RequestRow[];
  votes: VoteRow[];
  actions: ActionCount[];
  issues: IssueRow[];
}

export interface MetricsCells {
  /** Requests by gate, workflow and status; `quick`: approved in under 10 s. */
  gate_requests: { gate: string; workflow: string | null; status: string; count: number; quick: number }[];
  agent_requests: { agent: string; status: string; count: number; quick: number }[];
  /** Request → verdict, for requests decided by people. */
  gate_durations: { gate: string; durations: Histogram }[];
  agent_durations: { agent: string; durations: Histogram }[];
  /** Votes by gate, step and verdict, with the time to vote. */
  step_votes: { gate: string; step: string; verdict: string; count: number; notes: number; durations: Histogram }[];
  /**
   * Votes by approver and verdict; `quick`: approvals cast in under 10 s; `reversals`, `misses`:
   * votes on actions a review later reversed or flagged.
   */
  approver_votes: {
    approver: string;
    verdict: string;
    count: number;
    notes: number;
    quick: number;
    reversals: number;
    misses: number;
    durations: Histogram;
  }[];
  /** Who decides each step. */
  step_approvers: { gate: string; step: string; approver: string; count: number }[];
  actions: ActionCount[];
  /** Review findings by the gate and agent of the action. */
  issues: { gate: string | null; agent: string; kind: IssueKind; count: number }[];
}

/** A request still waiting for people (whenever it was created). */
export interface PendingFact {
  gate: string;
  created_at: number;
}

/** A person's open assignments (their queue right now). */
export interface OpenAssignmentFact {
  approver: string;
  open: number;
  oldest_assigned_at: number;
}

export interface AgentLevelFact {
  agent: string;
  level: number;
  clean_successes: number;
}

/** What is measured as it stands now rather than rolled up by day. */
export interface CurrentFacts {
  pending: PendingFact[];
  assignments: OpenAssignmentFact[];
  agents: AgentLevelFact[];
  /** Display names of approvers by id. */
  names: Record<string, string>;
}

export interface MetricsFacts extends CurrentFacts {
  cells: MetricsCells;
}

export interface MetricsWindow {
  since: number;
  until: number;
  /** The time queue ages are measured at. */
  now: number;
}

export function emptyCells(): MetricsCells {
  return {
    gate_requests: [],
    agent_requests: [],
    gate_durations: [],
    agent_durations: [],
    step_votes: [],
    approver_votes: [],
    step_approvers: [],
    actions: [],
    issues: [],
  };
}

/** Folds cells of the same key together; the order of keys is first seen. */
class Folder<T> {
  readonly #cells = new Map<string, T>();
  constructor(
    private readonly create: () => T,
    private readonly add: (into: T, from: T) => void,
  ) {}
  at(key: string, init: () => T = this.create): T {
    let cell = this.#cells.get(key);
    if (cell === undefined) this.#cells.set(key, (cell = init()));
    return cell;
  }
  fold(key: string, from: T): void {
    const existing = this.#cells.get(key);
    if (existing === undefined) this.#cells.set(key, structuredCopy(from));
    else this.add(existing, from);
  }
  values(): T[] {
    return [...this.#cells.values()];
  }
}

/** A copy that shares nothing mutable with the original, so merging never alters its inputs. */
function structuredCopy<T>(value: T): T {
  const copy = { ...value } as T & { durations?: Histogram };
  if (copy.durations !== undefined) copy.durations = merge({}, copy.durations);
  return copy;
}

const SEP = '\u0000';
type Cells = MetricsCells;
type Cell<K extends keyof Cells> = Cells[K][number];

function folders() {
  const sum = <T extends { count: number }>(into: T, from: T): void => {
    into.count += from.count;
  };
  return {
    gate_requests: new Folder<Cell<'gate_requests'>>(
      () => ({ gate: '', workflow: null, status: '', count: 0, quick: 0 }),
      (a, b) => {
        a.count += b.count;
        a.quick += b.quick;
      },
    ),
    agent_requests: new Folder<Cell<'agent_requests'>>(
      () => ({ agent: '', status: '', count: 0, quick: 0 }),
      (a, b) => {
        a.count += b.count;
        a.quick += b.quick;
      },
    ),
    gate_durations: new Folder<Cell<'gate_durations'>>(
      () => ({ gate: '', durations: {} }),
      (a, b) => merge(a.durations, b.durations),
    ),
    agent_durations: new Folder<Cell<'agent_durations'>>(
      () => ({ agent: '', durations: {} }),
      (a, b) => merge(a.durations, b.durations),
    ),
    step_votes: new Folder<Cell<'step_votes'>>(
      () => ({ gate: '', step: '', verdict: '', count: 0, notes: 0, durations: {} }),
      (a, b) => {
        a.count += b.count;
        a.notes += b.notes;
        merge(a.durations, b.durations);
      },
    ),
    approver_votes: new Folder<Cell<'approver_votes'>>(
      () => ({ approver: '', verdict: '', count: 0, notes: 0, quick: 0, reversals: 0, misses: 0, durations: {} }),
      (a, b) => {
        a.count += b.count;
        a.notes += b.notes;
        a.quick += b.quick;
        a.reversals += b.reversals;
        a.misses += b.misses;
        merge(a.durations, b.durations);
      },
    ),
    step_approvers: new Folder<Cell<'step_approvers'>>(() => ({ gate: '', step: '', approver: '', count: 0 }), sum),
    actions: new Folder<ActionCount>(() => ({ agent: '', decision: '', count: 0 }), sum),
    issues: new Folder<Cell<'issues'>>(() => ({ gate: null, agent: '', kind: 'flag', count: 0 }), sum),
  };
}

const keys = {
  gate_requests: (c: Cell<'gate_requests'>) => [c.gate, c.workflow ?? '', c.status].join(SEP),
  agent_requests: (c: Cell<'agent_requests'>) => [c.agent, c.status].join(SEP),
  gate_durations: (c: Cell<'gate_durations'>) => c.gate,
  agent_durations: (c: Cell<'agent_durations'>) => c.agent,
  step_votes: (c: Cell<'step_votes'>) => [c.gate, c.step, c.verdict].join(SEP),
  approver_votes: (c: Cell<'approver_votes'>) => [c.approver, c.verdict].join(SEP),
  step_approvers: (c: Cell<'step_approvers'>) => [c.gate, c.step, c.approver].join(SEP),
  actions: (c: ActionCount) => [c.agent, c.decision].join(SEP),
  issues: (c: { gate: string | null; agent: string; kind: string }) => [c.gate ?? SEP, c.agent, c.kind].join(SEP),
};

/** Folds a range's rows into cells. */
export function cellsFromRows(rows: MetricsRows): MetricsCells {
  const f = folders();
  for (const r of rows.requests) {
    const byPeople = r.decided_at !== null && r.status !== 'timed_out' && r.status !== 'pending';
    const ms = byPeople ? r.decided_at! - r.created_at : 0;
    const quick = byPeople && r.status === 'approved' && ms < QUICK_DECISION_MS ? 1 : 0;
    const g = f.gate_requests.at(keys.gate_requests({ gate: r.gate, workflow: r.workflow, status: r.status, count: 0, quick: 0 }), () => ({
      gate: r.gate,
      workflow: r.workflow,
      status: r.status,
      count: 0,
      quick: 0,
    }));
    g.count++;
    g.quick += quick;
    const a = f.agent_requests.at(`${r.agent}${SEP}${r.status}`, () => ({ agent: r.agent, status: r.status, count: 0, quick: 0 }));
    a.count++;
    a.quick += quick;
    if (byPeople) {
      record(f.gate_durations.at(r.gate, () => ({ gate: r.gate, durations: {} })).durations, ms);
      record(f.agent_durations.at(r.agent, () => ({ agent: r.agent, durations: {} })).durations, ms);
    }
  }
  for (const v of rows.votes) {
    const ms = Math.max(0, v.created_at - v.started_at);
    const note = v.has_note ? 1 : 0;
    const s = f.step_votes.at([v.gate, v.step, v.verdict].join(SEP), () => ({
      gate: v.gate,
      step: v.step,
      verdict: v.verdict,
      count: 0,
      notes: 0,
      durations: {},
    }));
    s.count++;
    s.notes += note;
    record(s.durations, ms);
    const p = f.approver_votes.at(`${v.approver}${SEP}${v.verdict}`, () => ({
      approver: v.approver,
      verdict: v.verdict,
      count: 0,
      notes: 0,
      quick: 0,
      reversals: 0,
      misses: 0,
      durations: {},
    }));
    p.count++;
    p.notes += note;
    if (v.verdict === 'approve' && ms < QUICK_DECISION_MS) p.quick++;
    if (v.issue === 'reversal') p.reversals++;
    else if (v.issue === 'flag') p.misses++;
    record(p.durations, ms);
    f.step_approvers.at([v.gate, v.step, v.approver].join(SEP), () => ({ gate: v.gate, step: v.step, approver: v.approver, count: 0 }))
      .count++;
  }
  for (const c of rows.actions) f.actions.at(keys.actions(c), () => ({ agent: c.agent, decision: c.decision, count: 0 })).count += c.count;
  for (const i of rows.issues) f.issues.at(keys.issues(i), () => ({ gate: i.gate, agent: i.agent, kind: i.kind, count: 0 })).count++;
  return collect(f);
}

function collect(f: ReturnType<typeof folders>): MetricsCells {
  return {
    gate_requests: f.gate_requests.values(),
    agent_requests: f.agent_requests.values(),
    gate_durations: f.gate_durations.values(),
    agent_durations: f.agent_durations.values(),
    step_votes: f.step_votes.values(),
    approver_votes: f.approver_votes.values(),
    step_approvers: f.step_approvers.values(),
    actions: f.actions.values(),
    issues: f.issues.values(),
  };
}

/** Merges the cells of several ranges (days, partial days) into the cells of their union. */
export function mergeCells(parts: readonly MetricsCells[]): MetricsCells {
  const f = folders();
  for (const part of parts) {
    for (const c of part.gate_requests) f.gate_requests.fold(keys.gate_requests(c), c);
    for (const c of part.agent_requests) f.agent_requests.fold(keys.agent_requests(c), c);
    for (const c of part.gate_durations) f.gate_durations.fold(keys.gate_durations(c), c);
    for (const c of part.agent_durations) f.agent_durations.fold(keys.agent_durations(c), c);
    for (const c of part.step_votes) f.step_votes.fold(keys.step_votes(c), c);
    for (const c of part.approver_votes) f.approver_votes.fold(keys.approver_votes(c), c);
    for (const c of part.step_approvers) f.step_approvers.fold(keys.step_approvers(c), c);
    for (const c of part.actions) f.actions.fold(keys.actions(c), c);
    for (const c of part.issues) f.issues.fold(keys.issues(c), c);
  }
  return collect(f);
}
