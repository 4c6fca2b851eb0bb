// Runs every case of the corpus against every implementation, and checks that the corpus is
// large and broad enough to mean something.

import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { mismatches } from './compare.js';
import { DESIGN_OPERATORS, operatorUses } from './coverage.js';
import { implementations } from './implementations.js';
import { loadCorpus } from './loader.js';

/** The diagnostics a policy author meets most; each must be pinned by at least one case. */
const ERROR_CODES = [
  'policy.yaml_syntax',
  'policy.unknown_key',
  'policy.unknown_operator',
  'policy.unknown_decision',
  'policy.wrong_type',
  'policy.missing_field',
  'policy.duplicate_rule',
  'policy.bad_regex',
  'policy.bad_operand',
  'policy.unknown_workflow',
  'policy.workflow_cycle',
  'policy.unknown_step',
  'policy.duplicate_step',
  'policy.bad_duration',
  'policy.missing_autonomy',
  'policy.out_of_range',
  'policy.unknown_risk',
  'cel.syntax',
  'cel.unknown_function',
];

const corpus = loadCorpus(fileURLToPath(new URL('./cases/', import.meta.url)), fileURLToPath(new URL('../', import.meta.url)));

// `%s` keeps titles whole; `$title` would shorten them to 40 characters.
describe.each(implementations.map((implementation) => [implementation.name, implementation] as const))('%s', (_name, implementation) => {
  it.each(corpus.map((testCase) => [testCase.title, testCase] as const))('%s', async (_title, testCase) => {
    const found = mismatches(testCase, await implementation.run(testCase));
    expect(found, found.join('\n')).toEqual([]);
  });
});

describe('the corpus', () => {
  it('has at least 200 cases', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(200);
  });

  it.each(DESIGN_OPERATORS)('exercises `%s` both holding and not holding', (operator) => {
    const uses = corpus.flatMap(operatorUses).filter((use) => use.operator === operator);
    expect(uses.some((use) => use.matched)).toBe(true);
    expect(uses.some((use) => !use.matched)).toBe(true);
  });

  it.each(ERROR_CODES)('has a bad policy failing with `%s`', (code) => {
    expect(corpus.some((testCase) => testCase.expect.kind === 'error' && testCase.expect.codes.includes(code))).toBe(true);
  });
});
