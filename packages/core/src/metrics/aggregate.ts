// Turns one window's cells into the oversight figures per gate (and its steps), approver and
// agent, and for the tenant as a whole (DESIGN §6). Pure: the clock comes in with the window.

import type { MetricsCells, MetricsFacts, MetricsWindow } from './facts.js';
import { countOf, histogramPercentiles, merge, type Histogram } from './histogram.js';
import { rate, type Percentiles } from './stats.js';

export { QUICK_DECISION_MS } from './facts.js';

const DAY_MS = 86_400_000;
/** Decisions that let an action run without a person first (approved requests are added apart). */
const RAN_UNASKED = new Set(['ALLOW', 'REVIEW']);

export interface TopApprover {
  approver: string;
  name: string;
  decisions: number;
  share: number;
}

export interface VoteSummary {
  /** Votes cast: each is one person's decision. */
  decisions: number;
  approvals: number;
  denials: number;
  changes_requested: number;
  notes: number;
  approvers: number;
  top_approver: TopApprover | null;
  /** From when the person could act to their vote. */
  time_to_vote_ms: Percentiles;
}

export interface RequestSummary {
  requests: number;
  /** Requests that ended with a verdict or a timeout. */
  decided: number;
  approved: number;
  denied: number;
  changes_requested: number;
  timed_out: number;
  pending: number;
  /** approved ÷ requests decided by people (timeouts excluded). */
  approval_rate: number | null;
  /** timed_out ÷ decided. */
  timeout_rate: number | null;
  /** From request to verdict, for requests decided by people. */
  time_to_decision_ms: Percentiles;
  /** Approved in under 10 s. */
  quick_approvals: number;
  quick_approval_rate: number | null;
}

export interface GateMetrics extends RequestSummary {
  gate: string;
  workflows: string[];
  votes: VoteSummary;
  steps: ({ step: string } & VoteSummary)[];
  reversals: number;
  misses: number;
  /** reversals ÷ approved requests. */
  reversal_rate: number | null;
  miss_rate: number | null;
  /** Requests waiting now, and the age of the oldest. */
  backlog: number;
  oldest_pending_age_ms: number | null;
}

export interface ApproverMetrics {
  approver: string;
  name: string;
  decisions: number;
  approvals: number;
  denials: number;
  changes_requested: number;
  notes: number;
  approval_rate: number | null;
  time_to_vote_ms: Percentiles;
  quick_approvals: number;
  quick_approval_rate: number | null;
  /** Actions this person approved that a review later reversed or flagged. */
  reversals: number;
  misses: number;
  /** reversals ÷ approvals. */
  reversal_rate: number | null;
  miss_rate: number | null;
  load_per_day: number;
  gates: string[];
  open_assignments: number;
  oldest_assignment_age_ms: number | null;
}

export interface AgentMetrics extends RequestSummary {
  agent: string;
  actions: number;
  by_decision: Record<string, number>;
  /** Actions allowed to run: allowed, sent to review, or approved by people. */
  ran: number;
  reversals: number;
  misses: number;
  reversal_rate: number | null;
  miss_rate: number | null;
  level: number | null;
  clean_successes: number | null;
}

export interface TenantMetrics extends RequestSummary {
  actions: number;
  by_decision: Record<string, number>;
  ran: number;
  reversals: number;
  misses: number;
  reversal_rate: number | null;
  miss_rate: number | null;
  votes: VoteSummary;
  approvers: number;
  load_per_approver_per_day: number | null;
  backlog: number;
  oldest_pending_age_ms: number | null;
}

export interface MetricsFigures {
  tenant: TenantMetrics;
  gates: GateMetrics[];
  approvers: ApproverMetrics[];
  agents: AgentMetrics[];
  /** Length of the window in days, the base of per-day loads. */
  days: number;
}

type RequestCell = { status: string; count: number; quick: number };

function summarizeRequests(cells: readonly RequestCell[], durations: Histogram): RequestSummary {
  const by: Record<string, number> = {};
  let requests = 0;
  let quick = 0;
  for (const cell of cells) {
    by[cell.status] = (by[cell.status] ?? 0) + cell.count;
    requests += cell.count;
    quick += cell.quick;
  }
  const approved = by.approved ?? 0;
  const denied = by.denied ?? 0;
  const changes = by.changes_requested ?? 0;
  const timedOut = by.timed_out ?? 0;
  const byPeople = approved + denied + changes;
  const decided = byPeople + timedOut;
  return {
    requests,
    decided,
    approved,
    denied,
    changes_requested: changes,
    timed_out: timedOut,
    pending: by.pending ?? 0,
    approval_rate: rate(approved, byPeople),
    timeout_rate: rate(timedOut, decided),
    time_to_decision_ms: histogramPercentiles(durations),
    quick_approvals: quick,
    quick_approval_rate: rate(quick, byPeople),
  };
}

function summarizeVotes(
  votes: readonly { verdict: string; count: number; notes: number; durations: Histogram }[],
  approvers: readonly { approver: string; count: number }[],
  names: Record<string, string>,
): VoteSummary {
  const per = new Map<string, number>();
  for (const { approver, count } of approvers) per.set(approver, (per.get(approver) ?? 0) + count);
  const by: Record<string, number> = {};
  let notes = 0;
  const durations: Histogram = {};
  for (const vote of votes) {
    by[vote.verdict] = (by[vote.verdict] ?? 0) + vote.count;
    notes += vote.notes;
    merge(durations, vote.durations);
  }
  const decisions = countOf(durations);
  let top: TopApprover | null = null;
  for (const [approver, count] of per) {
    if (top === null || count > top.decisions || (count === top.decisions && approver < top.approver))
      top = { approver, name: names[approver] ?? approver, decisions: count, share: decisions === 0 ? 0 : count / decisions };
  }
  return {
    decisions,
    approvals: by.approve ?? 0,
    denials: by.deny ?? 0,
    changes_requested: by.request_changes ?? 0,
    notes,
    approvers: per.size,
    top_approver: top,
    time_to_vote_ms: histogramPercentiles(durations),
  };
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = groups.get(k);
    if (list === undefined) groups.set(k, [item]);
    else list.push(item);
  }
  return groups;
}

function mergedDurations(cells: readonly { durations: Histogram }[] | undefined): Histogram {
  const out: Histogram = {};
  for (const cell of cells ?? []) merge(out, cell.durations);
  return out;
}

function decisionCounts(cells: MetricsCells['actions']): { total: number; unasked: number; by_decision: Record<string, number> } {
  const by_decision: Record<string, number> = {};
  let total = 0;
  let unasked = 0;
  for (const { decision, count } of cells) {
    by_decision[decision] = (by_decision[decision] ?? 0) + count;
    total += count;
    if (RAN_UNASKED.has(decision)) unasked += count;
  }
  return { total, unasked, by_decision };
}

type IssueCell = MetricsCells['issues'][number];

/** Reversals and misses among review findings. */
function issueCounts(cells: readonly IssueCell[] | undefined): { reversals: number; misses: number } {
  let reversals = 0;
  let misses = 0;
  for (const cell of cells ?? []) {
    if (cell.kind === 'reversal') reversals += cell.count;
    else misses += cell.count;
  }
  return { reversals, misses };
}

const byKey =
  <T>(key: (item: T) => string) =>
  (a: T, b: T): number =>
    key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;

export function computeMetrics(facts: MetricsFacts, window: MetricsWindow): MetricsFigures {
  const days = Math.max((window.until - window.since) / DAY_MS, 1 / 24);
  const { names, cells } = facts;
  const oldest = (items: readonly { created_at: number }[] | undefined): number | null =>
    items === undefined || items.length === 0 ? null : window.now - items.reduce((min, p) => Math.min(min, p.created_at), Infinity);

  const requestsByGate = groupBy(cells.gate_requests, (c) => c.gate);
  const durationsByGate = groupBy(cells.gate_durations, (c) => c.gate);
  const votesByGate = groupBy(cells.step_votes, (c) => c.gate);
  const approversByGate = groupBy(cells.step_approvers, (c) => c.gate);
  const pendingByGate = groupBy(facts.pending, (p) => p.gate);
  const issuesByGate = groupBy(
    cells.issues.filter((i) => i.gate !== null),
    (i) => i.gate!,
  );
  // Gates that only review after the fact (REVIEW rules) appear through their issues.
  const gateNames = new Set([...requestsByGate.keys(), ...votesByGate.keys(), ...pendingByGate.keys(), ...issuesByGate.keys()]);

  const gates: GateMetrics[] = [...gateNames].sort().map((gate) => {
    const requests = requestsByGate.get(gate) ?? [];
    const votes = votesByGate.get(gate) ?? [];
    const approvers = approversByGate.get(gate) ?? [];
    const summary = summarizeRequests(requests, mergedDurations(durationsByGate.get(gate)));
    const { reversals, misses } = issueCounts(issuesByGate.get(gate));
    const pending = pendingByGate.get(gate) ?? [];
    const stepApprovers = groupBy(approvers, (a) => a.step);
    return {
      gate,
      workflows: [...new Set(requests.map((r) => r.workflow).filter((w): w is string => w !== null))].sort(),
      ...summary,
      votes: summarizeVotes(votes, approvers, names),
      steps: [...groupBy(votes, (v) => v.step)]
        .sort(byKey(([step]) => step))
        .map(([step, list]) => ({ step, ...summarizeVotes(list, stepApprovers.get(step) ?? [], names) })),
      reversals,
      misses,
      reversal_rate: rate(reversals, summary.approved),
      miss_rate: rate(misses, summary.approved),
      backlog: pending.length,
      oldest_pending_age_ms: oldest(pending),
    };
  });

  const openByApprover = new Map(facts.assignments.map((a) => [a.approver, a]));
  const votesByApprover = groupBy(cells.approver_votes, (c) => c.approver);
  const gatesByApprover = groupBy(cells.step_approvers, (c) => c.approver);
  const approverIds = new Set([...votesByApprover.keys(), ...openByApprover.keys()]);
  const approvers: ApproverMetrics[] = [...approverIds].sort().map((approver) => {
    const votes = votesByApprover.get(approver) ?? [];
    const summary = summarizeVotes(votes, [], names);
    const quick = votes.reduce((n, v) => n + v.quick, 0);
    const approved = votes.filter((v) => v.verdict === 'approve');
    const reversals = approved.reduce((n, v) => n + v.reversals, 0);
    const misses = approved.reduce((n, v) => n + v.misses, 0);
    const open = openByApprover.get(approver);
    return {
      approver,
      name: names[approver] ?? approver,
      decisions: summary.decisions,
      approvals: summary.approvals,
      denials: summary.denials,
      changes_requested: summary.changes_requested,
      notes: summary.notes,
      approval_rate: rate(summary.approvals, summary.decisions),
      time_to_vote_ms: summary.time_to_vote_ms,
      quick_approvals: quick,
      quick_approval_rate: rate(quick, summary.decisions),
      reversals,
      misses,
      reversal_rate: rate(reversals, summary.approvals),
      miss_rate: rate(misses, summary.approvals),
      load_per_day: summary.decisions / days,
      gates: [...new Set((gatesByApprover.get(approver) ?? []).map((c) => c.gate))].sort(),
      open_assignments: open?.open ?? 0,
      oldest_assignment_age_ms: open === undefined || open.open === 0 ? null : window.now - open.oldest_assigned_at,
    };
  });

  const requestsByAgent = groupBy(cells.agent_requests, (c) => c.agent);
  const durationsByAgent = groupBy(cells.agent_durations, (c) => c.agent);
  const countsByAgent = groupBy(cells.actions, (c) => c.agent);
  const issuesByAgent = groupBy(cells.issues, (i) => i.agent);
  const levels = new Map(facts.agents.map((a) => [a.agent, a]));
  const agentNames = new Set([...requestsByAgent.keys(), ...countsByAgent.keys()]);
  const agents: AgentMetrics[] = [...agentNames].sort().map((agent) => {
    const counts = decisionCounts(countsByAgent.get(agent) ?? []);
    const summary = summarizeRequests(requestsByAgent.get(agent) ?? [], mergedDurations(durationsByAgent.get(agent)));
    const { reversals, misses } = issueCounts(issuesByAgent.get(agent));
    const ran = counts.unasked + summary.approved;
    const level = levels.get(agent);
    return {
      agent,
      actions: counts.total,
      by_decision: counts.by_decision,
      ...summary,
      ran,
      reversals,
      misses,
      reversal_rate: rate(reversals, ran),
      miss_rate: rate(misses, ran),
      level: level?.level ?? null,
      clean_successes: level?.clean_successes ?? null,
    };
  });

  const counts = decisionCounts(cells.actions);
  const summary = summarizeRequests(cells.gate_requests, mergedDurations(cells.gate_durations));
  const { reversals, misses } = issueCounts(cells.issues);
  const ran = counts.unasked + summary.approved;
  const votes = summarizeVotes(cells.step_votes, cells.step_approvers, names);
  const activeApprovers = votesByApprover.size;
  const tenant: TenantMetrics = {
    ...summary,
    actions: counts.total,
    by_decision: counts.by_decision,
    ran,
    reversals,
    misses,
    reversal_rate: rate(reversals, ran),
    miss_rate: rate(misses, ran),
    votes,
    approvers: activeApprovers,
    load_per_approver_per_day: activeApprovers === 0 ? null : votes.decisions / activeApprovers / days,
    backlog: facts.pending.length,
    oldest_pending_age_ms: oldest(facts.pending),
  };
  return { tenant, gates, approvers, agents, days };
}
