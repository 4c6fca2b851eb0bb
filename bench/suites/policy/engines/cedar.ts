// Cedar (WebAssembly build for Node.js): one policy per rule, annotated with the rule's name and
// decision; the decision is the strictest among the policies Cedar reports as determining.
import { preparsePolicySet, statefulIsAuthorized, type Context } from '@cedar-policy/cedar-wasm/nodejs';
import type { Engine } from '../engine.js';
import { strictness, type Action, type Condition, type Decision, type Rule } from '../rules.js';

const quote = (s: string): string => JSON.stringify(s);

// `has` guards keep a missing attribute from raising an evaluation error, so it just fails the
// test, as in Tollgate.
function cedarCondition(c: Condition): string {
  const attr = `context.${c.field}`;
  const has = `context has ${c.field}`;
  switch (c.op) {
    case 'eq':
      return `${has} && ${attr} == ${quote(c.value)}`;
    case 'one_of':
    case 'in':
      return `${has} && [${c.values.map(quote).join(', ')}].contains(${attr})`;
    case 'gt':
      return `${has} && ${attr} > ${c.value}`;
    case 'lt':
      return `${has} && ${attr} < ${c.value}`;
  }
}

// DENY rules are `forbid`, so Cedar's own forbid-overrides-permit does the strictest-wins step
// for them; the other decisions are permits told apart by their annotation.
export function cedarPolicy(rule: Rule): string {
  const effect = rule.decision === 'DENY' ? 'forbid' : 'permit';
  const when = rule.match.map(cedarCondition).join(' && ');
  return `@rule(${quote(rule.name)})\n@decision(${quote(rule.decision)})\n${effect} (principal, action, resource)\nwhen { ${when} };`;
}

let nextSetId = 0;

export const cedar: Engine = {
  name: 'cedar',
  build({ rules }) {
    // Policy ids are rule names; Cedar reports determining policies by id.
    const decisionById = new Map<string, Decision>(rules.map((r) => [r.name, r.decision]));
    const staticPolicies = Object.fromEntries(rules.map((r) => [r.name, cedarPolicy(r)]));
    const setId = `bench-${nextSetId++}`;
    // Parsed once and cached inside the module: the documented way to authorize repeatedly.
    const parsed = preparsePolicySet(setId, { staticPolicies });
    if (parsed.type !== 'success') throw new Error(`cedar: ${parsed.errors.map((e) => e.message).join('; ')}`);
    const principal = { type: 'Agent', id: 'agent' };
    const resource = { type: 'Resource', id: 'action' };
    const action = { type: 'Action', id: 'propose' };
    return {
      kind: 'sync',
      decide(a: Action): Decision {
        const answer = statefulIsAuthorized({
          principal,
          action,
          resource,
          context: a as Context,
          preparsedPolicySetId: setId,
          entities: [],
        });
        if (answer.type !== 'success') throw new Error(`cedar: ${answer.errors.map((e) => e.message).join('; ')}`);
        let decision: Decision = 'ALLOW';
        for (const id of answer.response.diagnostics.reason) {
          const d = decisionById.get(id) ?? 'DENY';
          if (strictness[d] > strictness[decision]) decision = d;
        }
        return decision;
      },
    };
  },
};
