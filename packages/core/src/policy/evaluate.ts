// Decides one action against a compiled bundle (DESIGN §3.3): matching rules over the
// environment baseline, the strictest matching rule wins, safety nets only tighten, and any
// error fails closed to DENY. Never throws.

import { UNKNOWN, type CelProgram } from '../cel/index.js';
import { decisionRank, riskRank, type Decision, type RiskTier } from '../decision.js';
import { canonicalJson } from '../util/canonical-json.js';
import { sampleFraction } from '../util/sample.js';
import { hasInvisible, isForeign, isPlainAscii, mixedScripts, normalizeText, skeleton } from '../util/text.js';
import type { CompiledBundle, CompiledEnvironment, CompiledRule, LookAlikeTargets } from './compile.js';
import { HOLDS, MISSING, type CompiledCondition } from './operators.js';
import type { EvaluateOptions, Fact, MissingFact, PolicyDecision, Reason } from './result.js';
import type { AutonomySpec } from './types.js';

type Action = Record<string, unknown>;

/** Per-evaluation scratch: what was missing and what failed, and the action as CEL sees it. */
interface Scratch {
  action: Action;
  missing: MissingFact[] | null;
  errors: Reason[] | null;
  activation: Action | null;
}

const RANKED: Decision[] = ['ALLOW', 'REVIEW', 'REQUIRE_APPROVAL', 'DENY'];

export function evaluateBundle(compiled: CompiledBundle, input: unknown, options: EvaluateOptions = {}): PolicyDecision {
  try {
    if (input === null || typeof input !== 'object' || Array.isArray(input)) {
      return failClosed(
        compiled,
        'action.invalid',
        `an action must be a JSON object, not ${input === null ? 'null' : Array.isArray(input) ? 'a list' : typeof input}`,
      );
    }
    return decide(compiled, input as Action, options);
  } catch (error) {
    return failClosed(compiled, 'policy.evaluation_error', `evaluation failed: ${String((error as Error)?.message ?? error)}`);
  }
}

function decide(compiled: CompiledBundle, sent: Action, options: EvaluateOptions): PolicyDecision {
  // String comparisons see the normalized form; literals were normalized at compile time. The
  // action as sent stays what CEL, the explanation and sampling see.
  let actionType = sent.action_type ?? sent.action;
  let { capability, environment } = sent;
  const action = normalizedView(compiled.text, sent, actionType, capability, environment);
  if (action !== sent) {
    actionType = action.action_type ?? action.action;
    ({ capability, environment } = action);
  }
  const scratch: Scratch = { action: sent, missing: null, errors: null, activation: null };
  let matched: CompiledRule[] | null = null;
  if (typeof actionType === 'string') matched = collect(compiled.byActionType.get(actionType), action, scratch, matched);
  else if (actionType === undefined) noteIndexedMissing(scratch, 'action_type', compiled.indexedNames.action_type);
  if (typeof capability === 'string') matched = collect(compiled.byCapability.get(capability), action, scratch, matched);
  else if (capability === undefined) noteIndexedMissing(scratch, 'capability', compiled.indexedNames.capability);
  if (typeof environment === 'string') matched = collect(compiled.byEnvironment.get(environment), action, scratch, matched);
  else if (environment === undefined) noteIndexedMissing(scratch, 'environment', compiled.indexedNames.environment);
  matched = collect(compiled.unindexed, action, scratch, matched);

  const autonomy = compiled.bundle.autonomy;
  const level = autonomy === undefined ? null : agentLevel(autonomy, action, options.level);
  let reasons: Reason[];
  let decision: Decision;
  let risk: RiskTier | null = null;
  let route: PolicyDecision['route'];

  if (matched !== null) {
    if (matched.length > 1) matched.sort((a, b) => a.index - b.index);
    reasons = [];
    let rank = -1;
    for (const rule of matched) {
      const reason = ruleReason(rule, sent, autonomy, level);
      reasons.push(reason);
      const contributed = decisionRank(reason.decision);
      if (contributed > rank) {
        rank = contributed;
        route = rule.route;
      } else if (contributed === rank && route === undefined) {
        route = rule.route;
      }
      if (rule.spec.risk !== undefined && (risk === null || riskRank(rule.spec.risk) > riskRank(risk))) risk = rule.spec.risk;
    }
    decision = RANKED[rank]!;
  } else {
    const baseline = baselineReason(compiled, action, actionType, scratch);
    reasons = [baseline.reason];
    decision = baseline.reason.decision;
    route = baseline.route;
  }

  if (scratch.errors !== null) {
    // An error in any test fails closed, whatever else matched.
    reasons.push(...scratch.errors);
    decision = 'DENY';
  }

  if (decisionRank(decision) < decisionRank('REQUIRE_APPROVAL')) {
    // Look-alike text is checked whatever `escalation` says: it is how a rule is dodged, not a signal.
    // Only an action with a foreign string in a compared field was normalized into a copy.
    const lookAlike = action === sent ? null : lookAlikeReasons(compiled.text, sent);
    const triggers = compiled.bundle.escalation === undefined ? null : escalationReasons(compiled, sent, actionType, options);
    if (triggers !== null || lookAlike !== null) {
      if (triggers !== null) reasons.push(...triggers);
      if (lookAlike !== null) reasons.push(...lookAlike);
      decision = 'REQUIRE_APPROVAL';
      route = route ?? compiled.defaultRoute;
    }
  }

  if (decision === 'ALLOW' && autonomy !== undefined && autonomy.audit_sample_rate > 0) {
    // Without an id the action's own content decides, so the same action always samples the same way.
    const id = options.actionId ?? (typeof sent.idempotency_key === 'string' ? sent.idempotency_key : canonicalJson(sent));
    if (sampleFraction(id) < autonomy.audit_sample_rate) {
      decision = 'REVIEW';
      reasons.push({
        kind: 'sampling',
        name: 'autonomy.audit_sample_rate',
        decision: 'REVIEW',
        reason: `sampled for post-execution review (rate ${autonomy.audit_sample_rate})`,
        facts: [],
      });
    }
  }

  const result: PolicyDecision = {
    decision,
    reasons,
    missing: scratch.missing ?? [],
    risk,
    policy_version: compiled.version,
    autonomy_level: level,
  };
  if (decision === 'REQUIRE_APPROVAL') {
    const chosen = route ?? compiled.defaultRoute;
    if (chosen !== undefined) result.route = chosen;
  }
  return result;
}

/** Adds the rules of `rules` that match to `matched`, allocating the list only on a first match. */
function collect(
  rules: CompiledRule[] | undefined,
  action: Action,
  scratch: Scratch,
  matched: CompiledRule[] | null,
): CompiledRule[] | null {
  if (rules === undefined) return matched;
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i]!;
    if (ruleMatches(rule, action, scratch)) (matched ??= []).push(rule);
  }
  return matched;
}

/** Most rules named one by one, so the explanation stays readable for large policies. */
const MAX_NAMED = 10;

/** A field the index is keyed on is missing: every rule indexed on it needed it. */
function noteIndexedMissing(scratch: Scratch, path: string, names: readonly string[]): void {
  for (let i = 0; i < names.length && i < MAX_NAMED; i++) noteMissing(scratch, path, names[i]!);
  if (names.length > MAX_NAMED) noteMissing(scratch, path, `${names.length - MAX_NAMED} more rules`);
}

function noteMissing(scratch: Scratch, path: string, neededBy: string): void {
  (scratch.missing ??= []).push({ path, needed_by: neededBy });
}

/**
 * Whether every condition holds. When some fields are missing and no present field rules the
 * conditions out, all the missing fields are reported: they are what the decision lacked.
 */
function allHold(conditions: CompiledCondition[], action: Action, scratch: Scratch | null, neededBy: string): boolean {
  let missing = false;
  for (let i = 0; i < conditions.length; i++) {
    const result = conditions[i]!.test(action);
    if (result === HOLDS) continue;
    if (result !== MISSING) return false;
    missing = true;
  }
  if (!missing) return true;
  if (scratch !== null) {
    for (const condition of conditions) if (condition.test(action) === MISSING) noteMissing(scratch, condition.path, neededBy);
  }
  return false;
}

function ruleMatches(rule: CompiledRule, action: Action, scratch: Scratch): boolean {
  if (!allHold(rule.tests, action, scratch, rule.name)) return false;
  if (rule.condition !== undefined && celHolds(rule.condition, scratch, rule.name) !== true) return false;
  // A carve-out that cannot be checked (missing facts) is not granted: the rule still applies.
  if (rule.unless !== undefined && allHold(rule.unless, action, scratch, `${rule.name} (unless)`)) return false;
  return true;
}

/** true, false, or undefined when the condition could not be decided (missing facts or an error). */
/** The action with `action` and `action_type` both set when either is, so CEL sees the alias too. */
function activationOf(scratch: Scratch): Action {
  if (scratch.activation !== null) return scratch.activation;
  const { action } = scratch;
  const type = action.action_type ?? action.action;
  scratch.activation =
    type === undefined || (action.action_type !== undefined && action.action !== undefined)
      ? action
      : { ...action, action_type: type, action: type };
  return scratch.activation;
}

function celHolds(program: CelProgram, scratch: Scratch, neededBy: string): boolean | undefined {
  let value: unknown;
  const missing: string[] = [];
  try {
    value = program.evaluate(activationOf(scratch), missing);
  } catch (error) {
    (scratch.errors ??= []).push({
      kind: 'error',
      name: neededBy,
      decision: 'DENY',
      reason: `condition \`${program.source}\` failed: ${String((error as Error).message)}`,
      facts: [{ path: 'condition', op: 'cel', expected: program.source }],
    });
    return undefined;
  }
  if (value === UNKNOWN) {
    // A macro may read the same missing path once per element; report each path once.
    for (const path of new Set(missing)) noteMissing(scratch, path, neededBy);
    return undefined;
  }
  if (typeof value !== 'boolean') {
    (scratch.errors ??= []).push({
      kind: 'error',
      name: neededBy,
      decision: 'DENY',
      reason: `condition \`${program.source}\` gave ${typeof value} instead of true or false`,
      facts: [{ path: 'condition', op: 'cel', expected: program.source, actual: value }],
    });
    return undefined;
  }
  return value;
}

function factsOf(conditions: CompiledCondition[], action: Action): Fact[] {
  const facts: Fact[] = new Array(conditions.length);
  for (let i = 0; i < conditions.length; i++) {
    const condition = conditions[i]!;
    const actual = condition.get(action);
    facts[i] =
      actual === undefined
        ? { path: condition.path, op: condition.op, expected: condition.value }
        : { path: condition.path, op: condition.op, expected: condition.value, actual };
  }
  return facts;
}

function ruleReason(rule: CompiledRule, action: Action, autonomy: AutonomySpec | undefined, level: number | null): Reason {
  const facts = factsOf(rule.match, action);
  if (rule.condition !== undefined) facts.push({ path: 'condition', op: 'cel', expected: rule.condition.source, actual: true });
  const spec = rule.spec;
  let decision = spec.decision;
  const reason: Reason = { kind: 'rule', name: spec.name, decision: decision ?? 'DENY', reason: rule.reason, facts };
  if (spec.risk !== undefined) {
    reason.risk = spec.risk;
    if (autonomy !== undefined && level !== null) {
      const fromTable = autonomy.levels[level]![spec.risk];
      reason.autonomy = { level, risk: spec.risk, decision: fromTable };
      decision = decision === undefined || decisionRank(fromTable) > decisionRank(decision) ? fromTable : decision;
    }
  }
  // A risk-only rule without a table cannot occur (validation), but if it did it must not allow.
  reason.decision = decision ?? 'DENY';
  return reason;
}

function agentLevel(autonomy: AutonomySpec, action: Action, requested: number | undefined): number {
  let level = requested;
  if (level === undefined && typeof action.agent === 'string' && Object.hasOwn(autonomy.agents, action.agent))
    level = autonomy.agents[action.agent];
  level ??= autonomy.default_level;
  if (Object.hasOwn(autonomy.levels, level)) return level;
  // An unknown level falls to the nearest defined level below it (the lowest, when none is below).
  const known = Object.keys(autonomy.levels)
    .map(Number)
    .sort((a, b) => a - b);
  let chosen = known[0]!;
  for (const candidate of known) if (candidate <= level) chosen = candidate;
  return chosen;
}

function baselineReason(
  compiled: CompiledBundle,
  action: Action,
  actionType: unknown,
  scratch: Scratch,
): { reason: Reason; route: PolicyDecision['route'] } {
  const environmentName = action.environment;
  const environment: CompiledEnvironment | undefined =
    typeof environmentName === 'string' ? compiled.environments.get(environmentName) : undefined;
  if (environment === undefined) {
    if (environmentName === undefined && compiled.environments.size > 0) noteMissing(scratch, 'environment', 'approval_policies');
    return {
      reason: {
        kind: 'default',
        name: 'defaults.decision',
        decision: compiled.defaultDecision,
        reason:
          compiled.bundle.defaults.decision === undefined
            ? 'no rule matched and no default is set, so the built-in default applies'
            : 'no rule matched; the policy default applies',
        facts:
          environmentName === undefined || compiled.environments.size === 0
            ? []
            : [{ path: 'environment', op: 'eq', expected: [...compiled.environments.keys()], actual: environmentName }],
      },
      route: compiled.defaultRoute,
    };
  }
  for (const exception of environment.exceptions) {
    if (typeof actionType !== 'string' || !exception.actions.has(actionType)) continue;
    const facts: Fact[] = [
      { path: 'environment', op: 'eq', expected: environment.name, actual: environment.name },
      { path: 'action_type', op: 'in', expected: exception.spec.action, actual: actionType },
    ];
    if (exception.condition !== undefined) {
      if (celHolds(exception.condition, scratch, exception.name) !== true) continue;
      facts.push({ path: 'condition', op: 'cel', expected: exception.condition.source, actual: true });
    }
    return {
      reason: { kind: 'environment', name: exception.name, decision: exception.spec.decision, reason: exception.reason, facts },
      route: exception.route ?? environment.route,
    };
  }
  const decision = environment.default ?? compiled.defaultDecision;
  return {
    reason: {
      kind: environment.default === undefined ? 'default' : 'environment',
      name: environment.default === undefined ? 'defaults.decision' : `approval_policies.${environment.name}.default`,
      decision,
      reason: `the default for ${environment.name} is ${decision}`,
      facts: [{ path: 'environment', op: 'eq', expected: environment.name, actual: environment.name }],
    },
    route: environment.route,
  };
}

const SIGNALS = [
  ['conflicting', 'on_conflicting_signals', 'the agent reported conflicting signals'],
  ['missing_context', 'on_missing_context', 'the agent reported missing context'],
  ['ambiguous', 'on_ambiguous_instructions', 'the agent reported ambiguous instructions'],
] as const;

/** A signal is raised when `signals` lists it, or maps it to anything but false/null. */
function signalRaised(signals: unknown, name: string): unknown {
  if (Array.isArray(signals)) return signals.includes(name) ? true : undefined;
  if (signals === null || typeof signals !== 'object') return undefined;
  const value = (signals as Record<string, unknown>)[name];
  return value === false || value === null || value === undefined ? undefined : value;
}

function escalationReasons(compiled: CompiledBundle, action: Action, actionType: unknown, options: EvaluateOptions): Reason[] | null {
  const spec = compiled.bundle.escalation!;
  let reasons: Reason[] | null = null;
  const add = (name: string, reason: string, facts: Fact[]): void => {
    (reasons ??= []).push({ kind: 'escalation', name, decision: 'REQUIRE_APPROVAL', reason, facts });
  };
  const confidence = action.confidence;
  if (spec.min_confidence !== undefined && typeof confidence === 'number' && confidence < spec.min_confidence) {
    add('escalation.min_confidence', `confidence ${confidence} < ${spec.min_confidence}`, [
      { path: 'confidence', op: 'lt', expected: spec.min_confidence, actual: confidence },
    ]);
  }
  for (const [signal, key, text] of SIGNALS) {
    if (!spec[key]) continue;
    const raised = signalRaised(action.signals, signal);
    if (raised === undefined) continue;
    const detail = typeof raised === 'string' && raised.trim() !== '' ? `: ${raised}` : '';
    add(`escalation.${key}`, `${text}${detail}`, [{ path: `signals.${signal}`, op: 'exists', expected: true, actual: raised }]);
  }
  if (spec.novelty && options.novel === true) {
    const agent = typeof action.agent === 'string' ? `agent \`${action.agent}\`` : 'this agent';
    const where = typeof action.environment === 'string' ? ` in ${action.environment}` : '';
    add('escalation.novelty', `first time ${agent} does \`${String(actionType)}\`${where}`, []);
  }
  return reasons;
}

/**
 * The action as string comparisons see it: itself when no compared field holds a string (or a list
 * item) that is not plain ASCII, which costs one scan of those fields; else a copy normalized whole.
 */
function normalizedView(targets: LookAlikeTargets, action: Action, type: unknown, capability: unknown, environment: unknown): Action {
  if (needsNormalizing(type) || needsNormalizing(capability) || needsNormalizing(environment)) return normalizeDeep(action) as Action;
  const { top, nested } = targets.compared;
  for (let i = 0; i < top.length; i++) if (needsNormalizing(action[top[i]!])) return normalizeDeep(action) as Action;
  for (let i = 0; i < nested.length; i++) if (needsNormalizing(nested[i]!(action))) return normalizeDeep(action) as Action;
  return action;
}

function needsNormalizing(value: unknown): boolean {
  if (typeof value === 'string') return !isPlainAscii(value);
  return Array.isArray(value) && value.some(isForeign);
}

function normalizeDeep(value: unknown): unknown {
  if (typeof value === 'string') return normalizeText(value);
  if (Array.isArray(value)) return value.map(normalizeDeep);
  if (value === null || typeof value !== 'object') return value;
  const copy: Record<string, unknown> = {};
  // Defined, not assigned, so that a key such as `__proto__` stays an ordinary field.
  for (const key of Object.keys(value))
    Object.defineProperty(copy, key, {
      value: normalizeDeep((value as Record<string, unknown>)[key]),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  return copy;
}

/**
 * `escalation.confusable_text`: a field the policy compares with its literals holds letters of
 * mixed scripts, letters that imitate one of those literals, or invisible characters. Plain ASCII
 * strings are settled by one scan, so an ordinary action pays almost nothing here.
 */
function lookAlikeReasons(targets: LookAlikeTargets, action: Action): Reason[] | null {
  let reasons: Reason[] | null = null;
  for (let i = 0; i < targets.fields.length; i++) {
    const { path, get } = targets.fields[i]!;
    const value = get(action);
    if (!isForeign(value)) continue;
    const why = lookAlikeWhy(targets, path, value);
    if (why === undefined) continue;
    (reasons ??= []).push({
      kind: 'escalation',
      name: 'escalation.confusable_text',
      decision: 'REQUIRE_APPROVAL',
      reason: why.reason,
      facts: [
        why.literal === undefined
          ? { path, op: 'exists', expected: true, actual: value }
          : { path, op: 'ne', expected: why.literal, actual: value },
      ],
    });
  }
  return reasons;
}

function lookAlikeWhy(targets: LookAlikeTargets, path: string, value: string): { reason: string; literal?: string } | undefined {
  const normalized = normalizeText(value);
  const scripts = mixedScripts(normalized);
  if (scripts !== undefined) return { reason: `\`${path}\` mixes ${listed(scripts)} letters` };
  const imitated = targets.literals.get(skeleton(normalized));
  if (imitated !== undefined && imitated !== normalized) {
    return { reason: `\`${path}\` looks like \`${imitated}\` but is spelt with other letters`, literal: imitated };
  }
  if (hasInvisible(value)) return { reason: `\`${path}\` holds invisible characters (read as \`${normalized}\`)` };
  return undefined;
}

function listed(names: string[]): string {
  return names.length <= 2 ? names.join(' and ') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]!}`;
}

function failClosed(compiled: CompiledBundle, code: string, message: string): PolicyDecision {
  return {
    decision: 'DENY',
    reasons: [{ kind: 'error', name: code, decision: 'DENY', reason: message, facts: [] }],
    missing: [],
    risk: null,
    policy_version: compiled.version,
    autonomy_level: null,
  };
}
