// Renders oversight metrics in the Prometheus text format (0.0.4): gauges over the window, labelled
// by gate, step, approver or agent, never by action, so the series count stays bounded.

import type { MetricsResult } from '../services/metrics-service.js';

type Labels = Record<string, string>;

function escape(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

class Exposition {
  readonly #lines: string[] = [];

  constructor(private readonly common: Labels) {}

  family(name: string, help: string, samples: [Labels, number | null][]): void {
    this.#lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`);
    for (const [labels, value] of samples) {
      if (value === null) continue;
      const all = { ...labels, ...this.common };
      const text = Object.entries(all)
        .map(([k, v]) => `${k}="${escape(v)}"`)
        .join(',');
      this.#lines.push(`${name}{${text}} ${Number.isInteger(value) ? value : value.toPrecision(6)}`);
    }
  }

  text(): string {
    return `${this.#lines.join('\n')}\n`;
  }
}

const seconds = (ms: number | null): number | null => (ms === null ? null : ms / 1000);

export function prometheusText(result: MetricsResult): string {
  const { figures, warnings, recommendations } = result;
  const out = new Exposition({ window: result.window.name });
  const { tenant, gates, approvers, agents } = figures;
  out.family(
    'tollgate_actions',
    'Actions decided in the window, by decision.',
    Object.entries(tenant.by_decision).map(([decision, n]) => [{ decision }, n]),
  );
  out.family(
    'tollgate_approval_requests',
    'Approval requests created in the window, by gate and outcome.',
    gates.flatMap((g) =>
      (['approved', 'denied', 'changes_requested', 'timed_out', 'pending'] as const).map(
        (outcome) => [{ gate: g.gate, outcome }, g[outcome]] as [Labels, number],
      ),
    ),
  );
  out.family(
    'tollgate_approval_rate',
    'Approved ÷ requests decided by people.',
    gates.map((g) => [{ gate: g.gate }, g.approval_rate]),
  );
  out.family(
    'tollgate_timeout_rate',
    'Timed out ÷ requests decided.',
    gates.map((g) => [{ gate: g.gate }, g.timeout_rate]),
  );
  out.family(
    'tollgate_reversal_rate',
    'Reversed ÷ approved requests.',
    gates.map((g) => [{ gate: g.gate }, g.reversal_rate]),
  );
  out.family(
    'tollgate_miss_rate',
    'Flagged after review ÷ approved requests.',
    gates.map((g) => [{ gate: g.gate }, g.miss_rate]),
  );
  out.family(
    'tollgate_time_to_decision_seconds',
    'Request to verdict, nearest-rank quantiles.',
    gates.flatMap((g) =>
      (
        [
          ['0.5', g.time_to_decision_ms.p50],
          ['0.9', g.time_to_decision_ms.p90],
          ['0.99', g.time_to_decision_ms.p99],
        ] as const
      ).map(([quantile, ms]) => [{ gate: g.gate, quantile }, seconds(ms)] as [Labels, number | null]),
    ),
  );
  out.family(
    'tollgate_step_decisions',
    'Votes cast in the window, by gate and workflow step.',
    gates.flatMap((g) => g.steps.map((s) => [{ gate: g.gate, step: s.step }, s.decisions] as [Labels, number])),
  );
  out.family(
    'tollgate_approvals_pending',
    'Requests waiting for people now.',
    gates.map((g) => [{ gate: g.gate }, g.backlog]),
  );
  out.family(
    'tollgate_queue_oldest_age_seconds',
    'Age of the oldest waiting request.',
    gates.map((g) => [{ gate: g.gate }, seconds(g.oldest_pending_age_ms)]),
  );
  out.family(
    'tollgate_approver_decisions',
    'Votes cast in the window, by approver.',
    approvers.map((a) => [{ approver: a.name }, a.decisions]),
  );
  out.family(
    'tollgate_approver_load_per_day',
    'Votes per day in the window.',
    approvers.map((a) => [{ approver: a.name }, a.load_per_day]),
  );
  out.family(
    'tollgate_approver_quick_approval_rate',
    'Share of decisions approved in under 10 s.',
    approvers.map((a) => [{ approver: a.name }, a.quick_approval_rate]),
  );
  out.family(
    'tollgate_approver_time_to_vote_seconds',
    'Median time from assignment to vote.',
    approvers.map((a) => [{ approver: a.name, quantile: '0.5' }, seconds(a.time_to_vote_ms.p50)]),
  );
  out.family(
    'tollgate_approver_open_assignments',
    'Open assignments now.',
    approvers.map((a) => [{ approver: a.name }, a.open_assignments]),
  );
  out.family(
    'tollgate_agent_actions',
    'Actions in the window, by agent.',
    agents.map((a) => [{ agent: a.agent }, a.actions]),
  );
  out.family(
    'tollgate_agent_reversal_rate',
    'Reversed ÷ actions that ran.',
    agents.map((a) => [{ agent: a.agent }, a.reversal_rate]),
  );
  out.family(
    'tollgate_agent_miss_rate',
    'Flagged ÷ actions that ran.',
    agents.map((a) => [{ agent: a.agent }, a.miss_rate]),
  );
  out.family(
    'tollgate_agent_autonomy_level',
    'Current autonomy level.',
    agents.map((a) => [{ agent: a.agent }, a.level]),
  );
  const { questions, standing_approvals: standing } = result.asking;
  out.family(
    'tollgate_questions',
    'Questions agents asked in the window, by status now.',
    (['answered', 'unanswered', 'pending'] as const).map((status) => [{ status }, questions[status]]),
  );
  out.family('tollgate_question_time_to_answer_seconds', 'Asked to answered, nearest-rank quantiles.', [
    [{ quantile: '0.5' }, seconds(questions.time_to_answer_ms.p50)],
    [{ quantile: '0.9' }, seconds(questions.time_to_answer_ms.p90)],
  ]);
  out.family('tollgate_standing_approvals_granted', 'Standing approvals granted in the window.', [[{}, standing.granted]]);
  out.family('tollgate_approvals_saved', 'Actions created in the window that a standing approval approved at once.', [
    [{}, standing.approvals_saved],
  ]);
  const warningCounts = new Map<string, number>();
  for (const w of warnings) warningCounts.set(w.kind, (warningCounts.get(w.kind) ?? 0) + 1);
  for (const r of recommendations) warningCounts.set(r.kind, (warningCounts.get(r.kind) ?? 0) + 1);
  out.family(
    'tollgate_oversight_findings',
    'Warnings and recommendations now, by kind.',
    [...warningCounts].map(([kind, n]) => [{ kind }, n]),
  );
  return out.text();
}
