// Property tests of the kernel's promises: bad policy text never throws, evaluation never throws,
// is deterministic, and only ever tightens (DESIGN.md §3.3). Seeded and bounded to run in seconds.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DECISIONS,
  decisionRank,
  loadPolicy,
  type CompiledPolicy,
  type EvaluateOptions,
  type LoadResult,
  type PolicyDecision,
} from '../index.js';

const SEED = 20251125;
const runs = (numRuns: number) => ({ seed: SEED, numRuns });

const guide = (name: string) => readFileSync(new URL(`../../../../examples/guide/${name}`, import.meta.url), 'utf8');
const EXAMPLES = ['safety-policy.yaml', 'approval-policies.yaml', 'workflow-production-deploy.yaml'].map((path) => ({
  path,
  text: guide(path),
}));

/** Every block, every operator, CEL in rules and exceptions; `rules` comes last so tests can append to it. */
const RICH = `
defaults: { decision: ALLOW, approvers: [on-call], timeout: 4h, on_timeout: escalate, escalate_to: [leads] }
groups:
  leads: [alice, bob]
  on-call: { members: [carol], description: first responders }
approval_policies:
  production:
    default: REQUIRE_APPROVAL
    exceptions:
      - { action: read_only_query, decision: ALLOW }
      - { action: scale_up, condition: "replicas < 10", decision: ALLOW }
  staging:
    default: ALLOW
    exceptions:
      - { action: [delete, drop_table], decision: REQUIRE_APPROVAL, approvers: [leads] }
autonomy:
  default_level: 1
  agents: { veteran: 3, rookie: 0 }
  audit_sample_rate: 0.3
  promote_after: 50
  demote_on: [reversal, flagged]
escalation: { min_confidence: 0.8, on_conflicting_signals: true, on_missing_context: true, on_ambiguous_instructions: true, novelty: true }
review: { window: 7d, reviewers: [leads] }
workflows:
  deploy-flow:
    steps:
      - { id: analysis, type: worker, config: { capability: analyzer } }
      - { id: review, type: approval, depends_on: [analysis], config: { approvers: [leads], timeout: 4h, on_timeout: deny } }
rules:
  - { name: prod-changes, match: { environment: production, action_type: [deploy, scale, delete] }, decision: REQUIRE_APPROVAL, workflow: deploy-flow }
  - { name: big-money, match: { capability: payment, amount_usd: { gt: 10000 } }, unless: { agent: finance-bot }, decision: REQUIRE_APPROVAL }
  - { name: bulk, match: { affected_records: { gte: 1000 } }, risk: high }
  - { name: pennies, match: { amount_usd: { lt: 1, gte: 0 } }, decision: ALLOW }
  - { name: small-scale, match: { replicas: { lte: 3 } }, risk: low }
  - { name: branches, match: { branch: { ne: main } }, decision: REVIEW }
  - { name: eu, match: { region: { eq: eu-west-1 } }, decision: REVIEW, risk: medium }
  - { name: strangers, match: { agent: { not_in: [veteran, rookie] } }, risk: medium }
  - { name: admin-ports, match: { port: { in: [22, 3389] } }, decision: DENY }
  - { name: rm-rf, match: { command: { matches: "rm\\\\s+-rf" } }, decision: DENY }
  - { name: etc, match: { path: { glob: "/etc/**" } }, decision: DENY }
  - { name: github, match: { action_type: { prefix: "github__" } }, risk: low }
  - { name: pii, match: { tags: { contains: pii } }, decision: REQUIRE_APPROVAL, criteria: [purpose is documented] }
  - { name: no-ticket, match: { environment: production, context.ticket: { exists: false } }, decision: REVIEW }
  - { name: sql-heavy, condition: "size(files) > 2 && files.exists(f, f.endsWith('.sql'))", decision: REQUIRE_APPROVAL }
  - { name: per-item, match: { capability: payment }, condition: "amount_usd / count > 100", decision: ALLOW }
  - { name: big-diff, condition: "context.diff.lines > 500", risk: critical }
`;

function load(source: Parameters<typeof loadPolicy>[0]): CompiledPolicy {
  const result = loadPolicy(source);
  if (!result.ok) throw new Error(result.diagnostics.map((d) => `${d.line}:${d.column} ${d.code}: ${d.message}`).join('\n'));
  return result.policy;
}

const rich = load(RICH);

// ---- arbitraries ----------------------------------------------------------------------------

const OTHER_TYPES = [
  '[1, 2]',
  '{ x: 1 }',
  'null',
  '~',
  '42',
  '-3.5',
  '"text"',
  'true',
  '[]',
  '{}',
  'DENY',
  '.nan',
  '2024-01-01',
  '*nowhere',
  '&a x',
  '!!binary aGk=',
  '|',
];
const YAML_CHARS = [':', '-', ' ', '\t', '\n', '{', '}', '[', ']', '"', "'", '#', '&', '*', '!', '|', '>', '%', '@', ',', '?'];

type Edit = { op: number; a: number; b: number; pick: number };
// Retyping a value is weighted up: character edits mostly stop at the YAML parser.
const edit: fc.Arbitrary<Edit> = fc.record({ op: fc.nat(12), a: fc.nat(), b: fc.nat(), pick: fc.nat() });

/** One structural edit of YAML text: characters, lines, indentation, or a value of another type. */
function applyEdit(text: string, { op, a, b, pick }: Edit): string {
  const at = text.length === 0 ? 0 : a % text.length;
  const lines = text.split('\n');
  const line = a % lines.length;
  const other = b % lines.length;
  switch (op) {
    case 0:
      return text.slice(0, at) + text.slice(at + 1);
    case 1:
      return text.slice(0, at) + text.charAt(at) + text.slice(at);
    case 2:
      return text.slice(0, at) + text.charAt(at + 1) + text.charAt(at) + text.slice(at + 2);
    case 3:
      return text.slice(0, at) + YAML_CHARS[pick % YAML_CHARS.length]! + text.slice(at);
    case 4:
      lines.splice(line, 1);
      break;
    case 5:
      lines.splice(line, 0, lines[line]!);
      break;
    case 6:
      [lines[line], lines[other]] = [lines[other]!, lines[line]!];
      break;
    case 7: {
      const shift = (pick % 9) - 4;
      lines[line] = shift >= 0 ? ' '.repeat(shift) + lines[line] : lines[line]!.replace(new RegExp(`^ {0,${-shift}}`), '');
      break;
    }
    default: {
      // Any value after a `key: `, in block or flow style, becomes one of another type.
      const values = [...text.matchAll(/(?<=:[ \t])[^\s,{}[\]#][^,{}[\]\n#]*/g)];
      const value = values[a % Math.max(values.length, 1)];
      if (value === undefined) return text;
      const end = value.index + value[0].length;
      return text.slice(0, value.index) + OTHER_TYPES[pick % OTHER_TYPES.length]! + text.slice(end);
    }
  }
  return lines.join('\n');
}

const mutated = (text: string) => fc.array(edit, { minLength: 1, maxLength: 6 }).map((edits) => edits.reduce(applyEdit, text));

const YAML_TOKENS = [
  ...['rules:', 'match:', 'decision: DENY', 'name: r', 'workflow: w', 'steps:', 'condition: "a >', 'autonomy:', '0: '],
  ...['- ', '  ', '\n', ': ', '{', '}', '[', ']', 'gt: ', '1', 'x', '"', "'", '&a ', '*a', '!!str ', '#', '---\n', '|\n'],
];
const yamlish = fc.array(fc.constantFrom(...YAML_TOKENS), { maxLength: 60 }).map((tokens) => tokens.join(''));

const VOCABULARY = (
  'deploy scale delete scale_up read_only_query production staging payment veteran rookie finance-bot main eu-west-1 pii ' +
  '/etc/passwd github__merge conflicting ambiguous missing_context'
).split(' ');
const scalar = fc.oneof(
  fc.constantFrom(...VOCABULARY),
  fc.integer({ min: -5, max: 20000 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
);
/** Present one time in three, and then mostly of the type the policy expects, so rules can match. */
const field = (name: string, value: fc.Arbitrary<unknown>) =>
  fc.oneof(
    { arbitrary: fc.constant(undefined), weight: 6 },
    { arbitrary: value.map((v) => [name, v] as const), weight: 2 },
    { arbitrary: scalar.map((v) => [name, v] as const), weight: 1 },
  );

/** Actions shaped like the rich policy's vocabulary, so rules, exceptions and triggers really fire. */
const policyAction: fc.Arbitrary<Record<string, unknown>> = fc
  .tuple(
    field('action_type', fc.constantFrom(...VOCABULARY)),
    field('action', fc.constantFrom(...VOCABULARY)),
    field('environment', fc.constantFrom('production', 'staging', 'dev')),
    field('capability', fc.constantFrom('payment', 'search')),
    field('agent', fc.constantFrom('veteran', 'rookie', 'finance-bot', 'stranger')),
    field('amount_usd', fc.oneof(fc.integer({ min: 0, max: 50000 }), fc.double({ min: 0, max: 2, noNaN: true }))),
    field('count', fc.integer({ min: 0, max: 100 })),
    field('replicas', fc.integer({ min: 0, max: 20 })),
    field('affected_records', fc.integer({ min: 0, max: 5000 })),
    field('port', fc.constantFrom(22, 80, 3389)),
    field('command', fc.constantFrom('rm -rf /', 'ls')),
    field('path', fc.constantFrom('/etc/hosts', '/tmp/x')),
    field('tags', fc.array(scalar, { maxLength: 3 })),
    field('branch', fc.constantFrom('main', 'feature')),
    field('region', fc.constantFrom('eu-west-1', 'us-east-1')),
    field('files', fc.array(fc.constantFrom('a.sql', 'b.ts'), { maxLength: 4 })),
    field('context', fc.record({ ticket: scalar, diff: fc.record({ lines: fc.integer({ min: 0, max: 1000 }) }) }, { requiredKeys: [] })),
    field('confidence', fc.double({ min: 0, max: 1, noNaN: true })),
    field(
      'signals',
      fc.oneof(
        fc.array(fc.constantFrom('conflicting', 'ambiguous', 'missing_context')),
        fc.dictionary(fc.constantFrom('conflicting', 'ambiguous', 'missing_context'), scalar),
      ),
    ),
    field('idempotency_key', fc.string({ maxLength: 8 })),
  )
  .map((entries) => Object.fromEntries(entries.filter((entry) => entry !== undefined)));

const anyAction = fc.oneof(fc.jsonValue(), fc.object(), policyAction);

const options: fc.Arbitrary<EvaluateOptions> = fc.record(
  { level: fc.integer({ min: -2, max: 6 }), novel: fc.boolean(), actionId: fc.string({ maxLength: 10 }) },
  { requiredKeys: [] },
);

const OPERAND: Record<string, fc.Arbitrary<unknown>> = {
  eq: scalar,
  ne: scalar,
  contains: scalar,
  gt: fc.oneof(fc.integer(), fc.constantFrom(...VOCABULARY)),
  gte: fc.integer(),
  lt: fc.integer(),
  lte: fc.oneof(fc.integer(), fc.constantFrom(...VOCABULARY)),
  in: fc.array(scalar, { minLength: 1, maxLength: 3 }),
  not_in: fc.array(scalar, { minLength: 1, maxLength: 3 }),
  matches: fc.constantFrom('^de', 'rm', '\\d+', '.*'),
  glob: fc.constantFrom('/etc/**', '*', 'de*'),
  prefix: fc.constantFrom('de', 'github__', ''),
  exists: fc.boolean(),
};
const FIELDS = 'action_type environment capability agent amount_usd replicas tags path command context.diff.lines confidence'.split(' ');

/** A match-only rule: without CEL it cannot fail at run time, so not matching means not mattering. */
const extraRule = fc
  .record({
    tests: fc.array(
      fc
        .tuple(fc.constantFrom(...FIELDS), fc.constantFrom(...Object.keys(OPERAND)))
        .chain(([path, op]) => OPERAND[op]!.map((operand) => [path, { [op]: operand }] as const)),
      { minLength: 1, maxLength: 3 },
    ),
    decision: fc.constantFrom(...DECISIONS),
  })
  .map(({ tests, decision }) => ({ name: 'extra-rule', match: Object.fromEntries(tests), decision }));

/** JSON is YAML, so a rule can be appended to the last block, `rules`, as one flow-style entry. */
const withRule = (rule: object) => `${RICH}  - ${JSON.stringify(rule)}\n`;

// ---- checks ---------------------------------------------------------------------------------

function expectWellFormed(result: LoadResult): void {
  for (const diagnostic of result.diagnostics) {
    expect(diagnostic.code).toMatch(/^[a-z]+\.[a-z_]+$/);
    expect(diagnostic.message).toEqual(expect.any(String));
    expect(diagnostic.message.length).toBeGreaterThan(0);
    if (diagnostic.file !== undefined) expect(diagnostic.line).toBeGreaterThanOrEqual(1);
  }
  if (!result.ok) expect(result.diagnostics.some((diagnostic) => diagnostic.severity === 'error')).toBe(true);
}

function expectSound(result: PolicyDecision, version: string): void {
  expect(DECISIONS).toContain(result.decision);
  expect(result.policy_version).toBe(version);
  // Safety nets only tighten: nothing ends laxer than a matching rule, and any error denies.
  for (const reason of result.reasons) {
    if (reason.kind === 'rule') expect(decisionRank(result.decision)).toBeGreaterThanOrEqual(decisionRank(reason.decision));
    if (reason.kind === 'error') expect(result.decision).toBe('DENY');
  }
}

// ---- properties -----------------------------------------------------------------------------

describe('loadPolicy on bad text', () => {
  it('never throws on random YAML-like text or random strings', () => {
    fc.assert(
      fc.property(fc.oneof(yamlish, fc.string({ unit: 'binary', maxLength: 200 })), (text) =>
        expectWellFormed(loadPolicy({ path: 'p.yaml', text })),
      ),
      runs(200),
    );
  });

  it.each([...EXAMPLES.map((file) => [file.path, file.text]), ['rich policy', RICH]])(
    'never throws on mutations of the %s',
    (_name, text) => {
      fc.assert(
        fc.property(mutated(text), (changed) => expectWellFormed(loadPolicy({ path: 'p.yaml', text: changed }))),
        runs(150),
      );
    },
  );

  it('never throws on a bundle with one mutated file', () => {
    fc.assert(
      fc.property(fc.nat(EXAMPLES.length - 1), fc.array(edit, { minLength: 1, maxLength: 6 }), (index, edits) => {
        const files = EXAMPLES.map((file, i) => (i === index ? { ...file, text: edits.reduce(applyEdit, file.text) } : file));
        expectWellFormed(loadPolicy(files));
      }),
      runs(150),
    );
  });

  it('loads the examples untouched and rejects a retyped value, so the properties above are not vacuous', () => {
    expect(loadPolicy(EXAMPLES).ok).toBe(true);
    const broken = loadPolicy({ path: 'p.yaml', text: EXAMPLES[0]!.text.replace('decision: REQUIRE_APPROVAL', 'decision: [1, 2]') });
    expect(broken.ok).toBe(false);
    expectWellFormed(broken);
  });
});

describe('evaluate', () => {
  it('never throws and always decides, for any JSON action and options', () => {
    fc.assert(
      fc.property(anyAction, options, (action, given) => expectSound(rich.evaluate(action, given), rich.version)),
      runs(1000),
    );
  });

  it('is deterministic and leaves the action untouched', () => {
    const reloaded = load(RICH);
    fc.assert(
      fc.property(anyAction, options, (action, given) => {
        const before = structuredClone(action);
        const first = rich.evaluate(action, given);
        expect(rich.evaluate(action, given)).toEqual(first);
        expect(reloaded.evaluate(action, given)).toEqual(first);
        expect(action).toEqual(before);
      }),
      runs(500),
    );
  });

  it('is unchanged by adding a rule that does not match', () => {
    fc.assert(
      fc.property(policyAction, options, extraRule, (action, given, rule) => {
        const extended = load(withRule(rule)).evaluate(action, given);
        fc.pre(!extended.reasons.some((reason) => reason.name === rule.name));
        const { missing: _a, policy_version: _b, ...expected } = rich.evaluate(action, given);
        const { missing: _c, policy_version: _d, ...actual } = extended;
        expect(actual).toEqual(expected);
      }),
      runs(150),
    );
  });

  it('never lowers a DENY from a matching rule', () => {
    fc.assert(
      fc.property(policyAction, options, fc.nat(), (action, given, pick) => {
        // Pin the rule to one of the action's own scalar fields (or to nothing), so that it matches.
        const pinned = Object.entries(action).filter(
          ([key, value]) =>
            key !== 'action' &&
            key !== 'action_type' &&
            (typeof value === 'string' || typeof value === 'boolean' || Number.isInteger(value)),
        );
        const chosen = pinned[pick % (pinned.length + 1)];
        const rule = { name: 'deny-rule', match: chosen === undefined ? {} : { [chosen[0]]: chosen[1] }, decision: 'DENY' };
        const result = load(withRule(rule)).evaluate(action, given);
        expect(result.reasons.some((reason) => reason.kind === 'rule' && reason.name === 'deny-rule')).toBe(true);
        expect(result.decision).toBe('DENY');
      }),
      runs(150),
    );
  });
});
