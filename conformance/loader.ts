// Reads the conformance corpus (`cases/<topic>/<name>.yaml`) into checked cases. Any malformed
// file throws, naming the file and case: a typo in a case must never quietly test less.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseDocument } from 'yaml';

export const DECISIONS = ['ALLOW', 'REVIEW', 'REQUIRE_APPROVAL', 'DENY'] as const;
export const RISK_TIERS = ['low', 'medium', 'high', 'critical'] as const;

export interface PolicyFile {
  path: string;
  text: string;
}

export interface CaseOptions {
  level?: number;
  novel?: boolean;
  action_id?: string;
}

export interface Want {
  decision: (typeof DECISIONS)[number];
  rules?: string[];
  risk?: string | null;
  missing?: string[];
  reasons?: string[];
  /** A subset of the decision's route; null when there must be no route. */
  route?: Record<string, unknown> | null;
}

export type Expectation =
  | { kind: 'decision'; action: unknown; options: CaseOptions; want: Want }
  | { kind: 'error'; codes: string[]; at?: string[]; messages?: (string | null)[] };

export interface ConformanceCase {
  /** `<topic>/<name>: <note>`, unique across the corpus. */
  title: string;
  file: string;
  note: string;
  /** The bundle's files in name order, as a folder of them would load. */
  policy: PolicyFile[];
  expect: Expectation;
}

const CASE_KEYS = [
  'note',
  'policy',
  'policy_files',
  'policy_from',
  'action',
  'options',
  'want',
  'want_error',
  'want_error_at',
  'want_error_message',
];
const WANT_KEYS = ['decision', 'rules', 'risk', 'missing', 'reasons', 'route'];
const OPTION_KEYS = ['level', 'novel', 'action_id'];
// Folders skip `*.test.yaml` beside a policy, so such a name would vanish from the CLI's bundle.
const POLICY_FILE_NAME = /^[\w-]+\.ya?ml$/;
const TEST_FILE_NAME = /[._-]test\.ya?ml$/i;

type Plain = Record<string, unknown>;

class CaseFileError extends Error {}

function isPlain(value: unknown): value is Plain {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

/** Every case under `casesDir`; `repoRoot` anchors `policy_from` folders. */
export function loadCorpus(casesDir: string, repoRoot: string): ConformanceCase[] {
  const cases: ConformanceCase[] = [];
  const titles = new Set<string>();
  for (const topic of sortedEntries(casesDir)) {
    const topicDir = join(casesDir, topic);
    if (!statSync(topicDir).isDirectory()) throw new CaseFileError(`${topicDir}: case files belong in cases/<topic>/<name>.yaml`);
    for (const name of sortedEntries(topicDir)) {
      const path = join(topicDir, name);
      if (!name.endsWith('.yaml') || !statSync(path).isFile()) throw new CaseFileError(`${path}: only <name>.yaml case files belong here`);
      const file = relative(repoRoot, path);
      for (const testCase of parseCaseFile(file, `${topic}/${name.slice(0, -'.yaml'.length)}`, readFileSync(path, 'utf8'), repoRoot)) {
        if (titles.has(testCase.title)) throw new CaseFileError(`${file}: the title \`${testCase.title}\` is used twice`);
        titles.add(testCase.title);
        cases.push(testCase);
      }
    }
  }
  return cases;
}

function sortedEntries(dir: string): string[] {
  return readdirSync(dir)
    .filter((entry) => !entry.startsWith('.'))
    .sort((a, b) => a.localeCompare(b));
}

/** The cases of one file; `prefix` is `<topic>/<name>`. */
export function parseCaseFile(file: string, prefix: string, text: string, repoRoot: string): ConformanceCase[] {
  const document = parseDocument(text, { uniqueKeys: true, prettyErrors: false });
  const problem = document.errors[0] ?? document.warnings[0];
  if (problem !== undefined) throw new CaseFileError(`${file}: not valid YAML: ${problem.message}`);
  const data: unknown = document.toJS();
  if (!isPlain(data) || Object.keys(data).join() !== 'cases' || !Array.isArray(data.cases) || data.cases.length === 0) {
    throw new CaseFileError(`${file}: a case file is a map with one key, \`cases\`, holding a non-empty list`);
  }
  return data.cases.map((raw, index) => {
    const where = isPlain(raw) && typeof raw.note === 'string' ? `case \`${raw.note}\`` : `case ${index + 1}`;
    try {
      return parseCase(raw, prefix, file, repoRoot);
    } catch (error) {
      if (error instanceof CaseFileError) throw new CaseFileError(`${file}: ${where}: ${error.message}`);
      throw error;
    }
  });
}

function parseCase(raw: unknown, prefix: string, file: string, repoRoot: string): ConformanceCase {
  if (!isPlain(raw)) throw new CaseFileError('a case must be a map');
  const unknown = Object.keys(raw).filter((key) => !CASE_KEYS.includes(key));
  if (unknown.length > 0) throw new CaseFileError(`unknown keys ${unknown.join(', ')} (allowed: ${CASE_KEYS.join(', ')})`);
  if (typeof raw.note !== 'string' || raw.note.trim() === '') throw new CaseFileError('`note` must be a non-empty string');
  const testCase: ConformanceCase = {
    title: `${prefix}: ${raw.note}`,
    file,
    note: raw.note,
    policy: readPolicy(raw, repoRoot),
    expect: raw.want_error === undefined ? readDecisionExpectation(raw) : readErrorExpectation(raw),
  };
  return testCase;
}

function readPolicy(raw: Plain, repoRoot: string): PolicyFile[] {
  const given = ['policy', 'policy_files', 'policy_from'].filter((key) => raw[key] !== undefined);
  if (given.length === 0) throw new CaseFileError('give the policy as `policy`, `policy_files` or `policy_from`');
  if (raw.policy !== undefined) {
    if (given.length > 1) throw new CaseFileError('`policy` is one file; use `policy_files` (with `policy_from`) for bundles');
    if (typeof raw.policy !== 'string') throw new CaseFileError('`policy` must be the policy text');
    return [{ path: 'policy.yaml', text: raw.policy }];
  }
  const files: PolicyFile[] = [];
  if (raw.policy_from !== undefined) {
    if (typeof raw.policy_from !== 'string') throw new CaseFileError('`policy_from` must be a folder relative to the repository root');
    const folder = resolve(repoRoot, raw.policy_from);
    if (!existsSync(folder)) throw new CaseFileError(`\`policy_from\` folder \`${raw.policy_from}\` does not exist`);
    const names = sortedEntries(folder).filter((name) => POLICY_FILE_NAME.test(name));
    if (names.length === 0) throw new CaseFileError(`\`policy_from\` folder \`${raw.policy_from}\` holds no policy files`);
    for (const name of names) files.push({ path: name, text: readFileSync(join(folder, name), 'utf8') });
  }
  if (raw.policy_files !== undefined) {
    if (!isPlain(raw.policy_files) || Object.keys(raw.policy_files).length === 0) {
      throw new CaseFileError('`policy_files` must map file names to policy texts');
    }
    for (const [name, text] of Object.entries(raw.policy_files)) {
      if (!POLICY_FILE_NAME.test(name) || TEST_FILE_NAME.test(name))
        throw new CaseFileError(`\`${name}\` is not a usable policy file name`);
      if (typeof text !== 'string') throw new CaseFileError(`the text of \`${name}\` must be a string`);
      if (files.some((file) => file.path === name)) throw new CaseFileError(`\`${name}\` is given twice`);
      files.push({ path: name, text });
    }
  }
  return files.sort((a, b) => a.path.localeCompare(b.path));
}

function readDecisionExpectation(raw: Plain): Expectation {
  for (const key of ['want_error_at', 'want_error_message']) {
    if (raw[key] !== undefined) throw new CaseFileError(`\`${key}\` needs \`want_error\``);
  }
  if (!('action' in raw)) throw new CaseFileError('a case needs an `action` (null is an action too) and `want`, or `want_error`');
  if (!isPlain(raw.want)) throw new CaseFileError('`want` must be a map with at least `decision`');
  return { kind: 'decision', action: raw.action, options: readOptions(raw.options), want: readWant(raw.want) };
}

function readOptions(value: unknown): CaseOptions {
  if (value === undefined) return {};
  if (!isPlain(value)) throw new CaseFileError('`options` must be a map');
  const unknown = Object.keys(value).filter((key) => !OPTION_KEYS.includes(key));
  if (unknown.length > 0) throw new CaseFileError(`unknown options ${unknown.join(', ')} (allowed: ${OPTION_KEYS.join(', ')})`);
  const options: CaseOptions = {};
  if (value.level !== undefined) {
    if (typeof value.level !== 'number' || !Number.isInteger(value.level) || value.level < 0) {
      throw new CaseFileError('`options.level` must be a whole number from 0');
    }
    options.level = value.level;
  }
  if (value.novel !== undefined) {
    if (typeof value.novel !== 'boolean') throw new CaseFileError('`options.novel` must be true or false');
    options.novel = value.novel;
  }
  if (value.action_id !== undefined) {
    if (typeof value.action_id !== 'string' || value.action_id === '') throw new CaseFileError('`options.action_id` must be a string');
    options.action_id = value.action_id;
  }
  return options;
}

function readWant(value: Plain): Want {
  const unknown = Object.keys(value).filter((key) => !WANT_KEYS.includes(key));
  if (unknown.length > 0) throw new CaseFileError(`unknown keys in \`want\`: ${unknown.join(', ')} (allowed: ${WANT_KEYS.join(', ')})`);
  const decision = value.decision;
  if (!(DECISIONS as readonly unknown[]).includes(decision))
    throw new CaseFileError(`\`want.decision\` must be one of ${DECISIONS.join(', ')}`);
  const want: Want = { decision: decision as Want['decision'] };
  for (const key of ['rules', 'missing', 'reasons'] as const) {
    if (value[key] === undefined) continue;
    if (!isStringList(value[key])) throw new CaseFileError(`\`want.${key}\` must be a list of strings`);
    want[key] = value[key];
  }
  if ('risk' in value) {
    if (value.risk !== null && !(RISK_TIERS as readonly unknown[]).includes(value.risk)) {
      throw new CaseFileError(`\`want.risk\` must be null or one of ${RISK_TIERS.join(', ')}`);
    }
    want.risk = value.risk as string | null;
  }
  if ('route' in value) {
    if (value.route !== null && !isPlain(value.route)) throw new CaseFileError('`want.route` must be a map or null');
    want.route = value.route;
  }
  return want;
}

function readErrorExpectation(raw: Plain): Expectation {
  for (const key of ['action', 'options', 'want']) {
    if (raw[key] !== undefined) throw new CaseFileError(`a \`want_error\` case takes no \`${key}\`: the policy must not load`);
  }
  const codes = raw.want_error;
  if (!isStringList(codes) || codes.length === 0) throw new CaseFileError('`want_error` must be a non-empty list of diagnostic codes');
  const expectation: Expectation = { kind: 'error', codes };
  if (raw.want_error_at !== undefined) {
    const at = raw.want_error_at;
    if (!isStringList(at) || at.length !== codes.length || !at.every((item) => /^\d+:\d+$/.test(item))) {
      throw new CaseFileError('`want_error_at` must list one `line:col` per code of `want_error`');
    }
    expectation.at = at;
  }
  if (raw.want_error_message !== undefined) {
    const messages = raw.want_error_message;
    if (!Array.isArray(messages) || messages.length !== codes.length || !messages.every((m) => m === null || typeof m === 'string')) {
      throw new CaseFileError('`want_error_message` must list, per code of `want_error`, a text its message contains (or null)');
    }
    expectation.messages = messages;
  }
  return expectation;
}
