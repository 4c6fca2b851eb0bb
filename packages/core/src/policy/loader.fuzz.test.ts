// Fuzzing the policy loader behind `tollgate policy validate|lint|test` (and the server's reload,
// shadow and simulate): mutated example policies, random YAML of policy shape, and hostile text —
// deep nesting, alias bombs, huge scalars, prototype keys, tags, odd unicode. It must never throw,
// only return diagnostics, and never take long. Seeded: set TOLLGATE_FUZZ_SEED to replay a failure.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { lintPolicy, loadPolicy, readTestFile, type Diagnostic, type LoadResult } from '../index.js';
import { MAX_NESTING, tooDeep } from './source.js';

const SEED = Number(process.env.TOLLGATE_FUZZ_SEED ?? 20260602);
const RUNS = Number(process.env.TOLLGATE_FUZZ_RUNS ?? 100);
console.log(`policy loader fuzz: seed ${SEED}, ${RUNS} runs per property (TOLLGATE_FUZZ_SEED / TOLLGATE_FUZZ_RUNS to change)`);
const options = (offset: number) => ({ seed: SEED + offset, numRuns: RUNS });

/** Generous: the loader reads a large bundle in milliseconds; exponential blow-up takes far longer. */
const MAX_MS = 5_000;

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../..');
function yamlFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? yamlFiles(join(folder, entry.name)) : entry.name.endsWith('.yaml') ? [join(folder, entry.name)] : [],
  );
}
/** The repository's examples and the shared examples beside the checkout, when present. */
const EXAMPLES = [join(ROOT, 'examples'), resolve(ROOT, '../shared/examples')]
  .filter((folder) => existsSync(folder))
  .flatMap(yamlFiles)
  .map((path) => ({ path, text: readFileSync(path, 'utf8') }));
const POLICIES = EXAMPLES.filter((file) => !file.path.endsWith('.test.yaml'));
const TESTS = EXAMPLES.filter((file) => file.path.endsWith('.test.yaml'));

function expectDiagnostics(diagnostics: Diagnostic[]): void {
  for (const diagnostic of diagnostics) {
    expect(diagnostic.code).toMatch(/^[a-z]+\.[a-z_]+$/);
    expect(typeof diagnostic.message).toBe('string');
    expect(['error', 'warning', 'info']).toContain(diagnostic.severity);
  }
}

function timed<T>(what: string, work: () => T): T {
  const started = performance.now();
  const result = work();
  expect(performance.now() - started, `${what} took too long`).toBeLessThan(MAX_MS);
  return result;
}

/** Loads and lints as the CLI does, with positions and without; none may throw, nor be slow. */
function check(files: { path: string; text: string }[]): LoadResult {
  const result = timed('loading', () => loadPolicy(files));
  const positioned = timed('loading with positions', () => loadPolicy(files, { positions: true }));
  const linted = timed('linting', () => lintPolicy(files));
  expect(positioned.ok).toBe(result.ok);
  if (!result.ok) expect(result.diagnostics.some((d) => d.severity === 'error')).toBe(true);
  expectDiagnostics(result.diagnostics);
  expectDiagnostics(linted);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  return result;
}

// ---- arbitraries ----------------------------------------------------------------------------

const YAML_BITS = [
  ':',
  ': ',
  '- ',
  ' ',
  '  ',
  '\t',
  '\n',
  '\r\n',
  '{',
  '}',
  '[',
  ']',
  '"',
  "'",
  '#',
  '&a ',
  '*a',
  '!',
  '!!str ',
  '|',
  '>',
  '%',
  '@',
  ',',
  '? ',
  '---\n',
  '...\n',
  '<<: ',
  '\ufeff',
  '\u0000',
  '\u2028',
  '😀',
];
type Edit = { op: number; at: number; pick: number; size: number };
const edit = fc.record({ op: fc.nat(7), at: fc.nat(), pick: fc.nat(), size: fc.nat(40) });

/** One mutation: delete, duplicate or insert a character or a run of text, or repeat a slice. */
function applyEdit(text: string, { op, at, pick, size }: Edit): string {
  const i = text.length === 0 ? 0 : at % text.length;
  switch (op) {
    case 0:
      return text.slice(0, i) + text.slice(i + 1 + size);
    case 1:
      return text.slice(0, i) + YAML_BITS[pick % YAML_BITS.length]! + text.slice(i);
    case 2:
      return text.slice(0, i) + text.slice(i, i + size).repeat(1 + (pick % 50)) + text.slice(i + size);
    case 3:
      return text.slice(0, i) + String.fromCharCode(pick % 0x10000) + text.slice(i + 1);
    case 4: {
      const lines = text.split('\n');
      const line = at % lines.length;
      lines[line] = ' '.repeat(pick % 9) + lines[line]!.trimStart();
      return lines.join('\n');
    }
    case 5:
      return text.slice(0, i) + text.slice(pick % Math.max(text.length, 1), (pick % Math.max(text.length, 1)) + size) + text.slice(i);
    case 6:
      return (
        text.slice(0, i) + ['__proto__: { polluted: true }\n', 'constructor: { prototype: { polluted: true } }\n'][pick % 2] + text.slice(i)
      );
    default:
      return text.slice(0, i).toUpperCase() + text.slice(i);
  }
}
const mutations = fc.array(edit, { minLength: 1, maxLength: 8 });

const KEYS = [
  ...['rules', 'name', 'match', 'unless', 'condition', 'decision', 'risk', 'approvers', 'require', 'workflow', 'criteria', 'modifiable'],
  ...['defaults', 'groups', 'members', 'approval_policies', 'default', 'exceptions', 'action', 'workflows', 'steps', 'id', 'type'],
  ...['config', 'capability', 'depends_on', 'timeout', 'on_timeout', 'escalate_to', 'autonomy', 'levels', 'escalation', 'review'],
  ...['notifications', 'channels', 'routes', 'events', 'token_env', 'tests', 'cases', 'want', 'policy', '__proto__', 'constructor'],
];
const VALUES = [
  'DENY',
  'ALLOW',
  'REVIEW',
  'REQUIRE_APPROVAL',
  'high',
  '4h',
  'deploy',
  'production',
  'approval',
  'worker',
  'gt',
  'matches',
  '(a+)+$',
  'size(x) > 1',
];
const policyish: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(...VALUES),
    fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.string({ unit: 'grapheme', maxLength: 20 })),
    fc.array(tie('node'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 8 })), tie('node'), { maxKeys: 5 }),
  ),
})).node;
const randomYaml = fc
  .dictionary(fc.constantFrom(...KEYS), policyish, { minKeys: 1, maxKeys: 5 })
  .map((value) => stringify(value, { aliasDuplicateObjects: false }));

const bomb = (width: number, levels: number) => {
  let text = `a0: &a0 [${Array(width).fill('"x"').join(',')}]\n`;
  for (let i = 1; i < levels; i++)
    text += `a${i}: &a${i} [${Array(width)
      .fill(`*a${i - 1}`)
      .join(',')}]\n`;
  return `${text}rules:\n  - name: r\n    match: { a: { in: *a${levels - 1} } }\n    decision: DENY\n`;
};
const HOSTILE: [string, string][] = [
  ['nested flow lists', `rules: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n`],
  ['nested flow maps', `rules:\n  - name: r\n    match: ${'{a: '.repeat(10_000)}1${'}'.repeat(10_000)}\n    decision: DENY\n`],
  ['nested block lists', `rules:\n${'- '.repeat(5_000)}x\n`],
  ['nested block maps', `rules:\n${Array.from({ length: 2_000 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n')} 1\n`],
  ['just under the nesting limit', `defaults: { decision: ALLOW }\nx: ${'['.repeat(MAX_NESTING - 1)}${']'.repeat(MAX_NESTING - 1)}\n`],
  ['an alias bomb', bomb(10, 9)],
  ['a wide alias bomb', bomb(100, 4)],
  ['a huge scalar', `rules:\n  - name: ${'r'.repeat(2_000_000)}\n    match: { a: 1 }\n    decision: DENY\n`],
  [
    'a huge key count',
    `rules:\n  - name: r\n    match: {${Array.from({ length: 20_000 }, (_, i) => `k${i}: ${i}`).join(', ')}}\n    decision: DENY\n`,
  ],
  // Lint compares rules pairwise (shadowing), so this stays at a size lint handles in well under a second.
  [
    'many rules',
    `rules:\n${Array.from({ length: 1_000 }, (_, i) => `  - { name: r${i}, match: { a: ${i} }, decision: DENY }`).join('\n')}\n`,
  ],
  ['deep CEL parentheses', `rules:\n  - name: r\n    condition: "${'('.repeat(50_000)}1 > 0${')'.repeat(50_000)}"\n    decision: DENY\n`],
  ['a long CEL chain', `rules:\n  - name: r\n    condition: "${Array(20_000).fill('a').join(' && ')}"\n    decision: DENY\n`],
  [
    'a deep regular expression',
    `rules:\n  - name: r\n    match: { a: { matches: "${'('.repeat(5_000)}a${')'.repeat(5_000)}" } }\n    decision: DENY\n`,
  ],
  ['a catastrophic regular expression', 'rules:\n  - name: r\n    match: { a: { matches: "^(a+)+$" } }\n    decision: DENY\n'],
  [
    'prototype keys',
    'defaults: { decision: ALLOW, __proto__: { polluted: true } }\n__proto__: { polluted: true }\nrules:\n  - name: r\n    match: { __proto__: { polluted: 1 }, constructor: { prototype: { polluted: 1 } } }\n    decision: DENY\n',
  ],
  [
    'a merge key from a prototype',
    'p: &p { polluted: true }\nrules:\n  - { name: r, match: { a: 1 }, decision: DENY, __proto__: *p, <<: *p }\n',
  ],
  [
    'JavaScript tags',
    'rules: !!js/function "function () { globalThis.polluted = true }"\nx: !!js/regexp /a/\ny: !!binary aGk=\nz: !<tag:yaml.org,2002:js/undefined> ""\n',
  ],
  ['duplicate keys', 'defaults: { decision: ALLOW }\ndefaults: { decision: DENY }\nrules: []\nrules: []\n'],
  [
    'a NUL byte and lone surrogates',
    'defaults: { decision: ALLOW }\nrules:\n  - name: "r\u0000\ud800"\n    match: { "\udfff": 1 }\n    decision: DENY\n',
  ],
  ['a byte order mark and CRLF', '\ufeffdefaults:\r\n  decision: ALLOW\r\n'],
  ['many documents', 'defaults: { decision: ALLOW }\n' + '---\n'.repeat(20_000)],
  ['an unterminated quote before brackets', `a: 'never closed\nb: ${'['.repeat(10_000)}\n`],
  ['an apostrophe before brackets', `a: it's\nb: ${'['.repeat(10_000)}1${']'.repeat(10_000)}\n`],
];

// ---- properties -----------------------------------------------------------------------------

describe('the policy loader under fuzzing', () => {
  it('has example policies to mutate, and they load', () => {
    expect(POLICIES.length).toBeGreaterThanOrEqual(5);
    // The guide's and the starter's files refer to each other's workflows and groups: they load as folders.
    const folders = [`examples${'/'}guide`, `examples${'/'}starter`];
    const inFolder = (file: { path: string }) => folders.some((folder) => file.path.includes(folder));
    for (const file of POLICIES.filter((f) => !inFolder(f) && !f.path.includes('shared'))) expect(check([file]).ok, file.path).toBe(true);
    for (const folder of folders) expect(check(POLICIES.filter((f) => f.path.includes(folder))).ok, folder).toBe(true);
  });

  it('never throws on mutations of any example file', () => {
    fc.assert(
      fc.property(fc.nat(POLICIES.length - 1), mutations, (index, edits) => {
        const file = POLICIES[index]!;
        check([{ path: file.path, text: edits.reduce(applyEdit, file.text) }]);
      }),
      options(0),
    );
  });

  it('never throws on a bundle of examples with one file mutated', () => {
    const guide = POLICIES.filter((f) => f.path.includes(`examples${'/'}guide`));
    fc.assert(
      fc.property(fc.nat(guide.length - 1), mutations, (index, edits) => {
        check(guide.map((file, i) => (i === index ? { path: file.path, text: edits.reduce(applyEdit, file.text) } : file)));
      }),
      options(1),
    );
  });

  it('never throws on random YAML of policy shape', () => {
    fc.assert(
      fc.property(randomYaml, mutations, fc.boolean(), (text, edits, mutate) => {
        check([{ path: 'random.yaml', text: mutate ? edits.reduce(applyEdit, text) : text }]);
      }),
      options(2),
    );
  });

  it('never throws on random text', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 300 }),
          fc.array(fc.constantFrom(...YAML_BITS, ...KEYS, ...VALUES), { maxLength: 80 }).map((bits) => bits.join('')),
        ),
        (text) => {
          check([{ path: 'text.yaml', text }]);
        },
      ),
      options(3),
    );
  });

  it('never throws on mutated test files', () => {
    fc.assert(
      fc.property(fc.nat(TESTS.length - 1), mutations, (index, edits) => {
        const file = TESTS[index]!;
        const read = readTestFile({ path: file.path, text: edits.reduce(applyEdit, file.text) });
        expectDiagnostics(read.diagnostics);
      }),
      options(4),
    );
  });

  it.each(HOSTILE)('answers %s with diagnostics, promptly, and pollutes nothing', (_name, text) => {
    const result = check([{ path: 'hostile.yaml', text }]);
    expect(Object.keys(Object.prototype)).toEqual([]);
    if (!result.ok) return;
    // Whatever loaded must still evaluate without throwing.
    expect(() => result.policy.evaluate({ action_type: 'deploy', a: 'a'.repeat(40) })).not.toThrow();
  });

  it('refuses nesting past the limit before any YAML parser sees it, and says where', () => {
    const deep = `defaults: { decision: ALLOW }\nrules:\n  - ${'['.repeat(MAX_NESTING + 1)}${']'.repeat(MAX_NESTING + 1)}\n`;
    expect(tooDeep(deep)).toEqual({ line: 3, message: expect.stringContaining(`${MAX_NESTING} levels`) });
    const result = loadPolicy({ path: 'deep.yaml', text: deep });
    expect(result.ok).toBe(false);
    expect(result.diagnostics).toEqual([expect.objectContaining({ code: 'policy.yaml_syntax', line: 3, file: 'deep.yaml' })]);
    // Brackets inside quotes and comments, and apostrophes inside words, are not nesting.
    expect(tooDeep(`a: "${'['.repeat(500)}"\nb: '${'{'.repeat(500)}'\n# ${'['.repeat(500)}\nc: it's [1]\n`)).toBeUndefined();
    for (const file of POLICIES) expect(tooDeep(file.text), file.path).toBeUndefined();
  });
});
