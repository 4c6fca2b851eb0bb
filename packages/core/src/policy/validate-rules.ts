// Checks the `rules:` list.

import { describeType, type Reader } from './reader.js';
import { readMatch } from './validate-match.js';
import { recordOrigin } from './origins.js';
import { readCondition, readRoute, ROUTE_KEYS } from './validate-route.js';
import type { RuleSpec } from './types.js';

const RULE_KEYS = ['name', 'description', 'match', 'unless', 'condition', 'decision', 'risk', 'reason', ...ROUTE_KEYS] as const;

export interface ReadRule {
  rule: RuleSpec;
  reader: Reader;
  path: (string | number)[];
}

/** Rules in file order; `index` is set by the caller once all files are read. */
export function readRules(reader: Reader, value: unknown): ReadRule[] {
  if (!Array.isArray(value)) {
    reader.error(['rules'], 'policy.wrong_type', `\`rules\` must be a list of rules, not ${describeType(value)}`);
    return [];
  }
  const rules: ReadRule[] = [];
  value.forEach((raw, position) => {
    const path = ['rules', position];
    const record = reader.object(raw, path, RULE_KEYS, 'a rule');
    if (record === undefined) return;
    const name = record.name === undefined ? undefined : reader.string(record.name, [...path, 'name'], 'a rule name');
    if (record.name === undefined) reader.error(path, 'policy.missing_field', 'a rule needs a `name`');

    const match = record.match === undefined ? [] : readMatch(reader, record.match, [...path, 'match'], '`match`');
    if (record.match === undefined && record.condition === undefined) {
      reader.error(path, 'policy.missing_field', `rule \`${name ?? position}\` needs \`match\` or \`condition\``);
    }
    const unless = record.unless === undefined ? undefined : readMatch(reader, record.unless, [...path, 'unless'], '`unless`');
    const condition = record.condition === undefined ? undefined : readCondition(reader, record.condition, [...path, 'condition']);
    const decision = record.decision === undefined ? undefined : reader.decision(record.decision, [...path, 'decision']);
    const risk = record.risk === undefined ? undefined : reader.risk(record.risk, [...path, 'risk']);
    if (record.decision === undefined && record.risk === undefined) {
      reader.error(path, 'policy.missing_field', `rule \`${name ?? position}\` needs a \`decision\` or a \`risk\``);
    }
    const reason = record.reason === undefined ? undefined : reader.string(record.reason, [...path, 'reason'], '`reason`');
    if (record.description !== undefined) reader.string(record.description, [...path, 'description'], '`description`');
    const route = readRoute(reader, record, path);
    if (name === undefined || match === undefined || (record.unless !== undefined && unless === undefined)) return;
    if (record.condition !== undefined && condition === undefined) return;
    if (decision === undefined && risk === undefined) return;
    const rule: RuleSpec = {
      name,
      match,
      ...(unless === undefined ? {} : { unless }),
      ...(condition === undefined ? {} : { condition }),
      ...(decision === undefined ? {} : { decision }),
      ...(risk === undefined ? {} : { risk }),
      ...(reason === undefined ? {} : { reason }),
      ...route,
      file: reader.file,
      index: -1,
    };
    recordOrigin(rule, reader.source, path);
    rules.push({ rule, reader, path });
  });
  return rules;
}

/** Names must be unique across the whole bundle: explanations and tests refer to rules by name. */
export function checkDuplicateNames(rules: ReadRule[]): void {
  const seen = new Map<string, ReadRule>();
  for (const entry of rules) {
    const first = seen.get(entry.rule.name);
    if (first === undefined) {
      seen.set(entry.rule.name, entry);
      continue;
    }
    const position = first.reader.source.locate(first.path);
    const where = position === undefined ? '' : ` (first at ${first.reader.file}:${position.line})`;
    entry.reader.error([...entry.path, 'name'], 'policy.duplicate_rule', `rule name \`${entry.rule.name}\` is used twice${where}`);
  }
}
