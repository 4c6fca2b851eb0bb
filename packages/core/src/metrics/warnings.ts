// The anti-patterns of the HITL guide (§5–6) as rules over the figures, each with the evidence
// that tripped it and a suggested fix; and the recommendations that go the other way.

import type { AgentMetrics, ApproverMetrics, GateMetrics, MetricsFigures, TenantMetrics } from './aggregate.js';

export type WarningKind = 'rubber_stamping' | 'approval_theater' | 'single_point_of_failure' | 'overload' | 'chronic_timeouts';
export type RecommendationKind = 'relax_gate' | 'promote_agent';

export interface Finding<K extends string> {
  kind: K;
  /** What it is about: a gate, an approver, an agent or the tenant's queue. */
  subject: { gate?: string; approver?: string; name?: string; agent?: string; tenant?: true };
  message: string;
  /** The numbers behind it, so a reader can check the rule fired for a reason. */
  evidence: Record<string, number | string | null>;
  fix: string;
}

export type Warning = Finding<WarningKind>;
export type Recommendation = Finding<RecommendationKind>;

export interface Thresholds {
  /** Rubber-stamping: more than this share of decisions approved in under 10 s… */
  rubber_stamp_share: number;
  /** …over at least this many decisions. */
  rubber_stamp_min_decisions: number;
  /** Approval theater: a gate with no denial, change request or note over this many decisions. */
  theater_min_decisions: number;
  /** Single point of failure: one person made more than this share of a gate's decisions… */
  spof_share: number;
  /** …over at least this many decisions (also the floor for "the only approver" of a gate). */
  spof_min_decisions: number;
  /** One person who made every decision of the tenant is flagged from this many decisions on. */
  spof_sole_min_decisions: number;
  /** Overload: a request waiting longer than this… */
  overload_queue_age_ms: number;
  /** …or more than this many waiting for one gate or person… */
  overload_backlog: number;
  /** …or a person deciding more than this many a day (the guide's alert fatigue). */
  overload_per_day: number;
  /** Chronic timeouts: more than this share of a gate's decided requests timed out… */
  timeout_rate: number;
  /** …over at least this many. */
  timeout_min_requests: number;
  /** Relax a gate: at least this many people's decisions… */
  relax_min_decisions: number;
  /** …with at least this approval rate and no reversal or miss. */
  relax_approval_rate: number;
  /** Promote an agent: at least this many actions that ran, none reversed or flagged… */
  promote_min_actions: number;
  /** …and at most this share of its requests denied. */
  promote_max_denial_rate: number;
  /** The highest autonomy level: agents there are not recommended for promotion. */
  max_level: number;
}

export const DEFAULT_THRESHOLDS: Thresholds = {
  rubber_stamp_share: 0.95,
  rubber_stamp_min_decisions: 20,
  theater_min_decisions: 50,
  // "Most" of a gate's decisions, read strictly: a 60/40 split between two people is normal rotation.
  spof_share: 0.8,
  spof_min_decisions: 10,
  // Everything decided by one person is the guide's "routing all approvals to one person" outright.
  spof_sole_min_decisions: 3,
  overload_queue_age_ms: 24 * 3_600_000,
  overload_backlog: 50,
  overload_per_day: 100,
  timeout_rate: 0.2,
  timeout_min_requests: 10,
  relax_min_decisions: 100,
  relax_approval_rate: 0.99,
  promote_min_actions: 50,
  promote_max_denial_rate: 0.02,
  max_level: 3,
};

const pct = (value: number | null): string => (value === null ? 'n/a' : `${(value * 100).toFixed(1)}%`);
const hours = (ms: number): string => `${(ms / 3_600_000).toFixed(1)} h`;

function gateWarnings(gate: GateMetrics, t: Thresholds): Warning[] {
  const found: Warning[] = [];
  const subject = { gate: gate.gate };
  const byPeople = gate.approved + gate.denied + gate.changes_requested;
  if (byPeople >= t.rubber_stamp_min_decisions && (gate.quick_approval_rate ?? 0) > t.rubber_stamp_share) {
    found.push({
      kind: 'rubber_stamping',
      subject,
      message: `${pct(gate.quick_approval_rate)} of \`${gate.gate}\` requests were approved in under 10 s`,
      evidence: {
        decisions: byPeople,
        quick_approvals: gate.quick_approvals,
        quick_approval_rate: gate.quick_approval_rate,
        p50_ms: gate.time_to_decision_ms.p50,
      },
      fix: `these requests are likely too low-value to gate: lower \`${gate.gate}\` to REVIEW or ALLOW (try it with \`tollgate policy simulate\`), or narrow its match`,
    });
  }
  const votes = gate.votes;
  if (votes.decisions >= t.theater_min_decisions && votes.denials === 0 && votes.changes_requested === 0 && votes.notes === 0) {
    found.push({
      kind: 'approval_theater',
      subject,
      message: `\`${gate.gate}\` had ${votes.decisions} decisions without a single denial, change request or note`,
      evidence: { decisions: votes.decisions, denials: 0, changes_requested: 0, notes: 0 },
      fix: `give approvers criteria to check (\`criteria:\` on the rule), or remove the gate if there is nothing to check`,
    });
  }
  const top = votes.top_approver;
  if (top !== null && votes.decisions >= t.spof_min_decisions && (votes.approvers === 1 || top.share > t.spof_share)) {
    found.push({
      kind: 'single_point_of_failure',
      subject,
      message:
        votes.approvers === 1
          ? `${top.name} is the only person deciding \`${gate.gate}\``
          : `${top.name} made ${pct(top.share)} of the decisions on \`${gate.gate}\``,
      evidence: { decisions: votes.decisions, approvers: votes.approvers, top_approver: top.name, top_share: top.share },
      fix: `add approvers to the gate's group and let load-aware routing spread requests, or set a delegate for when ${top.name} is away`,
    });
  }
  if (gate.backlog > t.overload_backlog || (gate.oldest_pending_age_ms !== null && gate.oldest_pending_age_ms > t.overload_queue_age_ms)) {
    found.push({
      kind: 'overload',
      subject,
      message: `\`${gate.gate}\` has ${gate.backlog} requests waiting, the oldest for ${hours(gate.oldest_pending_age_ms ?? 0)}`,
      evidence: { backlog: gate.backlog, oldest_pending_age_ms: gate.oldest_pending_age_ms },
      fix: 'add approvers or escalation (`escalate_to`), set a timeout with `on_timeout`, or relax the gate if its requests are routine',
    });
  }
  if (gate.decided >= t.timeout_min_requests && (gate.timeout_rate ?? 0) > t.timeout_rate) {
    found.push({
      kind: 'chronic_timeouts',
      subject,
      message: `${pct(gate.timeout_rate)} of \`${gate.gate}\` requests timed out`,
      evidence: { decided: gate.decided, timed_out: gate.timed_out, timeout_rate: gate.timeout_rate },
      fix: 'route to a group that is on duty, add `escalate_to`, or lengthen `timeout` to match how fast people really answer',
    });
  }
  return found;
}

function approverWarnings(person: ApproverMetrics, t: Thresholds): Warning[] {
  const found: Warning[] = [];
  const subject = { approver: person.approver, name: person.name };
  if (person.decisions >= t.rubber_stamp_min_decisions && (person.quick_approval_rate ?? 0) > t.rubber_stamp_share) {
    found.push({
      kind: 'rubber_stamping',
      subject,
      message: `${person.name} approved ${pct(person.quick_approval_rate)} of requests in under 10 s`,
      evidence: {
        decisions: person.decisions,
        quick_approvals: person.quick_approvals,
        quick_approval_rate: person.quick_approval_rate,
        load_per_day: person.load_per_day,
      },
      fix: `cut the low-value gates ${person.name} sees (${person.gates.join(', ') || 'none'}) and show context and criteria that need checking`,
    });
  }
  const aged = person.oldest_assignment_age_ms !== null && person.oldest_assignment_age_ms > t.overload_queue_age_ms;
  if (person.load_per_day > t.overload_per_day || person.open_assignments > t.overload_backlog || aged) {
    found.push({
      kind: 'overload',
      subject,
      message: `${person.name} decides ${person.load_per_day.toFixed(1)} requests a day and has ${person.open_assignments} open`,
      evidence: {
        load_per_day: person.load_per_day,
        open_assignments: person.open_assignments,
        oldest_assignment_age_ms: person.oldest_assignment_age_ms,
      },
      fix: 'spread the load over more approvers, or relax gates whose requests are routine',
    });
  }
  return found;
}

/**
 * One person deciding for the whole tenant: each gate may have too few decisions to count, or be
 * split between gates, while everything still waits for that one person.
 */
function tenantSinglePoint(tenant: TenantMetrics, t: Thresholds): Warning[] {
  const { votes } = tenant;
  const top = votes.top_approver;
  if (top === null) return [];
  const alone = votes.approvers === 1 && votes.decisions >= t.spof_sole_min_decisions;
  const most = votes.decisions >= t.spof_min_decisions && top.share > t.spof_share;
  if (!alone && !most) return [];
  return [
    {
      kind: 'single_point_of_failure',
      subject: { tenant: true },
      message: alone
        ? `${top.name} made every one of the ${votes.decisions} decisions in this window: nobody else decides anything`
        : `${top.name} made ${pct(top.share)} of the ${votes.decisions} decisions in this window`,
      evidence: { decisions: votes.decisions, approvers: votes.approvers, top_approver: top.name, top_share: top.share },
      fix: `put more people in the groups the policy routes to (\`tollgate users add --group …\`) so that requests do not wait for ${top.name}, and name a delegate for when ${top.name} is away`,
    },
  ];
}

function tenantWarnings(tenant: TenantMetrics, gates: GateMetrics[], t: Thresholds): Warning[] {
  return [...tenantSinglePoint(tenant, t), ...tenantOverload(tenant, gates, t)];
}

function tenantOverload(tenant: TenantMetrics, gates: GateMetrics[], t: Thresholds): Warning[] {
  // Per-gate overload already names the gate; this catches a queue spread thin over many gates.
  if (gates.some((g) => g.backlog > t.overload_backlog)) return [];
  if (tenant.backlog <= t.overload_backlog * Math.max(tenant.approvers, 1)) return [];
  return [
    {
      kind: 'overload',
      subject: { tenant: true },
      message: `${tenant.backlog} requests are waiting for ${tenant.approvers} active approvers`,
      evidence: { backlog: tenant.backlog, approvers: tenant.approvers, oldest_pending_age_ms: tenant.oldest_pending_age_ms },
      fix: 'add approvers, or relax the gates that produce most requests',
    },
  ];
}

export function findWarnings(figures: MetricsFigures, thresholds: Thresholds = DEFAULT_THRESHOLDS): Warning[] {
  return [
    ...figures.gates.flatMap((gate) => gateWarnings(gate, thresholds)),
    ...figures.approvers.flatMap((person) => approverWarnings(person, thresholds)),
    ...tenantWarnings(figures.tenant, figures.gates, thresholds),
  ];
}

function relaxable(gate: GateMetrics, t: Thresholds): Recommendation | undefined {
  const byPeople = gate.approved + gate.denied + gate.changes_requested;
  if (byPeople < t.relax_min_decisions || (gate.approval_rate ?? 0) < t.relax_approval_rate) return undefined;
  if (gate.reversals > 0 || gate.misses > 0) return undefined;
  return {
    kind: 'relax_gate',
    subject: { gate: gate.gate },
    message: `\`${gate.gate}\` approved ${pct(gate.approval_rate)} of ${byPeople} requests with no reversal or miss`,
    evidence: { decisions: byPeople, approval_rate: gate.approval_rate, reversals: 0, misses: 0 },
    fix: `lower \`${gate.gate}\` to REVIEW (post-execution review keeps a person in the loop), after checking the change with \`tollgate policy simulate\``,
  };
}

function promotable(agent: AgentMetrics, t: Thresholds, promoteAfter: number | undefined): Recommendation | undefined {
  if (agent.level !== null && agent.level >= t.max_level) return undefined;
  if (agent.ran < t.promote_min_actions || agent.reversals > 0 || agent.misses > 0) return undefined;
  const denialRate = agent.requests === 0 ? 0 : agent.denied / agent.requests;
  if (denialRate > t.promote_max_denial_rate) return undefined;
  if (promoteAfter !== undefined && agent.clean_successes !== null && agent.clean_successes < promoteAfter) return undefined;
  return {
    kind: 'promote_agent',
    subject: { agent: agent.agent },
    message: `\`${agent.agent}\` ran ${agent.ran} actions with no reversal or miss`,
    evidence: { ran: agent.ran, denial_rate: denialRate, level: agent.level, clean_successes: agent.clean_successes },
    fix:
      agent.level === null
        ? `give \`${agent.agent}\` an autonomy level (the policy's \`autonomy\` table) so its track record can earn it fewer approvals`
        : `raise \`${agent.agent}\` to level ${agent.level + 1} (POST /v1/agents/${agent.agent}/level)`,
  };
}

export function findRecommendations(
  figures: MetricsFigures,
  thresholds: Thresholds = DEFAULT_THRESHOLDS,
  options: { promoteAfter?: number } = {},
): Recommendation[] {
  return [
    ...figures.gates.map((gate) => relaxable(gate, thresholds)),
    ...figures.agents.map((agent) => promotable(agent, thresholds, options.promoteAfter)),
  ].filter((r): r is Recommendation => r !== undefined);
}
