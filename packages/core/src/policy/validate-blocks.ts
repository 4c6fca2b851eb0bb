// Checks the top-level blocks other than rules and workflows: approval_policies, defaults,
// autonomy, escalation, groups, notifications and review.

import { RISK_TIERS, type Decision, type RiskTier } from '../decision.js';
import { emptyRecord, hasKey } from '../util/record.js';
import { isPlainObject, describeType, type Reader } from './reader.js';
import { readCondition, readRoute, ROUTE_KEYS } from './validate-route.js';
import { recordOrigin } from './origins.js';
import type { DataPath } from './source.js';
import {
  NOTIFICATION_EVENTS,
  TICKET_OUTCOMES,
  type AutonomySpec,
  type AutonomyTable,
  type Defaults,
  type EnvironmentException,
  type EnvironmentPolicy,
  type EscalationSpec,
  type GroupSpec,
  type NotificationChannel,
  type NotificationChannelType,
  type NotificationRoute,
  type NotificationsSpec,
  type ReviewSpec,
  type TimeoutAction,
} from './types.js';

export const TIMEOUT_ACTIONS: readonly TimeoutAction[] = ['deny', 'approve', 'escalate'];
export const DEMOTE_EVENTS = ['reversal', 'flagged', 'failed', 'failed_critical', 'denied', 'changes_requested'] as const;

export function readApprovalPolicies(reader: Reader, value: unknown): Record<string, EnvironmentPolicy> {
  const result = emptyRecord<EnvironmentPolicy>();
  if (!isPlainObject(value)) {
    reader.error(
      ['approval_policies'],
      'policy.wrong_type',
      `\`approval_policies\` must be a map of environments, not ${describeType(value)}`,
    );
    return result;
  }
  for (const [environment, raw] of Object.entries(value)) {
    const path = ['approval_policies', environment];
    const record = reader.object(raw, path, ['default', 'exceptions', 'reason', ...ROUTE_KEYS], `environment \`${environment}\``);
    if (record === undefined) continue;
    const policy: EnvironmentPolicy = { exceptions: [], ...readRoute(reader, record, path) };
    recordOrigin(policy, reader.source, path);
    if (record.default !== undefined) {
      const decision = reader.decision(record.default, [...path, 'default'], 'default decision');
      if (decision !== undefined) policy.default = decision;
    }
    if (record.exceptions !== undefined) {
      if (!Array.isArray(record.exceptions)) {
        reader.error([...path, 'exceptions'], 'policy.wrong_type', `\`exceptions\` must be a list, not ${describeType(record.exceptions)}`);
      } else {
        record.exceptions.forEach((item, index) => {
          const exception = readException(reader, item, [...path, 'exceptions', index]);
          if (exception !== undefined) policy.exceptions.push(exception);
        });
      }
    }
    result[environment] = policy;
  }
  return result;
}

function readException(reader: Reader, value: unknown, path: (string | number)[]): EnvironmentException | undefined {
  const record = reader.object(value, path, ['action', 'action_type', 'condition', 'decision', 'reason', ...ROUTE_KEYS], 'an exception');
  if (record === undefined) return undefined;
  const actionValue = record.action ?? record.action_type;
  const actionKey = record.action === undefined ? 'action_type' : 'action';
  let action: string[] | undefined;
  if (record.action !== undefined && record.action_type !== undefined) {
    reader.error([...path, 'action_type'], 'policy.duplicate_key', '`action` and `action_type` are the same key; give only one', {
      key: true,
    });
  }
  if (actionValue === undefined) reader.error(path, 'policy.missing_field', 'an exception needs `action`');
  else action = reader.stringList(actionValue, [...path, actionKey], '`action`');
  const condition = record.condition === undefined ? undefined : readCondition(reader, record.condition, [...path, 'condition']);
  let decision: Decision | undefined;
  if (record.decision === undefined) reader.error(path, 'policy.missing_field', 'an exception needs a `decision`');
  else decision = reader.decision(record.decision, [...path, 'decision']);
  const reason = record.reason === undefined ? undefined : reader.string(record.reason, [...path, 'reason'], '`reason`');
  const route = readRoute(reader, record, path);
  if (action === undefined || decision === undefined) return undefined;
  if (record.condition !== undefined && condition === undefined) return undefined;
  const exception: EnvironmentException = {
    action,
    decision,
    ...(condition === undefined ? {} : { condition }),
    ...(reason === undefined ? {} : { reason }),
    ...route,
  };
  recordOrigin(exception, reader.source, path);
  return exception;
}

export function readDefaults(reader: Reader, value: unknown): Defaults {
  const path = ['defaults'];
  const record = reader.object(value, path, ['decision', 'timeout', 'on_timeout', 'escalate_to', ...ROUTE_KEYS], '`defaults`');
  if (record === undefined) return {};
  const defaults: Defaults = readRoute(reader, record, path);
  recordOrigin(defaults, reader.source, path);
  if (record.decision !== undefined) {
    const decision = reader.decision(record.decision, [...path, 'decision']);
    if (decision !== undefined) defaults.decision = decision;
  }
  if (record.timeout !== undefined) {
    const timeout = reader.duration(record.timeout, [...path, 'timeout'], '`timeout`');
    if (timeout !== undefined) defaults.timeout = timeout;
  }
  if (record.on_timeout !== undefined) {
    const action = reader.oneOf(record.on_timeout, [...path, 'on_timeout'], TIMEOUT_ACTIONS, '`on_timeout` action');
    if (action !== undefined) defaults.on_timeout = action;
  }
  if (record.escalate_to !== undefined) {
    const groups = reader.stringList(record.escalate_to, [...path, 'escalate_to'], '`escalate_to`');
    if (groups !== undefined) defaults.escalate_to = groups;
  }
  return defaults;
}

/** The guide's four levels, used when a policy asks for autonomy without its own table. */
export const DEFAULT_AUTONOMY_LEVELS: AutonomyTable = {
  0: { low: 'REQUIRE_APPROVAL', medium: 'REQUIRE_APPROVAL', high: 'REQUIRE_APPROVAL', critical: 'REQUIRE_APPROVAL' },
  1: { low: 'ALLOW', medium: 'REQUIRE_APPROVAL', high: 'REQUIRE_APPROVAL', critical: 'REQUIRE_APPROVAL' },
  2: { low: 'ALLOW', medium: 'ALLOW', high: 'ALLOW', critical: 'REQUIRE_APPROVAL' },
  3: { low: 'REVIEW', medium: 'REVIEW', high: 'REVIEW', critical: 'REVIEW' },
};

export function readAutonomy(reader: Reader, value: unknown): AutonomySpec | undefined {
  const path = ['autonomy'];
  const record = reader.object(
    value,
    path,
    ['default_level', 'levels', 'promote_after', 'demote_on', 'audit_sample_rate', 'agents'],
    '`autonomy`',
  );
  if (record === undefined) return undefined;
  const levels = record.levels === undefined ? DEFAULT_AUTONOMY_LEVELS : readLevels(reader, record.levels);
  if (levels === undefined) return undefined;
  const known = Object.keys(levels).map(Number);
  const maxLevel = Math.max(...known);
  const levelOf = (raw: unknown, at: (string | number)[], what: string): number | undefined => {
    const level = reader.number(raw, at, what, { min: 0, integer: true });
    if (level !== undefined && !hasKey(levels, level)) {
      reader.error(at, 'policy.unknown_level', `${what} \`${level}\` is not a level of the table (levels: ${known.join(', ')})`);
      return undefined;
    }
    return level;
  };
  const spec: AutonomySpec = { default_level: 0, levels, demote_on: [], audit_sample_rate: 0, agents: emptyRecord() };
  if (record.default_level !== undefined)
    spec.default_level = levelOf(record.default_level, [...path, 'default_level'], '`default_level`') ?? 0;
  else if (!hasKey(levels, 0)) spec.default_level = Math.min(...known);
  if (record.promote_after !== undefined) {
    const count = reader.number(record.promote_after, [...path, 'promote_after'], '`promote_after`', { min: 1, integer: true });
    if (count !== undefined) spec.promote_after = count;
  }
  if (record.demote_on !== undefined) {
    const events = reader.stringList(record.demote_on, [...path, 'demote_on'], '`demote_on`') ?? [];
    events.forEach((event, index) => {
      if (reader.oneOf(event, [...path, 'demote_on', index], DEMOTE_EVENTS, '`demote_on` event') !== undefined) spec.demote_on.push(event);
    });
  }
  if (record.audit_sample_rate !== undefined) {
    spec.audit_sample_rate =
      reader.number(record.audit_sample_rate, [...path, 'audit_sample_rate'], '`audit_sample_rate`', { min: 0, max: 1 }) ?? 0;
  }
  if (record.agents !== undefined) {
    if (!isPlainObject(record.agents)) {
      reader.error(
        [...path, 'agents'],
        'policy.wrong_type',
        `\`agents\` must be a map of agent names to levels, not ${describeType(record.agents)}`,
      );
    } else {
      for (const [agent, level] of Object.entries(record.agents)) {
        const checked = levelOf(level, [...path, 'agents', agent], `the level of \`${agent}\``);
        if (checked !== undefined) spec.agents[agent] = checked;
      }
    }
  }
  if (!Number.isFinite(maxLevel)) return undefined;
  return spec;
}

function readLevels(reader: Reader, value: unknown): AutonomyTable | undefined {
  const path = ['autonomy', 'levels'];
  if (!isPlainObject(value) || Object.keys(value).length === 0) {
    reader.error(path, 'policy.wrong_type', `\`levels\` must be a map of levels to decisions by risk tier, not ${describeType(value)}`);
    return undefined;
  }
  const table: AutonomyTable = {};
  let ok = true;
  for (const [key, row] of Object.entries(value)) {
    const level = Number(key);
    if (!/^\d+$/.test(key) || level > 100) {
      reader.error([...path, key], 'policy.unknown_level', `autonomy level \`${key}\` must be a whole number from 0`, { key: true });
      ok = false;
      continue;
    }
    const record = reader.object(row, [...path, key], RISK_TIERS, `autonomy level ${key}`);
    if (record === undefined) {
      ok = false;
      continue;
    }
    const decisions = {} as Record<RiskTier, Decision>;
    for (const tier of RISK_TIERS) {
      if (record[tier] === undefined) {
        reader.error([...path, key], 'policy.missing_field', `autonomy level ${key} needs a decision for risk \`${tier}\``);
        ok = false;
        continue;
      }
      const decision = reader.decision(record[tier], [...path, key, tier]);
      if (decision === undefined) ok = false;
      else decisions[tier] = decision;
    }
    table[level] = decisions;
  }
  return ok ? table : undefined;
}

export function readEscalation(reader: Reader, value: unknown): EscalationSpec | undefined {
  const path = ['escalation'];
  const record = reader.object(
    value,
    path,
    ['min_confidence', 'on_conflicting_signals', 'on_missing_context', 'on_ambiguous_instructions', 'novelty'],
    '`escalation`',
  );
  if (record === undefined) return undefined;
  const flag = (key: string): boolean =>
    record[key] === undefined ? false : (reader.boolean(record[key], [...path, key], `\`${key}\``) ?? false);
  const spec: EscalationSpec = {
    on_conflicting_signals: flag('on_conflicting_signals'),
    on_missing_context: flag('on_missing_context'),
    on_ambiguous_instructions: flag('on_ambiguous_instructions'),
    novelty: flag('novelty'),
  };
  if (record.min_confidence !== undefined) {
    const threshold = reader.number(record.min_confidence, [...path, 'min_confidence'], '`min_confidence`', { min: 0, max: 1 });
    if (threshold !== undefined) spec.min_confidence = threshold;
  }
  return spec;
}

export function readGroups(reader: Reader, value: unknown): GroupSpec[] {
  if (!isPlainObject(value)) {
    reader.error(['groups'], 'policy.wrong_type', `\`groups\` must be a map of group names to members, not ${describeType(value)}`);
    return [];
  }
  const groups: GroupSpec[] = [];
  for (const [name, raw] of Object.entries(value)) {
    const path = ['groups', name];
    if (Array.isArray(raw)) {
      const members = reader.stringList(raw, path, `the members of \`${name}\``);
      if (members !== undefined) groups.push({ name, members });
      continue;
    }
    const record = reader.object(raw, path, ['members', 'description'], `group \`${name}\``);
    if (record === undefined) continue;
    const members =
      record.members === undefined ? [] : reader.stringList(record.members, [...path, 'members'], `the members of \`${name}\``);
    const description =
      record.description === undefined ? undefined : reader.string(record.description, [...path, 'description'], '`description`');
    if (members !== undefined) groups.push({ name, members, ...(description === undefined ? {} : { description }) });
  }
  return groups;
}

/** Settings each channel type takes; secrets only as the name of an environment variable. */
const CHANNEL_SETTINGS: Record<NotificationChannelType, readonly string[]> = {
  slack: ['channel', 'token_env', 'signing_secret_env'],
  teams: ['webhook_url_env', 'signing_secret_env'],
  pagerduty: ['routing_key_env', 'severity'],
  email: ['to', 'from', 'smtp_url_env'],
  webhook: ['url', 'secret_env', 'headers'],
  jira: ['project', 'issue_type', 'labels', 'user_env', 'token_env', 'webhook_secret_env', 'transitions', 'vote_statuses'],
  servicenow: ['table', 'fields', 'user_env', 'password_env', 'token_env', 'callback_secret_env', 'close_codes', 'close_states'],
};
const INLINE_SECRETS = [
  'token',
  'signing_secret',
  'webhook_url',
  'routing_key',
  'smtp_url',
  'secret',
  'password',
  'webhook_secret',
  'callback_secret',
  'api_token',
];
/** Where the server connects and the address its links use are the operator's (server settings), never a policy's. */
const SERVER_SETTINGS = ['base_url'];

export function readNotifications(reader: Reader, value: unknown): NotificationsSpec | undefined {
  const path = ['notifications'];
  const record = reader.object(value, path, ['channels', 'routes'], '`notifications`');
  if (record === undefined) return undefined;
  const spec: NotificationsSpec = { channels: [], routes: [] };
  if (record.channels !== undefined) {
    if (!isPlainObject(record.channels)) {
      reader.error(
        [...path, 'channels'],
        'policy.wrong_type',
        `\`channels\` must be a map of channel names to settings, not ${describeType(record.channels)}`,
      );
    } else {
      for (const [name, raw] of Object.entries(record.channels)) {
        const channel = readChannel(reader, name, raw, [...path, 'channels', name]);
        if (channel !== undefined) spec.channels.push(channel);
      }
    }
  }
  if (record.routes !== undefined) {
    if (!Array.isArray(record.routes)) {
      reader.error([...path, 'routes'], 'policy.wrong_type', `\`routes\` must be a list, not ${describeType(record.routes)}`);
    } else {
      record.routes.forEach((raw, index) => {
        const route = readNotificationRoute(reader, raw, [...path, 'routes', index], spec.channels);
        if (route !== undefined) spec.routes.push(route);
      });
    }
  }
  return spec;
}

function readChannel(reader: Reader, name: string, raw: unknown, path: (string | number)[]): NotificationChannel | undefined {
  if (!isPlainObject(raw)) {
    reader.error(path, 'policy.wrong_type', `channel \`${name}\` must be a map, not ${describeType(raw)}`);
    return undefined;
  }
  if (raw.type === undefined) {
    reader.error(path, 'policy.missing_field', `channel \`${name}\` needs a \`type\``);
    return undefined;
  }
  const type = reader.oneOf(raw.type, [...path, 'type'], Object.keys(CHANNEL_SETTINGS) as NotificationChannelType[], 'channel type');
  if (type === undefined) return undefined;
  for (const key of Object.keys(raw)) {
    if (INLINE_SECRETS.includes(key)) {
      reader.error(
        [...path, key],
        'policy.inline_secret',
        `\`${key}\` would put a secret in the policy; name the environment variable that holds it with \`${key}_env\``,
        { key: true },
      );
    }
  }
  for (const key of Object.keys(raw)) {
    if (SERVER_SETTINGS.includes(key)) {
      reader.error(
        [...path, key],
        'policy.server_setting',
        `\`${key}\` is a server setting: vendor endpoints come from the operator's settings file (\`channels.${type}.${key}\`) and links use the server's public address`,
        { key: true },
      );
    }
  }
  // Inline secrets and server settings were reported above; listing them as allowed keeps them from being reported twice.
  const settings = reader.object(
    raw,
    path,
    ['type', ...CHANNEL_SETTINGS[type], ...INLINE_SECRETS, ...SERVER_SETTINGS],
    `${type} channel \`${name}\``,
  );
  if (settings === undefined) return undefined;
  const { type: _type, ...rest } = settings;
  if (type === 'jira' || type === 'servicenow') readTicketSettings(reader, type, rest, path);
  return { name, type, settings: rest };
}

/** Names a ticket system accepts without quoting: a Jira project key, a ServiceNow table or field. */
const JIRA_PROJECT = /^[A-Z][A-Z0-9_]{0,49}$/;
const SERVICENOW_NAME = /^[a-z][a-z0-9_]{0,79}$/;

/** The values of a Jira or ServiceNow channel's settings: their types and the names they may hold. */
function readTicketSettings(reader: Reader, type: 'jira' | 'servicenow', settings: Record<string, unknown>, path: DataPath): void {
  const text = (key: string, pattern?: RegExp, shape?: string): void => {
    const value = settings[key];
    if (value === undefined) return;
    const found = reader.string(value, [...path, key], `\`${key}\``);
    if (found !== undefined && pattern !== undefined && !pattern.test(found))
      reader.error([...path, key], 'policy.wrong_type', `\`${key}\` must be ${shape}, not \`${found}\``);
  };
  /** A map from the names in `keys` (any name when absent) to non-empty strings. */
  const names = (key: string, keys: readonly string[] | undefined, what: string, valuePattern?: RegExp, valueShape?: string): void => {
    const value = settings[key];
    if (value === undefined) return;
    // Without `keys` any name is allowed here, and checked below.
    const allowed = keys ?? (isPlainObject(value) ? Object.keys(value) : []);
    const record = reader.object(value, [...path, key], allowed, `\`${key}\``);
    if (record === undefined) return;
    for (const [name, entry] of Object.entries(record)) {
      if (keys === undefined && !SERVICENOW_NAME.test(name))
        reader.error([...path, key, name], 'policy.wrong_type', `\`${name}\` in \`${key}\` must be ${what}`, { key: true });
      const found = reader.string(typeof entry === 'number' ? String(entry) : entry, [...path, key, name], `\`${key}.${name}\``);
      if (found !== undefined && valuePattern !== undefined && !valuePattern.test(found))
        reader.error([...path, key, name], 'policy.wrong_type', `\`${key}.${name}\` must be ${valueShape}, not \`${found}\``);
    }
  };
  if (type === 'jira') {
    if (settings.project === undefined)
      reader.error(path, 'policy.missing_field', 'a jira channel needs `project` (the project key, like `OPS`)');
    text('project', JIRA_PROJECT, 'a Jira project key (capital letters, digits and `_`, like `OPS`)');
    text('issue_type');
    if (settings.labels !== undefined) {
      const labels = reader.stringList(settings.labels, [...path, 'labels'], '`labels`');
      for (const [index, label] of (labels ?? []).entries())
        if (/\s/.test(label) || label.length > 200)
          reader.error(
            [...path, 'labels', index],
            'policy.wrong_type',
            `a Jira label has no spaces and at most 200 characters, not \`${label}\``,
          );
    }
    names('transitions', [...TICKET_OUTCOMES, 'reopen'], 'an outcome');
    names('vote_statuses', ['approve', 'deny'], 'a vote');
    if (settings.token_env === undefined)
      reader.error(path, 'policy.missing_field', 'a jira channel needs `token_env` (the API token or personal access token)');
  } else {
    text('table', SERVICENOW_NAME, 'a table name (lowercase letters, digits and `_`, like `change_request`)');
    names('fields', undefined, 'a field name (lowercase letters, digits and `_`)');
    names('close_codes', TICKET_OUTCOMES, 'an outcome');
    names('close_states', TICKET_OUTCOMES, 'an outcome', /^-?\d{1,3}$/, 'a state number such as `3` (closed) or `4` (canceled)');
    if (settings.token_env === undefined && settings.password_env === undefined)
      reader.error(
        path,
        'policy.missing_field',
        'a servicenow channel needs `user_env` and `password_env`, or `token_env` (an OAuth token)',
      );
  }
}

function readNotificationRoute(
  reader: Reader,
  raw: unknown,
  path: (string | number)[],
  channels: NotificationChannel[],
): NotificationRoute | undefined {
  const record = reader.object(raw, path, ['channel', 'groups', 'events', 'risk'], 'a notification route');
  if (record === undefined) return undefined;
  if (!reader.required(record, 'channel', path, 'a notification route')) return undefined;
  const channel = reader.string(record.channel, [...path, 'channel'], '`channel`');
  if (channel === undefined) return undefined;
  if (!channels.some((known) => known.name === channel)) {
    reader.oneOf(
      channel,
      [...path, 'channel'],
      channels.map((known) => known.name),
      'channel',
    );
    return undefined;
  }
  const route: NotificationRoute = { channel };
  if (record.groups !== undefined) {
    const groups = reader.stringList(record.groups, [...path, 'groups'], '`groups`');
    if (groups !== undefined) route.groups = groups;
  }
  if (record.events !== undefined) {
    const events = reader.stringList(record.events, [...path, 'events'], '`events`') ?? [];
    route.events = events.filter(
      (event, index) => reader.oneOf(event, [...path, 'events', index], NOTIFICATION_EVENTS, 'event') !== undefined,
    ) as NotificationRoute['events'];
  }
  if (record.risk !== undefined) {
    const tiers = reader.stringList(record.risk, [...path, 'risk'], '`risk`') ?? [];
    route.risk = tiers.filter((tier, index) => reader.risk(tier, [...path, 'risk', index]) !== undefined) as RiskTier[];
  }
  return route;
}

export function readReview(reader: Reader, value: unknown): ReviewSpec | undefined {
  const path = ['review'];
  const record = reader.object(value, path, ['window', 'reviewers'], '`review`');
  if (record === undefined) return undefined;
  const spec: ReviewSpec = {};
  if (record.window !== undefined) {
    const window = reader.duration(record.window, [...path, 'window'], '`window`');
    if (window !== undefined) spec.window = window;
  }
  if (record.reviewers !== undefined) {
    const reviewers = reader.stringList(record.reviewers, [...path, 'reviewers'], '`reviewers`');
    if (reviewers !== undefined) spec.reviewers = reviewers;
  }
  return spec;
}
