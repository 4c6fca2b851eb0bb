// Turns parsed YAML documents into one validated policy bundle, reporting every problem found
// across all files. A bundle with any error is never returned: a policy never half-loads.

import { didYouMean } from '../util/did-you-mean.js';
import { emptyRecord, hasKey } from '../util/record.js';
import type { Diagnostic } from '../diagnostics.js';
import { isPlainObject, describeType, Reader } from './reader.js';
import { diagnosticAt } from './origins.js';
import type { SourceDocument } from './source.js';
import type { PolicyBundle } from './types.js';
import {
  readApprovalPolicies,
  readAutonomy,
  readDefaults,
  readEscalation,
  readGroups,
  readNotifications,
  readReview,
} from './validate-blocks.js';
import { readQuestions } from './validate-questions.js';
import { checkDuplicateNames, readRules, type ReadRule } from './validate-rules.js';
import { readWorkflow } from '../workflows/validate-workflow.js';

export const TOP_LEVEL_KEYS = [
  'rules',
  'approval_policies',
  'defaults',
  'autonomy',
  'escalation',
  'groups',
  'notifications',
  'review',
  'workflows',
  'questions',
] as const;
const WORKFLOW_FILE_KEYS = ['workflow', 'description', 'display', 'elicitation', 'standing', 'steps'] as const;
const SINGLE_BLOCKS = ['defaults', 'autonomy', 'escalation', 'notifications', 'review', 'questions'] as const;

export function validateBundle(documents: SourceDocument[], diagnostics: Diagnostic[]): PolicyBundle | undefined {
  const errorsBefore = countErrors(diagnostics);
  const bundle: PolicyBundle = {
    rules: [],
    approval_policies: emptyRecord(),
    defaults: {},
    groups: emptyRecord(),
    workflows: emptyRecord(),
  };
  const rules: ReadRule[] = [];
  const seenBlocks = new Map<string, string>();
  const workflowReaders = new Map<string, Reader>();

  for (const document of documents) {
    const reader = new Reader(document, diagnostics);
    const data = document.data;
    if (!isPlainObject(data)) {
      reader.error([], 'policy.wrong_type', `a policy file must be a map of blocks such as \`rules\`, not ${describeType(data)}`);
      continue;
    }
    if ('workflow' in data) {
      readWorkflowFile(reader, data, bundle, workflowReaders);
      continue;
    }
    if ('tests' in data || 'cases' in data) {
      reader.error([], 'policy.test_file', 'this is a test file, not a policy; run it with `tollgate policy test`', {
        help: 'name test files `*.test.yaml` so that policy folders skip them',
      });
      continue;
    }
    for (const key of Object.keys(data)) {
      if (!(TOP_LEVEL_KEYS as readonly string[]).includes(key)) {
        reader.error([key], 'policy.unknown_key', `unknown top-level key \`${key}\`${didYouMean(key, [...TOP_LEVEL_KEYS, 'workflow'])}`, {
          key: true,
          help: `allowed: ${TOP_LEVEL_KEYS.join(', ')}, or \`workflow\` with \`steps\``,
        });
      }
    }
    for (const block of SINGLE_BLOCKS) {
      if (data[block] === undefined) continue;
      const first = seenBlocks.get(block);
      if (first !== undefined) {
        reader.error([block], 'policy.duplicate_block', `\`${block}\` is defined twice (first in ${first})`, { key: true });
        continue;
      }
      seenBlocks.set(block, document.file);
    }
    if (data.rules !== undefined) rules.push(...readRules(reader, data.rules));
    if (data.approval_policies !== undefined) {
      for (const [environment, policy] of Object.entries(readApprovalPolicies(reader, data.approval_policies))) {
        if (hasKey(bundle.approval_policies, environment)) {
          reader.error(['approval_policies', environment], 'policy.duplicate_block', `environment \`${environment}\` is defined twice`, {
            key: true,
          });
        } else {
          bundle.approval_policies[environment] = policy;
        }
      }
    }
    if (data.defaults !== undefined && seenBlocks.get('defaults') === document.file) bundle.defaults = readDefaults(reader, data.defaults);
    if (data.autonomy !== undefined && seenBlocks.get('autonomy') === document.file) {
      const autonomy = readAutonomy(reader, data.autonomy);
      if (autonomy !== undefined) bundle.autonomy = autonomy;
    }
    if (data.escalation !== undefined && seenBlocks.get('escalation') === document.file) {
      const escalation = readEscalation(reader, data.escalation);
      if (escalation !== undefined) bundle.escalation = escalation;
    }
    if (data.notifications !== undefined && seenBlocks.get('notifications') === document.file) {
      const notifications = readNotifications(reader, data.notifications);
      if (notifications !== undefined) bundle.notifications = notifications;
    }
    if (data.review !== undefined && seenBlocks.get('review') === document.file) {
      const review = readReview(reader, data.review);
      if (review !== undefined) bundle.review = review;
    }
    if (data.questions !== undefined && seenBlocks.get('questions') === document.file) {
      const questions = readQuestions(reader, data.questions);
      if (questions !== undefined) bundle.questions = questions;
    }
    if (data.groups !== undefined) {
      for (const group of readGroups(reader, data.groups)) {
        if (hasKey(bundle.groups, group.name)) {
          reader.error(['groups', group.name], 'policy.duplicate_block', `group \`${group.name}\` is defined twice`, { key: true });
        } else {
          bundle.groups[group.name] = group;
        }
      }
    }
    if (data.workflows !== undefined) readWorkflowsBlock(reader, data.workflows, bundle, workflowReaders);
  }

  // Reported only for an otherwise clean bundle: a misspelt block already explains the emptiness.
  if (countErrors(diagnostics) === 0 && isEmpty(bundle, rules.length)) {
    diagnostics.push({
      code: 'policy.empty',
      message: 'the policy decides nothing: it has no rules, approval_policies or defaults, so every action would be allowed',
      severity: 'error',
      ...(documents[0] === undefined ? {} : { file: documents[0].file, line: 1, column: 1 }),
      help: 'add `defaults: { decision: ALLOW }` if allowing everything is really meant',
    });
  }
  checkDuplicateNames(rules);
  rules.forEach((entry, index) => {
    entry.rule.index = index;
    bundle.rules.push(entry.rule);
  });
  checkReferences(bundle, rules, diagnostics);
  return countErrors(diagnostics) > errorsBefore ? undefined : bundle;
}

function isEmpty(bundle: PolicyBundle, rules: number): boolean {
  const blocks = [bundle.approval_policies, bundle.workflows, bundle.groups, bundle.defaults].map((block) => Object.keys(block).length);
  return (
    rules === 0 &&
    blocks.every((count) => count === 0) &&
    [bundle.autonomy, bundle.escalation, bundle.notifications, bundle.review].every((block) => block === undefined)
  );
}

function countErrors(diagnostics: Diagnostic[]): number {
  return diagnostics.filter((diagnostic) => diagnostic.severity === 'error').length;
}

function readWorkflowFile(reader: Reader, data: Record<string, unknown>, bundle: PolicyBundle, readers: Map<string, Reader>): void {
  const record = reader.object(data, [], WORKFLOW_FILE_KEYS, 'a workflow file');
  if (record === undefined) return;
  const name = reader.string(record.workflow, ['workflow'], 'the workflow name');
  if (name === undefined) return;
  addWorkflow(reader, name, record, [], bundle, readers);
}

function readWorkflowsBlock(reader: Reader, value: unknown, bundle: PolicyBundle, readers: Map<string, Reader>): void {
  if (!isPlainObject(value)) {
    reader.error(
      ['workflows'],
      'policy.wrong_type',
      `\`workflows\` must be a map of workflow names to definitions, not ${describeType(value)}`,
    );
    return;
  }
  for (const [name, raw] of Object.entries(value)) {
    const record = reader.object(
      raw,
      ['workflows', name],
      ['description', 'display', 'elicitation', 'standing', 'steps'],
      `workflow \`${name}\``,
    );
    if (record !== undefined) addWorkflow(reader, name, record, ['workflows', name], bundle, readers);
  }
}

function addWorkflow(
  reader: Reader,
  name: string,
  record: Record<string, unknown>,
  root: (string | number)[],
  bundle: PolicyBundle,
  readers: Map<string, Reader>,
): void {
  if (hasKey(bundle.workflows, name)) {
    reader.error(
      root.length === 0 ? ['workflow'] : root,
      'policy.duplicate_workflow',
      `workflow \`${name}\` is defined twice (first in ${readers.get(name)?.file})`,
    );
    return;
  }
  const workflow = readWorkflow(reader, name, record, root);
  if (workflow === undefined) return;
  bundle.workflows[name] = workflow;
  readers.set(name, reader);
}

/** References between blocks: workflows named by rules, autonomy needed by risk-only rules. */
function checkReferences(bundle: PolicyBundle, rules: ReadRule[], diagnostics: Diagnostic[]): void {
  const workflowNames = Object.keys(bundle.workflows);
  for (const { rule, reader, path } of rules) {
    if (rule.workflow !== undefined && !hasKey(bundle.workflows, rule.workflow)) {
      reader.error(
        [...path, 'workflow'],
        'policy.unknown_workflow',
        `rule \`${rule.name}\` names unknown workflow \`${rule.workflow}\`${didYouMean(rule.workflow, workflowNames)}`,
      );
    }
    if (rule.risk !== undefined && rule.decision === undefined && bundle.autonomy === undefined) {
      reader.error(
        [...path, 'risk'],
        'policy.missing_autonomy',
        `rule \`${rule.name}\` decides by \`risk\` alone, which needs an \`autonomy\` table; add one or give the rule a \`decision\``,
      );
    }
  }
  for (const [environment, policy] of Object.entries(bundle.approval_policies)) {
    if (policy.workflow !== undefined && !hasKey(bundle.workflows, policy.workflow)) {
      const message = `environment \`${environment}\` names unknown workflow \`${policy.workflow}\`${didYouMean(policy.workflow, workflowNames)}`;
      diagnostics.push(diagnosticAt(policy, 'error', 'policy.unknown_workflow', message, 'workflow'));
    }
    for (const exception of policy.exceptions) {
      if (exception.workflow !== undefined && !hasKey(bundle.workflows, exception.workflow)) {
        const message = `an exception of \`${environment}\` names unknown workflow \`${exception.workflow}\`${didYouMean(exception.workflow, workflowNames)}`;
        diagnostics.push(diagnosticAt(exception, 'error', 'policy.unknown_workflow', message, 'workflow'));
      }
    }
  }
  const defaultWorkflow = bundle.defaults.workflow;
  if (defaultWorkflow !== undefined && !hasKey(bundle.workflows, defaultWorkflow)) {
    const message = `\`defaults\` names unknown workflow \`${defaultWorkflow}\`${didYouMean(defaultWorkflow, workflowNames)}`;
    diagnostics.push(diagnosticAt(bundle.defaults, 'error', 'policy.unknown_workflow', message, 'workflow'));
  }
}
