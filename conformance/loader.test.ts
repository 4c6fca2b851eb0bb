// The loader refuses malformed case files: a case that cannot be read must stop the run, never
// vanish from it.

import { describe, expect, it } from 'vitest';
import { parseCaseFile } from './loader.js';

const parse = (text: string) => parseCaseFile('cases/topic/name.yaml', 'topic/name', text, '/nowhere');

const GOOD = `cases:
  - note: fine
    policy: "rules: []"
    action: {}
    want: { decision: ALLOW }
`;

describe('parseCaseFile', () => {
  it('reads a well-formed case', () => {
    const [testCase] = parse(GOOD);
    expect(testCase?.title).toBe('topic/name: fine');
    expect(testCase?.policy).toEqual([{ path: 'policy.yaml', text: 'rules: []' }]);
    expect(testCase?.expect).toEqual({ kind: 'decision', action: {}, options: {}, want: { decision: 'ALLOW' } });
  });

  it('keeps a null action', () => {
    const [testCase] = parse(GOOD.replace('action: {}', 'action: null'));
    expect(testCase?.expect).toMatchObject({ kind: 'decision', action: null });
  });

  it.each([
    ['invalid YAML', 'cases: [', /not valid YAML/],
    ['no cases', 'cases: []', /non-empty list/],
    ['another top-level key', `${GOOD}extra: 1\n`, /one key, `cases`/],
    ['an unknown case key', GOOD.replace('want:', 'wnat:'), /unknown keys wnat/],
    ['an empty note', GOOD.replace('note: fine', 'note: ""'), /`note`/],
    ['no policy', GOOD.replace('policy: "rules: []"', ''), /give the policy/],
    ['no action', GOOD.replace('action: {}', ''), /needs an `action`/],
    ['no want', GOOD.replace('want: { decision: ALLOW }', ''), /`want` must be a map/],
    ['an unknown decision', GOOD.replace('ALLOW', 'ALOW'), /want.decision/],
    ['an unknown want key', GOOD.replace('{ decision: ALLOW }', '{ decision: ALLOW, rule: [a] }'), /unknown keys in `want`/],
    ['rules not a list', GOOD.replace('{ decision: ALLOW }', '{ decision: ALLOW, rules: a }'), /want.rules/],
    ['an unknown option', GOOD.replace('action: {}', 'action: {}\n    options: { lvl: 1 }'), /unknown options lvl/],
    ['a negative level', GOOD.replace('action: {}', 'action: {}\n    options: { level: -1 }'), /options.level/],
    ['a duplicate key', GOOD.replace('action: {}', 'action: {}\n    action: {}'), /not valid YAML/],
    ['a test-file name in a bundle', GOOD.replace('policy: "rules: []"', 'policy_files: { a.test.yaml: "" }'), /not a usable/],
  ])('throws on %s', (_what, text, message) => {
    expect(() => parse(text)).toThrow(message);
  });

  it('throws on error cases that also want a decision', () => {
    const text = GOOD.replace('want: { decision: ALLOW }', 'want_error: [policy.unknown_key]');
    expect(() => parse(text)).toThrow(/takes no `action`/);
  });

  it('throws on positions that do not line up with the codes', () => {
    const text = `cases:
  - note: bad
    policy: "rulez: []"
    want_error: [policy.unknown_key]
    want_error_at: ["1:1", "2:1"]
`;
    expect(() => parse(text)).toThrow(/one `line:col` per code/);
  });

  it('names the file and the case in the error', () => {
    expect(() => parse(GOOD.replace('ALLOW', 'ALOW'))).toThrow(/^cases\/topic\/name\.yaml: case `fine`:/);
  });
});
