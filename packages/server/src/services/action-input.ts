// Checks an action an agent submits: the reserved fields must have their documented types; every
// other field is an attribute the policy may test (DESIGN §2).

import { TollgateError } from '../errors.js';

const MAX_STRING = 10_000;
const MAX_KEY = 200;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalid(field: string, message: string): TollgateError {
  return new TollgateError('action.invalid', message, { field });
}

/** The checked action, with `agent` set from the key that submitted it. */
export function checkAction(body: unknown, agent: string): Record<string, unknown> {
  if (!isPlainObject(body))
    throw new TollgateError('action.invalid', 'the request body must be a JSON object describing the action', { field: 'body' });
  const action: Record<string, unknown> = { ...body };
  if (action.agent !== undefined && action.agent !== agent) {
    throw invalid('agent', `\`agent\` is \`${String(action.agent)}\` but the API key belongs to agent \`${agent}\``);
  }
  action.agent = agent;
  if (action.action_type === undefined && action.action !== undefined) action.action_type = action.action;
  if (action.action !== undefined && action.action !== action.action_type) {
    throw invalid('action', '`action` is an alias of `action_type`; give one of them, or both with the same value');
  }
  delete action.action;
  if (typeof action.action_type !== 'string' || action.action_type.trim() === '') {
    throw invalid(
      'action_type',
      action.action_type === undefined ? '`action_type` is required' : '`action_type` must be a non-empty string',
    );
  }
  for (const field of ['action_type', 'environment', 'capability', 'summary', 'reasoning']) {
    const value = action[field];
    if (value === undefined) continue;
    if (typeof value !== 'string') throw invalid(field, `\`${field}\` must be a string, not ${typeof value}`);
    if (value.length > MAX_STRING) throw invalid(field, `\`${field}\` is longer than ${MAX_STRING} characters`);
  }
  if (action.confidence !== undefined && (typeof action.confidence !== 'number' || !(action.confidence >= 0 && action.confidence <= 1))) {
    throw invalid('confidence', '`confidence` must be a number from 0 to 1');
  }
  if (
    action.signals !== undefined &&
    !isPlainObject(action.signals) &&
    !(Array.isArray(action.signals) && action.signals.every((s) => typeof s === 'string'))
  ) {
    throw invalid('signals', '`signals` must be an object (`{ conflicting: true }`) or a list of signal names');
  }
  if (action.context !== undefined && !isPlainObject(action.context)) throw invalid('context', '`context` must be an object');
  if (action.reversible !== undefined && typeof action.reversible !== 'boolean')
    throw invalid('reversible', '`reversible` must be true or false');
  if (action.idempotency_key !== undefined) {
    if (typeof action.idempotency_key !== 'string' || action.idempotency_key === '' || action.idempotency_key.length > MAX_KEY) {
      throw invalid('idempotency_key', `\`idempotency_key\` must be a non-empty string of at most ${MAX_KEY} characters`);
    }
  }
  return action;
}
