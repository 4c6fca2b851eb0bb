// Checks workflow definitions: the guide's `workflow:` + `steps:` files (and `workflows:` blocks),
// their step types and configs, and that `depends_on` forms a DAG of known steps.

import { didYouMean } from '../util/did-you-mean.js';
import { describeType, type Reader } from '../policy/reader.js';
import type { DataPath } from '../policy/source.js';
import { TIMEOUT_ACTIONS } from '../policy/validate-blocks.js';
import { readCriteria, readDisplay, readElicitation, readModifiable, readStandingBound } from '../policy/validate-route.js';
import type { ApprovalStepConfig, WorkerStepConfig, WorkflowSpec, WorkflowStep } from '../policy/types.js';
import { isPlainObject } from '../policy/reader.js';
import { recordOrigin } from '../policy/origins.js';

const STEP_KEYS = ['id', 'name', 'description', 'type', 'depends_on', 'config'] as const;
const WORKER_KEYS = ['capability', 'timeout', 'input'] as const;
const APPROVAL_KEYS = [
  'approvers',
  'require',
  'timeout',
  'on_timeout',
  'escalate_to',
  'remind_before',
  'distinct_from',
  'criteria',
  'modifiable',
] as const;

/** Reads one workflow whose `steps` list is at `root + ['steps']`. */
export function readWorkflow(reader: Reader, name: string, record: Record<string, unknown>, root: DataPath): WorkflowSpec | undefined {
  const stepsPath = [...root, 'steps'];
  if (record.steps === undefined) {
    reader.error(root, 'policy.missing_field', `workflow \`${name}\` needs \`steps\``);
    return undefined;
  }
  if (!Array.isArray(record.steps) || record.steps.length === 0) {
    reader.error(
      stepsPath,
      'policy.wrong_type',
      `the steps of workflow \`${name}\` must be a non-empty list, not ${describeType(record.steps)}`,
    );
    return undefined;
  }
  const steps: WorkflowStep[] = [];
  const stepPaths = new Map<string, DataPath>();
  let ok = true;
  record.steps.forEach((raw, index) => {
    const path = [...stepsPath, index];
    const step = readStep(reader, raw, path);
    if (step === undefined) {
      ok = false;
      return;
    }
    if (stepPaths.has(step.id)) {
      reader.error([...path, 'id'], 'policy.duplicate_step', `step id \`${step.id}\` is used twice in workflow \`${name}\``);
      ok = false;
      return;
    }
    stepPaths.set(step.id, path);
    recordOrigin(step, reader.source, path);
    steps.push(step);
  });
  if (!ok) return undefined;

  const ids = [...stepPaths.keys()];
  for (const step of steps) {
    const path = stepPaths.get(step.id)!;
    const references: [string, string[]][] = [['depends_on', step.depends_on]];
    if (step.type === 'approval') references.push(['distinct_from', step.config.distinct_from]);
    for (const [key, targets] of references) {
      targets.forEach((target, index) => {
        const at = key === 'depends_on' ? [...path, key, index] : [...path, 'config', key, index];
        if (!stepPaths.has(target)) {
          reader.error(at, 'policy.unknown_step', `step \`${step.id}\` refers to unknown step \`${target}\`${didYouMean(target, ids)}`);
          ok = false;
        } else if (target === step.id) {
          reader.error(at, 'policy.workflow_cycle', `step \`${step.id}\` depends on itself`);
          ok = false;
        }
      });
    }
  }
  if (!ok) return undefined;
  const cycle = findCycle(steps);
  if (cycle !== undefined) {
    reader.error(
      [...stepPaths.get(cycle[0]!)!, 'depends_on'],
      'policy.workflow_cycle',
      `workflow \`${name}\` has a cycle: ${cycle.map((id) => `\`${id}\``).join(' → ')}`,
    );
    return undefined;
  }
  const description =
    record.description === undefined ? undefined : reader.string(record.description, [...root, 'description'], '`description`');
  if (record.description !== undefined && description === undefined) return undefined;
  const display = record.display === undefined ? undefined : readDisplay(reader, record.display, [...root, 'display']);
  if (record.display !== undefined && display === undefined) return undefined;
  const elicitation = record.elicitation === undefined ? undefined : readElicitation(reader, record.elicitation, [...root, 'elicitation']);
  if (record.elicitation !== undefined && elicitation === undefined) return undefined;
  const standing = record.standing === undefined ? undefined : readStandingBound(reader, record.standing, [...root, 'standing']);
  if (record.standing !== undefined && standing === undefined) return undefined;
  const workflow: WorkflowSpec = {
    name,
    steps,
    file: reader.file,
    ...(description === undefined ? {} : { description }),
    ...(display === undefined ? {} : { display }),
    ...(elicitation === undefined ? {} : { elicitation }),
    ...(standing === undefined ? {} : { standing }),
  };
  recordOrigin(workflow, reader.source, root);
  return workflow;
}

function readStep(reader: Reader, raw: unknown, path: DataPath): WorkflowStep | undefined {
  const record = reader.object(raw, path, STEP_KEYS, 'a workflow step');
  if (record === undefined) return undefined;
  if (!reader.required(record, 'id', path, 'a workflow step') || !reader.required(record, 'type', path, 'a workflow step'))
    return undefined;
  const id = reader.string(record.id, [...path, 'id'], 'a step id');
  const type = reader.oneOf(record.type, [...path, 'type'], ['worker', 'approval'] as const, 'step type');
  const depends_on = record.depends_on === undefined ? [] : reader.stringList(record.depends_on, [...path, 'depends_on'], '`depends_on`');
  if (id === undefined || type === undefined || depends_on === undefined) return undefined;
  const name = record.name === undefined ? undefined : reader.string(record.name, [...path, 'name'], 'a step name');
  if (record.name !== undefined && name === undefined) return undefined;
  if (record.description !== undefined && reader.string(record.description, [...path, 'description'], '`description`') === undefined)
    return undefined;
  const configPath = [...path, 'config'];
  if (record.config === undefined) {
    reader.error(path, 'policy.missing_field', `step \`${id}\` needs a \`config\``);
    return undefined;
  }
  if (type === 'worker') {
    const config = readWorkerConfig(reader, record.config, configPath, id);
    return config === undefined ? undefined : { id, type, depends_on, config, ...(name === undefined ? {} : { name }) };
  }
  const config = readApprovalConfig(reader, record.config, configPath, id);
  return config === undefined ? undefined : { id, type, depends_on, config, ...(name === undefined ? {} : { name }) };
}

function readWorkerConfig(reader: Reader, raw: unknown, path: DataPath, id: string): WorkerStepConfig | undefined {
  const record = reader.object(raw, path, WORKER_KEYS, `the config of worker step \`${id}\``);
  if (record === undefined) return undefined;
  if (!reader.required(record, 'capability', path, `worker step \`${id}\``)) return undefined;
  const capability = reader.string(record.capability, [...path, 'capability'], '`capability`');
  if (capability === undefined) return undefined;
  const config: WorkerStepConfig = { capability };
  if (record.timeout !== undefined) {
    const timeout = reader.duration(record.timeout, [...path, 'timeout'], '`timeout`');
    if (timeout === undefined) return undefined;
    config.timeout = timeout;
  }
  if (record.input !== undefined) {
    if (!isPlainObject(record.input)) {
      reader.error([...path, 'input'], 'policy.wrong_type', `\`input\` must be a map, not ${describeType(record.input)}`);
      return undefined;
    }
    config.input = record.input;
  }
  return config;
}

function readApprovalConfig(reader: Reader, raw: unknown, path: DataPath, id: string): ApprovalStepConfig | undefined {
  const record = reader.object(raw, path, APPROVAL_KEYS, `the config of approval step \`${id}\``);
  if (record === undefined) return undefined;
  if (!reader.required(record, 'approvers', path, `approval step \`${id}\``)) return undefined;
  let ok = true;
  const approvers = reader.stringList(record.approvers, [...path, 'approvers'], '`approvers`');
  const config: ApprovalStepConfig = { approvers: approvers ?? [], require: 1, distinct_from: [] };
  if (approvers === undefined) ok = false;
  if (record.require !== undefined) {
    const require = reader.number(record.require, [...path, 'require'], '`require`', { min: 1, max: 100, integer: true });
    if (require === undefined) ok = false;
    else config.require = require;
  }
  if (record.timeout !== undefined) {
    const timeout = reader.duration(record.timeout, [...path, 'timeout'], '`timeout`');
    if (timeout === undefined) ok = false;
    else config.timeout = timeout;
  }
  if (record.on_timeout !== undefined) {
    const action = reader.oneOf(record.on_timeout, [...path, 'on_timeout'], TIMEOUT_ACTIONS, '`on_timeout` action');
    if (action === undefined) ok = false;
    else config.on_timeout = action;
    if (record.timeout === undefined) {
      reader.error([...path, 'on_timeout'], 'policy.missing_field', `step \`${id}\` sets \`on_timeout\` but no \`timeout\``);
      ok = false;
    }
  }
  if (record.escalate_to !== undefined) {
    const groups = reader.stringList(record.escalate_to, [...path, 'escalate_to'], '`escalate_to`');
    if (groups === undefined) ok = false;
    else config.escalate_to = groups;
  }
  if (record.remind_before !== undefined) {
    const remind = reader.duration(record.remind_before, [...path, 'remind_before'], '`remind_before`');
    if (remind === undefined) ok = false;
    else config.remind_before = remind;
  }
  if (record.distinct_from !== undefined) {
    const steps = reader.stringList(record.distinct_from, [...path, 'distinct_from'], '`distinct_from`');
    if (steps === undefined) ok = false;
    else config.distinct_from = steps;
  }
  if (record.criteria !== undefined) {
    const criteria = readCriteria(reader, record.criteria, [...path, 'criteria']);
    if (criteria === undefined) ok = false;
    else config.criteria = criteria;
  }
  if (record.modifiable !== undefined) {
    const modifiable = readModifiable(reader, record.modifiable, [...path, 'modifiable']);
    if (modifiable === undefined) ok = false;
    else config.modifiable = modifiable;
  }
  return ok ? config : undefined;
}

/** The first cycle found among `depends_on` edges, as step ids ending where it began. */
export function findCycle(steps: WorkflowStep[]): string[] | undefined {
  const edges = new Map(steps.map((step) => [step.id, step.depends_on]));
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (id: string): string[] | undefined => {
    if (state.get(id) === 'done') return undefined;
    if (state.get(id) === 'visiting') return [...stack.slice(stack.indexOf(id)), id];
    state.set(id, 'visiting');
    stack.push(id);
    for (const next of edges.get(id) ?? []) {
      const cycle = visit(next);
      if (cycle !== undefined) return cycle;
    }
    stack.pop();
    state.set(id, 'done');
    return undefined;
  };
  for (const step of steps) {
    const cycle = visit(step.id);
    if (cycle !== undefined) return cycle;
  }
  return undefined;
}
