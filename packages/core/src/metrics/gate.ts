// Which gate a decision went through: the rule (or environment entry, escalation trigger,
// default) whose contribution decided it. Metrics and simulations group decisions by it.

import type { PolicyDecision } from '../policy/result.js';

/** The first contribution that gave the final decision; the route's source, else `default`. */
export function gateOf(evaluation: Pick<PolicyDecision, 'decision' | 'reasons' | 'route'>): string {
  for (const reason of evaluation.reasons) if (reason.decision === evaluation.decision) return reason.name;
  return evaluation.route?.source ?? 'default';
}

/** Who an approval would go to: its workflow, else its approver groups, else the default group. */
export function approvalGroupOf(evaluation: Pick<PolicyDecision, 'decision' | 'route'>): string | null {
  if (evaluation.decision !== 'REQUIRE_APPROVAL') return null;
  const route = evaluation.route;
  if (route?.workflow !== undefined) return `workflow:${route.workflow}`;
  if (route?.approvers !== undefined && route.approvers.length > 0) return route.approvers.join('+');
  return 'default';
}
