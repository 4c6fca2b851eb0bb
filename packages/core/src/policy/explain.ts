// Renders a decision's explanation as text for people: the CLI, test failures, messages.

import type { Fact, PolicyDecision } from './result.js';

function show(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export function describeFact(fact: Fact): string {
  const actual = 'actual' in fact ? show(fact.actual) : 'missing';
  if (fact.op === 'cel') return `condition \`${show(fact.expected)}\` held`;
  return `${fact.path} ${fact.op} ${show(fact.expected)} (found ${actual})`;
}

export function explainDecision(result: PolicyDecision): string {
  const lines = [`decision: ${result.decision}${result.risk === null ? '' : ` (risk ${result.risk})`}`];
  for (const reason of result.reasons) {
    lines.push(`  ${reason.kind} ${reason.name} → ${reason.decision}: ${reason.reason}`);
    if (reason.autonomy !== undefined) {
      lines.push(`    autonomy level ${reason.autonomy.level} at risk ${reason.autonomy.risk} → ${reason.autonomy.decision}`);
    }
    for (const fact of reason.facts) lines.push(`    - ${describeFact(fact)}`);
  }
  for (const missing of result.missing) lines.push(`  missing: ${missing.path} (needed by ${missing.needed_by})`);
  if (result.route !== undefined) {
    const who =
      result.route.workflow !== undefined ? `workflow ${result.route.workflow}` : `approvers ${(result.route.approvers ?? []).join(', ')}`;
    lines.push(`  route: ${who} (from ${result.route.source})`);
  }
  lines.push(`  policy_version: ${result.policy_version}`);
  return lines.join('\n');
}
