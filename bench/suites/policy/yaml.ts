// Writes a benchmark policy as Tollgate YAML: the guide's safety policy verbatim, then the rest.
import { baseRules, type Condition, type Rule } from './rules.js';

const guideSafetyPolicy = `rules:
  - name: production-approval
    match:
      environment: production
      action_type: [deploy, scale, delete]
    decision: REQUIRE_APPROVAL
  - name: large-transactions
    match:
      capability: payment
      amount_usd: { gt: 10000 }
    decision: REQUIRE_APPROVAL
  - name: bulk-operations
    match:
      affected_records: { gt: 1000 }
    decision: REQUIRE_APPROVAL
`;

const list = (values: string[]): string => `[${values.join(', ')}]`;

function matchEntry(c: Condition): string {
  switch (c.op) {
    case 'eq':
      return `${c.field}: ${c.value}`;
    case 'one_of':
      return `${c.field}: ${list(c.values)}`;
    case 'in':
      return `${c.field}: { in: ${list(c.values)} }`;
    case 'gt':
    case 'lt':
      return `${c.field}: { ${c.op}: ${c.value} }`;
  }
}

function ruleYaml(rule: Rule): string {
  const match = rule.match.map((c) => `      ${matchEntry(c)}\n`).join('');
  return `  - name: ${rule.name}\n    match:\n${match}    decision: ${rule.decision}\n`;
}

export function policyYaml(rules: Rule[]): string {
  const guideRules = baseRules.slice(0, 3);
  const sameStart = guideRules.every((r, i) => rules[i] === r);
  if (!sameStart) throw new Error('benchmark policies must start with the guide safety rules');
  return guideSafetyPolicy + rules.slice(guideRules.length).map(ruleYaml).join('');
}
