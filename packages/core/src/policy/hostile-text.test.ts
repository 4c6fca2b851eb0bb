// Look-alike text and hostile patterns against the kernel: normalized comparisons, the
// `escalation.confusable_text` trigger, RE2 patterns refused or run in linear time, linear globs.
import { describe, expect, it } from 'vitest';
import { loadPolicy, type PolicyDecision } from '../index.js';
import { hasInvisible, isPlainAscii, mixedScripts, normalizeText, skeleton } from '../util/text.js';

const POLICY = `
rules:
  - { name: prod, match: { environment: production }, decision: REQUIRE_APPROVAL }
  - { name: no-drop, match: { action_type: drop_database }, decision: DENY }
  - { name: reads, match: { action_type: [read, list] }, decision: ALLOW }
  - { name: scoped, match: { action_type: grant, scope: { ne: admin } }, decision: ALLOW }
  - { name: on-call, match: { team: { in: [ops, sre] } }, decision: REVIEW }
  - { name: tmp, match: { action_type: write, path: { glob: "/tmp/**" } }, decision: ALLOW }
approval_policies:
  staging: { default: ALLOW }
`;

function decide(action: Record<string, unknown>, text = POLICY): PolicyDecision {
  const loaded = loadPolicy([{ path: 'p.yaml', text }]);
  if (!loaded.ok) throw new Error(loaded.diagnostics.map((d) => d.message).join('; '));
  return loaded.policy.evaluate(action);
}

function names(decision: PolicyDecision): string[] {
  return decision.reasons.map((reason) => reason.name);
}

describe('normalized comparisons', () => {
  it('drops invisible characters before matching, so a zero-width space does not dodge a DENY', () => {
    const decision = decide({ action_type: 'drop_database\u200b' });
    expect(decision.decision).toBe('DENY');
    expect(names(decision)).toContain('no-drop');
  });

  it('folds compatibility forms (NFKC): fullwidth letters meet the production rule', () => {
    expect(names(decide({ action_type: 'deploy', environment: 'ｐｒｏｄｕｃｔｉｏｎ' }))).toContain('prod');
  });

  it('normalizes in lists, ne, globs and the environment baseline', () => {
    expect(names(decide({ action_type: 'list\u00ad' }))).toContain('reads');
    expect(decide({ action_type: 'grant', scope: 'ad\u200dmin' }).decision).toBe('REQUIRE_APPROVAL');
    expect(names(decide({ action_type: 'write', path: '/tmp/\u200ba' }))).toContain('tmp');
    expect(decide({ action_type: 'x', environment: 'stag\ufeffing' }).reasons[0]!.name).toBe('approval_policies.staging.default');
  });

  it('leaves ASCII untouched and strips only what is invisible', () => {
    expect(isPlainAscii('production')).toBe(true);
    expect(normalizeText('production')).toBe('production');
    expect(normalizeText('e\u0301t\u00e9\u200b')).toBe('été');
    expect(hasInvisible('a\u2060b')).toBe(true);
    expect(hasInvisible('été')).toBe(false);
  });
});

describe('escalation.confusable_text', () => {
  it('raises a field that mixes Latin and Cyrillic letters to REQUIRE_APPROVAL, with its reason', () => {
    const decision = decide({ action_type: 'read', environment: 'pr\u043eduction' });
    expect(decision.decision).toBe('REQUIRE_APPROVAL');
    const reason = decision.reasons.find((r) => r.name === 'escalation.confusable_text');
    expect(reason).toMatchObject({ kind: 'escalation', decision: 'REQUIRE_APPROVAL' });
    expect(reason!.reason).toBe('`environment` mixes Latin and Cyrillic letters');
  });

  it('raises a field spelt wholly in another script that imitates a literal of the policy', () => {
    // `орѕ`: Cyrillic o, er and dze.
    const team = decide({ action_type: 'read', team: '\u043e\u0440\u0455' });
    expect(team.decision).toBe('REQUIRE_APPROVAL');
    expect(team.reasons.find((r) => r.name === 'escalation.confusable_text')).toMatchObject({
      reason: '`team` looks like `ops` but is spelt with other letters',
      facts: [{ path: 'team', op: 'ne', expected: 'ops' }],
    });
    // Any field the policy compares anywhere is checked, not only those of the rules that met the action.
    expect(decide({ action_type: 'read', scope: 'аdmin' }).decision).toBe('REQUIRE_APPROVAL');
    expect(skeleton('\u0455\u0441\u043e\u0440\u0435')).toBe('scope');
  });

  it('names invisible characters in a compared field even when the rule it meets allows', () => {
    const decision = decide({ action_type: 'read\u200b' });
    expect(decision.decision).toBe('REQUIRE_APPROVAL');
    expect(decision.reasons.find((r) => r.name === 'escalation.confusable_text')?.reason).toBe(
      '`action_type` holds invisible characters (read as `read`)',
    );
  });

  it('never lowers a DENY, and leaves one writing system alone', () => {
    expect(decide({ action_type: 'drop_database', environment: 'pr\u043eduction' }).decision).toBe('DENY');
    expect(mixedScripts('東京タワー')).toBeUndefined();
    expect(mixedScripts('Ελλάδα')).toBeUndefined();
    expect(mixedScripts('pr\u043eduction')).toEqual(['Latin', 'Cyrillic']);
    expect(decide({ action_type: 'read', environment: 'Zürich' }).decision).toBe('ALLOW');
  });

  it('does not look at free text the policy does not compare', () => {
    expect(decide({ action_type: 'read', summary: 'Перевод for the client' }).decision).toBe('ALLOW');
  });
});

describe('regular expressions and globs on a linear-time engine', () => {
  it('refuses lookaround and backreferences at load, naming file, line and column', () => {
    const loaded = loadPolicy([
      {
        path: 'p.yaml',
        text: 'rules:\n  - name: r\n    match: { cmd: { matches: "(a)\\\\1" }, x: { matches: "a(?!b)" } }\n    decision: DENY\n',
      },
    ]);
    expect(loaded.ok).toBe(false);
    expect(loaded.diagnostics.map((d) => [d.code, `${d.line}:${d.column}`])).toEqual([
      ['policy.regex_unsupported', '3:30'],
      ['policy.regex_unsupported', '3:56'],
    ]);
    expect(loaded.diagnostics[0]!.message).toBe(
      '`(a)\\1` is not a usable regular expression: it uses a backreference (`\\1`), which linear-time (RE2) matching excludes',
    );
  });

  it('refuses an excluded modification pattern too', () => {
    const loaded = loadPolicy([
      {
        path: 'p.yaml',
        text: 'rules:\n  - name: r\n    match: { a: 1 }\n    decision: REQUIRE_APPROVAL\n    modifiable: { ref: { pattern: "(?<=v)1" } }\n',
      },
    ]);
    expect(loaded.diagnostics.map((d) => d.code)).toEqual(['policy.regex_unsupported']);
  });

  // On a backtracking engine each of these takes longer than the test's time limit: finishing is the test.
  it('runs the catastrophic pattern on a long hostile value', () => {
    const text = 'rules:\n  - { name: r, match: { summary: { matches: "^(a+)+$" } }, decision: DENY }\n';
    expect(decide({ summary: `${'a'.repeat(10_000)}!` }, text).decision).toBe('ALLOW');
    expect(decide({ summary: 'aaaa' }, text).decision).toBe('DENY');
  });

  it('matches a many-star glob without backtracking', () => {
    const text = 'rules:\n  - { name: r, match: { path: { glob: "*a*a*a*a*a*a*a*b" } }, decision: DENY }\n';
    expect(decide({ path: 'a'.repeat(20_000) }, text).decision).toBe('ALLOW');
    expect(decide({ path: 'xaaaaaaayb' }, text).decision).toBe('DENY');
  });
});

describe('CEL cost limit in a decision', () => {
  it('fails closed with cel.cost_exceeded in the reason', () => {
    const text = 'rules:\n  - name: r\n    condition: "size(L.map(a, L.map(b, L.filter(c, a+b+c>0)))) > 0"\n    decision: ALLOW\n';
    const decision = decide({ L: Array.from({ length: 500 }, (_, i) => i) }, text);
    expect(decision.decision).toBe('DENY');
    const error = decision.reasons.find((r) => r.kind === 'error');
    expect(error?.name).toBe('r');
    expect(error?.reason).toContain('cel.cost_exceeded');
  });
});
