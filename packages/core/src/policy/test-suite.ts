// `policy test`: YAML test files of actions and the decisions they must get.
//
//   policy: safety-policy.yaml        # optional, relative to the test file
//   tests:
//     - name: production deploys need approval
//       action: { action_type: deploy, environment: production }
//       level: 1                      # optional: the agent's autonomy level
//       novel: true                   # optional: first time for this agent
//       want: { decision: REQUIRE_APPROVAL, rules: [production-approval] }

import { isDecision, isRiskTier, type Decision, type RiskTier } from '../decision.js';
import type { Diagnostic } from '../diagnostics.js';
import { explainDecision } from './explain.js';
import type { CompiledPolicy } from './load.js';
import { isPlainObject, Reader } from './reader.js';
import { readSources, type PolicyFile } from './source.js';
import type { PolicyDecision } from './result.js';

export interface PolicyTestCase {
  name: string;
  line?: number;
  action: unknown;
  level?: number;
  novel?: boolean;
  action_id?: string;
  want: { decision?: Decision; rules?: string[]; risk?: RiskTier | null; reasons?: string[]; missing?: string[] };
}

export interface PolicyTestFile {
  file: string;
  /** The policy named by the file, relative to it. */
  policy?: string;
  cases: PolicyTestCase[];
}

export interface PolicyTestResult {
  case: PolicyTestCase;
  passed: boolean;
  failures: string[];
  result: PolicyDecision;
  explanation: string;
}

const FILE_KEYS = ['policy', 'tests'] as const;
const CASE_KEYS = ['name', 'action', 'level', 'novel', 'action_id', 'want'] as const;
const WANT_KEYS = ['decision', 'rules', 'risk', 'reasons', 'missing'] as const;

export function readTestFile(
  file: PolicyFile,
): { ok: true; tests: PolicyTestFile; diagnostics: Diagnostic[] } | { ok: false; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const [document] = readSources([file], diagnostics);
  if (document === undefined) {
    if (diagnostics.length === 0)
      diagnostics.push({ code: 'test.empty', message: 'the test file is empty', severity: 'error', file: file.path });
    return { ok: false, diagnostics };
  }
  const reader = new Reader(document, diagnostics);
  const record = reader.object(document.data, [], FILE_KEYS, 'a test file');
  const tests: PolicyTestFile = { file: file.path, cases: [] };
  if (record !== undefined) {
    if (record.policy !== undefined) {
      const policy = reader.string(record.policy, ['policy'], '`policy`');
      if (policy !== undefined) tests.policy = policy;
    }
    if (!Array.isArray(record.tests) || record.tests.length === 0) {
      reader.error(record.tests === undefined ? [] : ['tests'], 'test.missing_field', 'a test file needs a non-empty `tests` list');
    } else {
      record.tests.forEach((raw, index) => {
        const testCase = readCase(reader, raw, ['tests', index]);
        if (testCase !== undefined) tests.cases.push(testCase);
      });
    }
  }
  if (diagnostics.some((diagnostic) => diagnostic.severity === 'error')) return { ok: false, diagnostics };
  return { ok: true, tests, diagnostics };
}

function readCase(reader: Reader, raw: unknown, path: (string | number)[]): PolicyTestCase | undefined {
  const record = reader.object(raw, path, CASE_KEYS, 'a test case');
  if (record === undefined) return undefined;
  const line = reader.source.locate(path)?.line;
  const name = record.name === undefined ? `case ${String(path[1])}` : reader.string(record.name, [...path, 'name'], 'a test name');
  if (record.action === undefined) reader.error(path, 'test.missing_field', `test \`${name}\` needs an \`action\``);
  if (record.want === undefined) reader.error(path, 'test.missing_field', `test \`${name}\` needs a \`want\``);
  const want = record.want === undefined ? undefined : reader.object(record.want, [...path, 'want'], WANT_KEYS, '`want`');
  if (name === undefined || record.action === undefined || want === undefined) return undefined;
  const testCase: PolicyTestCase = { name, action: record.action, want: {}, ...(line === undefined ? {} : { line }) };
  if (want.decision !== undefined) {
    if (isDecision(want.decision)) testCase.want.decision = want.decision;
    else reader.decision(want.decision, [...path, 'want', 'decision']);
  }
  for (const key of ['rules', 'reasons', 'missing'] as const) {
    if (want[key] === undefined) continue;
    const list =
      Array.isArray(want[key]) && (want[key] as unknown[]).length === 0
        ? []
        : reader.stringList(want[key], [...path, 'want', key], `\`${key}\``);
    if (list !== undefined) testCase.want[key] = list;
  }
  if (want.risk !== undefined) {
    if (want.risk === null || isRiskTier(want.risk)) testCase.want.risk = want.risk;
    else reader.risk(want.risk, [...path, 'want', 'risk']);
  }
  if (record.level !== undefined) {
    const level = reader.number(record.level, [...path, 'level'], '`level`', { min: 0, integer: true });
    if (level !== undefined) testCase.level = level;
  }
  if (record.novel !== undefined) {
    const novel = reader.boolean(record.novel, [...path, 'novel'], '`novel`');
    if (novel !== undefined) testCase.novel = novel;
  }
  if (record.action_id !== undefined) {
    const id = reader.string(record.action_id, [...path, 'action_id'], '`action_id`');
    if (id !== undefined) testCase.action_id = id;
  }
  if (isPlainObject(testCase.want) && Object.keys(testCase.want).length === 0) {
    reader.error([...path, 'want'], 'test.missing_field', `test \`${name}\` wants nothing; give at least \`decision\` or \`rules\``);
  }
  return testCase;
}

function sameSet(a: string[], b: string[]): boolean {
  const left = [...new Set(a)].sort();
  const right = [...new Set(b)].sort();
  return left.length === right.length && left.every((item, index) => item === right[index]);
}

export function runTestCase(policy: CompiledPolicy, testCase: PolicyTestCase, now = 0): PolicyTestResult {
  const result = policy.evaluate(testCase.action, {
    now,
    ...(testCase.level === undefined ? {} : { level: testCase.level }),
    ...(testCase.novel === undefined ? {} : { novel: testCase.novel }),
    ...(testCase.action_id === undefined ? {} : { actionId: testCase.action_id }),
  });
  const failures: string[] = [];
  const { want } = testCase;
  if (want.decision !== undefined && result.decision !== want.decision)
    failures.push(`decision: want ${want.decision}, got ${result.decision}`);
  const rules = result.reasons.filter((reason) => reason.kind === 'rule').map((reason) => reason.name);
  if (want.rules !== undefined && !sameSet(rules, want.rules)) {
    failures.push(`rules: want [${want.rules.join(', ')}], got [${rules.join(', ')}]`);
  }
  if (want.risk !== undefined && result.risk !== want.risk) failures.push(`risk: want ${want.risk}, got ${result.risk}`);
  const reasonNames = result.reasons.map((reason) => reason.name);
  for (const name of want.reasons ?? []) {
    if (!reasonNames.includes(name)) failures.push(`reasons: want \`${name}\` among [${reasonNames.join(', ')}]`);
  }
  const missing = result.missing.map((fact) => fact.path);
  if (want.missing !== undefined && !sameSet(missing, want.missing)) {
    failures.push(`missing: want [${want.missing.join(', ')}], got [${missing.join(', ')}]`);
  }
  return { case: testCase, passed: failures.length === 0, failures, result, explanation: explainDecision(result) };
}
