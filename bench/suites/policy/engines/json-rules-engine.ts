// json-rules-engine: one engine rule per policy rule, its decision carried in the event params;
// the decision is the strictest among the events a run fires.
import { Engine as RulesEngine, type NestedCondition, type RuleProperties } from 'json-rules-engine';
import type { Engine } from '../engine.js';
import { strictness, type Action, type Condition, type Decision, type Rule } from '../rules.js';

function engineCondition(c: Condition): NestedCondition {
  switch (c.op) {
    case 'eq':
      return { fact: c.field, operator: 'equal', value: c.value };
    case 'one_of':
    case 'in':
      return { fact: c.field, operator: 'in', value: c.values };
    case 'gt':
      return { fact: c.field, operator: 'greaterThan', value: c.value };
    case 'lt':
      return { fact: c.field, operator: 'lessThan', value: c.value };
  }
}

export function engineRule(rule: Rule): RuleProperties {
  return {
    name: rule.name,
    conditions: { all: rule.match.map(engineCondition) },
    event: { type: 'decision', params: { rule: rule.name, decision: rule.decision } },
  };
}

export const jsonRulesEngine: Engine = {
  name: 'json-rules-engine',
  build({ rules }) {
    // A missing attribute is an undefined fact, which fails its comparison instead of throwing.
    const engine = new RulesEngine([], { allowUndefinedFacts: true });
    for (const rule of rules) engine.addRule(engineRule(rule));
    return {
      kind: 'async',
      async decide(a: Action): Promise<Decision> {
        const { events } = await engine.run(a);
        let decision: Decision = 'ALLOW';
        for (const event of events) {
          const d = (event.params?.decision as Decision | undefined) ?? 'DENY';
          if (strictness[d] > strictness[decision]) decision = d;
        }
        return decision;
      },
    };
  },
};
