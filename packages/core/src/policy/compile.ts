// Compiles a validated bundle into closures and index maps, once, so that evaluation does no
// parsing and visits only rules that can match the action's type, capability or environment.

import { compileCel, type CelProgram } from '../cel/index.js';
import type { Decision } from '../decision.js';
import { normalizeText, skeleton } from '../util/text.js';
import { compileCondition, describeCondition, type CompiledCondition } from './operators.js';
import { compileGetter, isInheritedName, type Getter } from './paths.js';
import type { ApprovalRoute, Condition, EnvironmentException, PolicyBundle, RuleSpec, StandingBound } from './types.js';

export interface CompiledRule {
  spec: RuleSpec;
  name: string;
  index: number;
  /** Every condition of `match`, for the explanation. */
  match: CompiledCondition[];
  /** The conditions still to test when the rule is found through its index entry. */
  tests: CompiledCondition[];
  unless: CompiledCondition[] | undefined;
  condition: CelProgram | undefined;
  reason: string;
  route: (ApprovalRoute & { source: string }) | undefined;
}

export interface CompiledException {
  spec: EnvironmentException;
  name: string;
  actions: Set<string>;
  condition: CelProgram | undefined;
  reason: string;
  route: (ApprovalRoute & { source: string }) | undefined;
}

export interface CompiledEnvironment {
  name: string;
  default: Decision | undefined;
  exceptions: CompiledException[];
  route: (ApprovalRoute & { source: string }) | undefined;
}

export interface CompiledBundle {
  bundle: PolicyBundle;
  version: string;
  byActionType: Map<string, CompiledRule[]>;
  byCapability: Map<string, CompiledRule[]>;
  byEnvironment: Map<string, CompiledRule[]>;
  unindexed: CompiledRule[];
  /** Names of the rules each index holds, to report them when the action lacks that field. */
  indexedNames: Record<(typeof INDEX_FIELDS)[number], string[]>;
  environments: Map<string, CompiledEnvironment>;
  defaultDecision: Decision;
  defaultRoute: (ApprovalRoute & { source: string }) | undefined;
  /** What the look-alike trigger checks: the fields compared with literals, and those literals. */
  text: LookAlikeTargets;
}

export interface LookAlikeTargets {
  /**
   * Every field a string comparison reads, top-level names apart (read directly, as this scan runs
   * for every decision): an action with none of them foreign is used as sent.
   */
  compared: { top: string[]; nested: Getter[] };
  /** The fields compared with literals by name (a subset): where look-alikes are searched. */
  fields: { path: string; get: Getter }[];
  /** The policy's string literals by their skeleton (look-alike letters replaced by ASCII ones). */
  literals: Map<string, string>;
}

/** Operators whose operand names a value (an identifier, not free text): look-alikes matter there. */
const NAMING_OPERATORS = new Set(['eq', 'ne', 'in', 'not_in', 'prefix', 'glob']);
/** Operators that compare strings, and so see the normalized form. */
const STRING_OPERATORS = new Set([...NAMING_OPERATORS, 'contains', 'matches']);

/** The dimensions rules are indexed by, most selective first. */
const INDEX_FIELDS = ['action_type', 'capability', 'environment'] as const;

export function compileBundle(bundle: PolicyBundle, version: string): CompiledBundle {
  const compiled: CompiledBundle = {
    bundle,
    version,
    byActionType: new Map(),
    byCapability: new Map(),
    byEnvironment: new Map(),
    unindexed: [],
    indexedNames: { action_type: [], capability: [], environment: [] },
    environments: new Map(),
    defaultDecision: bundle.defaults.decision ?? 'ALLOW',
    defaultRoute: routeOf(bundle.defaults, 'defaults', bundle),
    text: lookAlikeTargets(bundle),
  };
  const indexes = { action_type: compiled.byActionType, capability: compiled.byCapability, environment: compiled.byEnvironment };
  for (const spec of bundle.rules) {
    const key = indexKey(spec.match);
    const rule = compileRule(spec, key?.condition, bundle);
    if (key === undefined) {
      compiled.unindexed.push(rule);
      continue;
    }
    const index = indexes[key.field];
    compiled.indexedNames[key.field].push(spec.name);
    for (const raw of key.values) {
      const value = normalizeText(raw);
      const list = index.get(value);
      if (list === undefined) index.set(value, [rule]);
      else list.push(rule);
    }
  }
  for (const [name, environment] of Object.entries(bundle.approval_policies)) {
    compiled.environments.set(normalizeText(name), {
      name,
      default: environment.default,
      route: routeOf(environment, `approval_policies.${name}`, bundle),
      exceptions: environment.exceptions.map((spec, index) => compileException(name, spec, index, bundle)),
    });
  }
  return compiled;
}

function compileRule(spec: RuleSpec, indexed: Condition | undefined, bundle: PolicyBundle): CompiledRule {
  const match = spec.match.map(compileCondition);
  return {
    spec,
    name: spec.name,
    index: spec.index,
    match,
    // Finding the rule under the action's value already proved its index condition.
    tests: indexed === undefined ? match : match.filter((_, position) => spec.match[position] !== indexed),
    unless: spec.unless?.map(compileCondition),
    condition: spec.condition === undefined ? undefined : celProgram(spec.condition),
    reason: spec.reason ?? describeRule(spec),
    route: routeOf(spec, spec.name, bundle),
  };
}

function compileException(environment: string, spec: EnvironmentException, index: number, bundle: PolicyBundle): CompiledException {
  const name = `approval_policies.${environment}.exceptions[${index}]`;
  const condition = spec.condition === undefined ? '' : ` when ${spec.condition}`;
  return {
    spec,
    name,
    actions: new Set(spec.action.map(normalizeText)),
    condition: spec.condition === undefined ? undefined : celProgram(spec.condition),
    reason: spec.reason ?? `${spec.action.map((action) => `\`${action}\``).join(', ')} in ${environment}${condition} is ${spec.decision}`,
    route: routeOf(spec, name, bundle),
  };
}

function lookAlikeTargets(bundle: PolicyBundle): LookAlikeTargets {
  const paths = new Set<string>(['action_type', 'capability', 'environment']);
  const compared = new Set<string>(paths);
  const literals = new Map<string, string>();
  const literal = (value: unknown): void => {
    if (typeof value === 'string' && value !== '') literals.set(skeleton(normalizeText(value)), value);
  };
  for (const rule of bundle.rules) {
    for (const condition of [...rule.match, ...(rule.unless ?? [])]) {
      if (STRING_OPERATORS.has(condition.op)) compared.add(condition.path);
      if (!NAMING_OPERATORS.has(condition.op)) continue;
      paths.add(condition.path);
      if (Array.isArray(condition.value)) condition.value.forEach(literal);
      else literal(condition.value);
    }
  }
  for (const [name, environment] of Object.entries(bundle.approval_policies)) {
    literal(name);
    for (const exception of environment.exceptions) exception.action.forEach(literal);
  }
  const getters = (set: Set<string>): LookAlikeTargets['fields'] => [...set].map((path) => ({ path, get: compileGetter(path) }));
  // The index fields are read by every decision anyway, and checked there.
  const indexed = new Set(['action_type', 'action', 'capability', 'environment']);
  const top = [...compared].filter((path) => !path.includes('.') && !isInheritedName(path) && !indexed.has(path));
  const nested = [...compared].filter((path) => path.includes('.') || isInheritedName(path)).map(compileGetter);
  return { compared: { top, nested }, fields: getters(paths), literals };
}

function celProgram(source: string): CelProgram {
  const compiled = compileCel(source);
  // Validation compiled the same text already, so a failure here is a bug, not bad input.
  if (!compiled.ok) throw new Error(`condition \`${source}\` failed to compile after validation`);
  return compiled.program;
}

function routeOf(spec: ApprovalRoute, source: string, bundle: PolicyBundle): (ApprovalRoute & { source: string }) | undefined {
  const route: ApprovalRoute & { source: string } = { source };
  if (spec.workflow !== undefined) route.workflow = spec.workflow;
  if (spec.approvers !== undefined) route.approvers = spec.approvers;
  if (spec.require !== undefined) route.require = spec.require;
  if (spec.criteria !== undefined) route.criteria = spec.criteria;
  if (spec.modifiable !== undefined) route.modifiable = spec.modifiable;
  // The decision carries the whole display list (the entry's, its workflow's, the defaults'), so a
  // request shows what the policy named when it was decided, whatever the policy says later.
  // Without a route of its own the entry falls back to the defaults' route, display list included.
  const workflow = spec.workflow === undefined ? undefined : bundle.workflows[spec.workflow];
  const own = [...(spec.display ?? []), ...(workflow?.display ?? [])];
  // Whether the client's user may answer: the entry's word, else its workflow's, else the defaults'.
  const ownElicitation = spec.elicitation ?? workflow?.elicitation;
  if (own.length === 0 && ownElicitation === undefined && spec.standing === undefined && Object.keys(route).length === 1) return undefined;
  const display = new Set([...own, ...(bundle.defaults.display ?? [])]);
  if (display.size > 0) route.display = [...display];
  const elicitation = ownElicitation ?? bundle.defaults.elicitation;
  if (elicitation !== undefined) route.elicitation = elicitation;
  const standing = standingOf(spec, bundle);
  if (standing !== undefined) route.standing = standing;
  return route;
}

/**
 * The entry and its workflow both bound a standing approval (the tighter wins, `false` over any
 * limit); the defaults' bound applies only when neither says anything, so a rule can forbid one.
 */
function standingOf(spec: ApprovalRoute, bundle: PolicyBundle): StandingBound | false | undefined {
  const workflow = spec.workflow === undefined ? undefined : bundle.workflows[spec.workflow]?.standing;
  const own = [spec.standing, workflow].filter((bound) => bound !== undefined);
  if (own.length === 0) return bundle.defaults.standing;
  if (own.includes(false)) return false;
  const bounds = own as StandingBound[];
  const tightest = (key: keyof StandingBound): number | undefined => {
    const limits = bounds.map((bound) => bound[key]).filter((limit) => limit !== undefined);
    return limits.length === 0 ? undefined : Math.min(...limits);
  };
  const maxFor = tightest('max_for');
  const maxUses = tightest('max_uses');
  return { ...(maxFor === undefined ? {} : { max_for: maxFor }), ...(maxUses === undefined ? {} : { max_uses: maxUses }) };
}

/** The field and values a rule can be found under, when its match pins one of them down. */
function indexKey(match: Condition[]): { field: (typeof INDEX_FIELDS)[number]; values: string[]; condition: Condition } | undefined {
  for (const field of INDEX_FIELDS) {
    for (const condition of match) {
      if (condition.path !== field) continue;
      if (condition.op === 'eq' && typeof condition.value === 'string') return { field, values: [condition.value], condition };
      if (condition.op === 'in' && (condition.value as unknown[]).every((value) => typeof value === 'string')) {
        return { field, values: [...new Set(condition.value as string[])], condition };
      }
    }
  }
  return undefined;
}

function describeRule(spec: RuleSpec): string {
  const parts = spec.match.map(describeCondition);
  if (spec.condition !== undefined) parts.push(spec.condition);
  const when = parts.length === 0 ? 'always' : parts.join(' and ');
  return `${when} (rule \`${spec.name}\`)`;
}
