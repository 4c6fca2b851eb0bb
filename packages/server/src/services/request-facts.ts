// What Tollgate itself knows about a request, shown to people before anything the agent wrote: the
// action type, environment and agent, every field the deciding rules tested with its actual value,
// the fields the policy names for display, and the fields whose names mark them as weighty
// (amounts, targets, commands, paths, recipients). The agent's summary, reasoning and context are
// its claims about the action; `agent-claims.ts` flags where they contradict these fields.

import type { PolicyDecision } from '@tollgate/core';
import type { ActionRecord } from '../stores/records.js';
import { contradictions, type Contradiction } from './agent-claims.js';

export interface ShownField {
  path: string;
  /** The value as the action now stands (after any approved modification). */
  value: unknown;
  /** Why it is shown: a deciding rule tested it, the policy names it, or its name marks it weighty. */
  why: 'tested' | 'display' | 'weighty';
  /** What the deciding rules tested on it: "gt 1000 (big-refund)". */
  tests: string[];
}

export interface RequestFacts {
  action_type: string | null;
  environment: string | null;
  capability: string | null;
  agent: string;
  decision: string;
  risk: string | null;
  fields: ShownField[];
  contradictions: Contradiction[];
}

/** The agent's own words about the action: shown after the facts, marked as the agent's. */
export interface AgentWords {
  summary: string | null;
  reasoning: string | null;
  confidence: number | null;
  context: Record<string, unknown>;
}

const MAX_FIELDS = 16;

/** Fields that are the agent's description of the action, or bookkeeping, never a fact of it. */
const NOT_FACTS = new Set([
  'summary',
  'reasoning',
  'confidence',
  'context',
  'idempotency_key',
  'action_type',
  'action',
  'environment',
  'capability',
  'agent',
]);

/**
 * Names that carry weight, matched against each part of a field's name (`refund_amount_usd` has
 * `amount`, `usd`): money and sizes, targets, commands, paths, recipients.
 */
const WEIGHTY_WORDS = new Set(
  [
    // money and sizes
    'amount amounts usd eur gbp cents price cost total fee fees balance quantity qty replicas count limit budget',
    // targets
    'target targets host hostname hosts url uri urls endpoint domain database db table tables bucket resource resources',
    'service cluster namespace region repo repository branch server instance queue topic account project',
    // commands
    'command cmd commands script query sql statement args argv',
    // paths
    'path paths file files filename directory dir folder glob pattern',
    // recipients
    'recipient recipients to cc bcc email emails payee beneficiary iban destination user username users member channel phone',
  ]
    .join(' ')
    .split(' '),
);

export function isWeightyName(name: string): boolean {
  return name
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .some((part) => WEIGHTY_WORDS.has(part));
}

/** A field by name or dotted path; a literal key holding dots wins, as in the kernel. */
export function fieldAt(payload: Record<string, unknown>, path: string): unknown {
  if (Object.hasOwn(payload, path)) return payload[path];
  let value: unknown = payload;
  for (const segment of path.split('.')) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, segment)) return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

/** Names a CEL condition reads (`amount_usd > 1000 && params.to == 'x'`), outside its string literals. */
function celFieldNames(source: string): string[] {
  const code = source.replace(/'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"/g, ' ');
  return [...new Set(code.match(/[A-Za-z_][\w]*(?:\.[A-Za-z_][\w]*)*/g) ?? [])];
}

function testedFields(evaluation: PolicyDecision, payload: Record<string, unknown>): Map<string, string[]> {
  const tested = new Map<string, string[]>();
  const add = (path: string, test: string) => {
    if (NOT_FACTS.has(path) || fieldAt(payload, path) === undefined) return;
    const tests = tested.get(path) ?? [];
    if (!tests.includes(test)) tests.push(test);
    tested.set(path, tests);
  };
  // The contributions that asked for a person (or refused): an ALLOW rule's facts decided nothing here.
  for (const reason of evaluation.reasons) {
    if (reason.decision === 'ALLOW') continue;
    for (const fact of reason.facts) {
      if (fact.op === 'cel') {
        for (const name of celFieldNames(String(fact.expected))) add(name, `condition (${reason.name})`);
        continue;
      }
      const expected = typeof fact.expected === 'string' ? fact.expected : JSON.stringify(fact.expected);
      add(fact.path, `${fact.op} ${expected} (${reason.name})`);
    }
  }
  return tested;
}

/** Weighty fields at the top of the action and one level into its objects. */
function weightyFields(payload: Record<string, unknown>): string[] {
  const found: string[] = [];
  for (const [key, value] of Object.entries(payload)) {
    if (NOT_FACTS.has(key)) continue;
    if (isWeightyName(key)) found.push(key);
    else if (value !== null && typeof value === 'object' && !Array.isArray(value))
      for (const inner of Object.keys(value)) if (isWeightyName(inner)) found.push(`${key}.${inner}`);
  }
  return found;
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

export function agentWords(payload: Record<string, unknown>): AgentWords {
  const context = payload.context;
  return {
    summary: stringOrNull(payload.summary)?.trim() ?? null,
    reasoning: stringOrNull(payload.reasoning),
    confidence: typeof payload.confidence === 'number' ? payload.confidence : null,
    context: context !== null && typeof context === 'object' && !Array.isArray(context) ? (context as Record<string, unknown>) : {},
  };
}

/**
 * The facts of `action`, as `payload` now stands (an approver may have modified it within limits);
 * `display` is the policy's list for the request, from the decision's route.
 */
export function requestFacts(action: ActionRecord, payload: Record<string, unknown> = action.payload): RequestFacts {
  const evaluation = action.evaluation;
  const tested = testedFields(evaluation, payload);
  const fields: ShownField[] = [];
  const seen = new Set<string>();
  const show = (path: string, why: ShownField['why']) => {
    if (seen.has(path) || fields.length >= MAX_FIELDS) return;
    const value = fieldAt(payload, path);
    if (value === undefined) return;
    seen.add(path);
    fields.push({ path, value, why, tests: tested.get(path) ?? [] });
  };
  for (const path of tested.keys()) show(path, 'tested');
  for (const path of evaluation.route?.display ?? []) show(path, 'display');
  for (const path of weightyFields(payload)) show(path, 'weighty');
  const environment = stringOrNull(payload.environment) ?? action.environment;
  return {
    action_type: stringOrNull(payload.action_type) ?? action.action_type,
    environment,
    capability: stringOrNull(payload.capability) ?? action.capability,
    agent: action.agent,
    decision: action.decision,
    risk: action.risk,
    fields,
    contradictions: contradictions(agentWords(payload), fields, environment),
  };
}
