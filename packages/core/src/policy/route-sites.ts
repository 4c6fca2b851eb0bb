// Every place in a bundle that names who decides: rules, environments and their exceptions,
// defaults and workflow approval steps. Lint checks them; the server asks which groups they name.

import type { ApprovalRoute, PolicyBundle } from './types.js';

export interface RouteSite {
  spec: object;
  route: ApprovalRoute & { escalate_to?: string[] };
  where: string;
  /** Where `approvers` sits below the spec. */
  key: (string | number)[];
}

export function routeSites(bundle: PolicyBundle): RouteSite[] {
  const found: RouteSite[] = [];
  for (const rule of bundle.rules) found.push({ spec: rule, route: rule, where: `rule \`${rule.name}\``, key: ['approvers'] });
  for (const [name, environment] of Object.entries(bundle.approval_policies)) {
    found.push({ spec: environment, route: environment, where: `environment \`${name}\``, key: ['approvers'] });
    environment.exceptions.forEach((exception, index) =>
      found.push({ spec: exception, route: exception, where: `exception ${index} of \`${name}\``, key: ['approvers'] }),
    );
  }
  found.push({ spec: bundle.defaults, route: bundle.defaults, where: '`defaults`', key: ['approvers'] });
  for (const workflow of Object.values(bundle.workflows)) {
    for (const step of workflow.steps) {
      if (step.type === 'approval')
        found.push({ spec: step, route: step.config, where: `step \`${step.id}\` of \`${workflow.name}\``, key: ['config', 'approvers'] });
    }
  }
  return found;
}

/**
 * The names a bundle gives as deciders — approvers, escalation targets and reviewers, each once, in
 * the order they first appear: groups of the bundle, groups of the user directory or people.
 */
export function namedDeciders(bundle: PolicyBundle): string[] {
  const names = routeSites(bundle).flatMap(({ route }) => [...(route.approvers ?? []), ...(route.escalate_to ?? [])]);
  return [...new Set([...names, ...(bundle.review?.reviewers ?? [])])];
}
