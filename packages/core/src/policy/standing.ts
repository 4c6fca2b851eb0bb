// Standing approvals: checks the `standing` part of a vote against the route's policy bound, and
// tells whether a later action falls inside the constraints the approver stated.

import type { Diagnostic } from '../diagnostics.js';
import { parseDuration } from '../util/duration.js';
import { HOLDS, compileCondition, type CompiledCondition } from './operators.js';
import { describeType, isPlainObject, Reader } from './reader.js';
import type { SourceDocument } from './source.js';
import { readMatch } from './validate-match.js';
import type { Condition, StandingBound } from './types.js';
import type { Refusal } from '../workflows/state.js';

/** What an approver asked for, checked: a lifetime in milliseconds and/or a number of uses. */
export interface StandingGrant {
  for_ms?: number;
  uses?: number;
  constraints: Condition[];
}

const STANDING_KEYS = ['for', 'uses', 'constraints'];
/** Fields every standing approval pins down itself: its own agent and action type. */
const FIXED_FIELDS = new Set(['agent', 'action_type', 'tenant']);

function refuse(code: string, message: string, field: string): { ok: false; refusal: Refusal } {
  return { ok: false, refusal: { code, message, field } };
}

/** A source with no lines: constraints come from a JSON body, so a diagnostic names the field alone. */
function bodySource(data: unknown): SourceDocument {
  return { file: 'vote', data, locate: () => undefined, locateInString: () => undefined };
}

/**
 * Checks `standing: { for, uses, constraints }` from a vote against `bound`, the bound of the
 * route the request was decided under (`false` or unset: none allowed). Any refusal changes nothing.
 */
export function readStandingRequest(
  value: unknown,
  bound: StandingBound | false | undefined,
): { ok: true; grant: StandingGrant } | { ok: false; refusal: Refusal } {
  if (!isPlainObject(value)) return refuse('vote.invalid', `\`standing\` must be an object, not ${describeType(value)}`, 'standing');
  for (const key of Object.keys(value)) {
    if (!STANDING_KEYS.includes(key)) {
      return refuse('vote.invalid', `unknown field \`${key}\` in \`standing\`; allowed: ${STANDING_KEYS.join(', ')}`, `standing.${key}`);
    }
  }
  const grant: StandingGrant = { constraints: [] };
  if (value.for !== undefined) {
    const ms = typeof value.for === 'string' ? parseDuration(value.for) : undefined;
    if (ms === undefined || ms <= 0) {
      return refuse('vote.invalid', '`standing.for` must be a duration such as `30m` or `2h`', 'standing.for');
    }
    grant.for_ms = ms;
  }
  if (value.uses !== undefined) {
    if (typeof value.uses !== 'number' || !Number.isInteger(value.uses) || value.uses < 1 || value.uses > 1_000_000) {
      return refuse('vote.invalid', '`standing.uses` must be a whole number from 1 to 1000000', 'standing.uses');
    }
    grant.uses = value.uses;
  }
  if (grant.for_ms === undefined && grant.uses === undefined) {
    return refuse('vote.invalid', '`standing` needs `for`, `uses` or both', 'standing');
  }
  if (value.constraints !== undefined) {
    const diagnostics: Diagnostic[] = [];
    const conditions = readMatch(new Reader(bodySource(value.constraints), diagnostics), value.constraints, [], '`standing.constraints`');
    const first = diagnostics[0];
    if (conditions === undefined || first !== undefined) {
      const path = first?.path?.length ? `.${first.path.join('.')}` : '';
      return refuse('vote.invalid', first?.message ?? '`standing.constraints` is not valid', `standing.constraints${path}`);
    }
    const fixed = conditions.find((condition) => FIXED_FIELDS.has(condition.path));
    if (fixed !== undefined) {
      return refuse(
        'standing.across_agents',
        `a standing approval always covers its own agent and action type; \`${fixed.path}\` cannot be a constraint`,
        `standing.constraints.${fixed.path}`,
      );
    }
    grant.constraints = conditions;
  }
  if (bound === undefined || bound === false) {
    return refuse('standing.not_allowed', 'the policy allows no standing approval for this request', 'standing');
  }
  if (bound.max_for !== undefined && (grant.for_ms === undefined || grant.for_ms > bound.max_for)) {
    return refuse('standing.too_wide', `\`standing.for\` must be given and at most ${formatMs(bound.max_for)} here`, 'standing.for');
  }
  if (bound.max_uses !== undefined && (grant.uses === undefined || grant.uses > bound.max_uses)) {
    return refuse('standing.too_wide', `\`standing.uses\` must be given and at most ${bound.max_uses} here`, 'standing.uses');
  }
  return { ok: true, grant };
}

/** Whether `grant` is inside `bound` still: checked again at each use, against the live policy. */
export function standingWithin(
  grant: { for_ms?: number | undefined; uses?: number | undefined },
  bound: StandingBound | false | undefined,
): boolean {
  if (bound === undefined || bound === false) return false;
  if (bound.max_for !== undefined && (grant.for_ms === undefined || grant.for_ms > bound.max_for)) return false;
  return !(bound.max_uses !== undefined && (grant.uses === undefined || grant.uses > bound.max_uses));
}

/** A test over an action: every constraint holds; a missing field is outside, never inside. */
export function compileConstraints(constraints: Condition[]): (action: Record<string, unknown>) => boolean {
  const compiled: CompiledCondition[] = constraints.map(compileCondition);
  return (action) => compiled.every((condition) => condition.test(action) === HOLDS);
}

function formatMs(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${ms / 1000}s`;
}
