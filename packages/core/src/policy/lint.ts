// `policy lint`: advice about a policy that is valid but probably not what its author meant,
// and about the guide's anti-patterns (no timeout, single point of failure, unclear criteria).

import { decisionRank } from '../decision.js';
import { hasKey } from '../util/record.js';
import type { Diagnostic } from '../diagnostics.js';
import { contradiction, implies } from './condition-logic.js';
import { loadPolicy, type PolicySource } from './load.js';
import { diagnosticAt } from './origins.js';
import { routeSites } from './route-sites.js';
import type { PolicyBundle, RuleSpec, WorkflowSpec } from './types.js';

/** Validation errors when the policy does not load; otherwise its warnings and lint findings. */
export function lintPolicy(source: PolicySource): Diagnostic[] {
  const loaded = loadPolicy(source, { positions: true });
  if (!loaded.ok) return loaded.diagnostics;
  return [...loaded.diagnostics, ...lintBundle(loaded.policy.bundle)];
}

export function lintBundle(bundle: PolicyBundle): Diagnostic[] {
  const findings: Diagnostic[] = [];
  const warn: Warn = (spec, code, message, key, help) => {
    findings.push(diagnosticAt(spec, 'warning', code, message, key, help));
  };
  checkDefaults(bundle, warn);
  checkRules(bundle.rules, bundle, warn);
  checkExceptions(bundle, warn);
  checkApprovers(bundle, warn);
  for (const workflow of Object.values(bundle.workflows)) checkWorkflow(workflow, bundle, warn);
  return findings;
}

type Warn = (spec: object, code: string, message: string, key?: string | (string | number)[], help?: string) => void;

function checkDefaults(bundle: PolicyBundle, warn: Warn): void {
  if (bundle.defaults.decision === undefined) {
    const outside = Object.keys(bundle.approval_policies).length > 0 ? ' outside the listed environments' : '';
    const message = `no \`defaults.decision\`: actions${outside} that match no rule are allowed`;
    warn(
      bundle.defaults,
      'lint.missing_default',
      message,
      undefined,
      'add `defaults: { decision: REQUIRE_APPROVAL }` to start conservative',
    );
  }
  for (const [name, environment] of Object.entries(bundle.approval_policies)) {
    if (environment.default === undefined) {
      warn(
        environment,
        'lint.missing_default',
        `environment \`${name}\` has no \`default\`; \`defaults.decision\` (${bundle.defaults.decision ?? 'ALLOW'}) applies`,
      );
    }
  }
}

function fixedDecision(rule: RuleSpec, bundle: PolicyBundle): number | undefined {
  if (rule.decision === undefined) return undefined;
  if (rule.risk !== undefined && bundle.autonomy !== undefined) return undefined;
  return decisionRank(rule.decision);
}

function checkRules(rules: RuleSpec[], bundle: PolicyBundle, warn: Warn): void {
  for (const rule of rules) {
    const impossible = contradiction(rule.match);
    if (impossible !== undefined) {
      warn(rule, 'lint.never_fires', `rule \`${rule.name}\` can never fire: ${impossible}`, 'match');
      continue;
    }
    if (rule.unless !== undefined && implies(rule.match, rule.unless)) {
      warn(rule, 'lint.never_fires', `rule \`${rule.name}\` can never fire: its \`unless\` holds whenever its \`match\` does`, 'unless');
      continue;
    }
    const needsPeople = rule.decision === 'REQUIRE_APPROVAL' || (rule.risk !== undefined && bundle.autonomy !== undefined);
    if (needsPeople && rule.workflow === undefined && rule.criteria === undefined) {
      warn(
        rule,
        'lint.missing_criteria',
        `rule \`${rule.name}\` asks for approval without \`criteria\`: approvers are not told what to check`,
        'name',
        'add `criteria:` saying what justifies an approval or a denial',
      );
    }
    checkShadowed(rule, rules, bundle, warn);
  }
}

function checkShadowed(rule: RuleSpec, rules: RuleSpec[], bundle: PolicyBundle, warn: Warn): void {
  const rank = fixedDecision(rule, bundle);
  if (rank === undefined) return;
  for (const other of rules) {
    if (other === rule || other.condition !== undefined || other.unless !== undefined) continue;
    const otherRank = fixedDecision(other, bundle);
    if (otherRank === undefined || otherRank < rank || !implies(rule.match, other.match)) continue;
    // Two rules that imply each other with the same decision: report only the later one.
    if (
      otherRank === rank &&
      other.index > rule.index &&
      implies(other.match, rule.match) &&
      rule.condition === undefined &&
      rule.unless === undefined
    )
      continue;
    warn(
      rule,
      'lint.shadowed_rule',
      `rule \`${rule.name}\` never changes a decision: rule \`${other.name}\` matches whenever it does and decides ${other.decision}`,
      'name',
      'remove it, narrow the other rule, or make this one stricter',
    );
    return;
  }
}

function checkExceptions(bundle: PolicyBundle, warn: Warn): void {
  for (const [name, environment] of Object.entries(bundle.approval_policies)) {
    const covered = new Set<string>();
    environment.exceptions.forEach((exception, index) => {
      if (exception.action.every((action) => covered.has(action))) {
        warn(
          exception,
          'lint.unreachable_exception',
          `exception ${index} of \`${name}\` is unreachable: an earlier exception without a condition already decides ${exception.action.map((a) => `\`${a}\``).join(', ')}`,
        );
      }
      if (exception.condition === undefined) for (const action of exception.action) covered.add(action);
    });
  }
}

function checkApprovers(bundle: PolicyBundle, warn: Warn): void {
  const groups = bundle.groups;
  const groupNames = Object.keys(groups);
  for (const { spec, route, where, key } of routeSites(bundle)) {
    for (const name of [...(route.approvers ?? []), ...(route.escalate_to ?? [])]) {
      if (!hasKey(groups, name)) {
        warn(
          spec,
          'lint.unknown_group',
          `${where} names \`${name}\`, which is no group of this bundle; unless it is a user id or a group of the user directory, nobody can decide`,
          key,
          groupNames.length === 0 ? 'define it under `groups:`' : `groups: ${groupNames.join(', ')}`,
        );
      }
    }
    const approvers = route.approvers ?? [];
    if (approvers.length === 0 || !approvers.every((name) => hasKey(groups, name))) continue;
    const people = new Set(approvers.flatMap((name) => groups[name]!.members));
    const require = route.require ?? 1;
    if (people.size === 1) {
      warn(
        spec,
        'lint.single_approver',
        `${where} can only be decided by \`${[...people][0]}\`: a single point of failure`,
        key,
        'add a second member or a backup group',
      );
    } else if (require > people.size) {
      warn(spec, 'lint.quorum_unreachable', `${where} requires ${require} approvals but only ${people.size} people can approve`, key);
    }
  }
}

function checkWorkflow(workflow: WorkflowSpec, bundle: PolicyBundle, warn: Warn): void {
  const used =
    bundle.rules.some((rule) => rule.workflow === workflow.name) ||
    bundle.defaults.workflow === workflow.name ||
    Object.values(bundle.approval_policies).some(
      (environment) =>
        environment.workflow === workflow.name || environment.exceptions.some((exception) => exception.workflow === workflow.name),
    );
  if (!used) warn(workflow, 'lint.unused_workflow', `workflow \`${workflow.name}\` is not started by any rule, exception or default`);
  for (const step of workflow.steps) {
    if (step.type !== 'approval') continue;
    const { config } = step;
    if (config.timeout === undefined && bundle.defaults.timeout === undefined) {
      warn(
        step,
        'lint.no_timeout',
        `approval step \`${step.id}\` has no \`timeout\`: a request nobody answers waits forever`,
        'config',
        'add `timeout` and `on_timeout`',
      );
    }
    if (config.on_timeout === 'escalate' && config.escalate_to === undefined && bundle.defaults.escalate_to === undefined) {
      warn(
        step,
        'lint.escalate_without_target',
        `step \`${step.id}\` escalates on timeout but names no \`escalate_to\` (and \`defaults.escalate_to\` is unset), so its timeout ends in a denial`,
        'config',
      );
    }
    if (config.criteria === undefined) {
      warn(
        step,
        'lint.missing_criteria',
        `approval step \`${step.id}\` has no \`criteria\`: approvers are not told what to check`,
        'config',
      );
    }
  }
}
