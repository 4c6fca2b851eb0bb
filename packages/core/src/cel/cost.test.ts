// The cost limit of CEL evaluation and its linear-time `matches`: hostile conditions are refused
// at compile time where their cost is known, and stopped at run time otherwise.
import { describe, expect, it } from 'vitest';
import { CEL_COST_LIMIT, CelCostExceeded } from './cost.js';
import { compileCel, type CelProgram } from './index.js';

function compile(source: string): CelProgram {
  const compiled = compileCel(source);
  if (!compiled.ok) throw new Error(compiled.errors.map((e) => e.message).join('; '));
  return compiled.program;
}

function compileErrors(source: string): { code: string; message: string; offset: number }[] {
  const compiled = compileCel(source);
  return compiled.ok ? [] : compiled.errors;
}

const list = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe('CEL cost limit', () => {
  // 125 million elements would take many seconds; the limit stops it after about 100,000.
  it('stops nested comprehensions over a large list at run time', () => {
    const program = compile('size(L.map(a, L.map(b, L.filter(c, a+b+c>0)))) > 0');
    let thrown: unknown;
    try {
      program.evaluate({ L: list(500) });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(CelCostExceeded);
    expect((thrown as CelCostExceeded).code).toBe('cel.cost_exceeded');
  });

  it('is not absorbed by a deciding operand or a quantifier', () => {
    const program = compile('L.exists(a, L.exists(b, L.exists(c, a+b+c < 0))) || t');
    expect(() => program.evaluate({ L: list(200), t: true })).toThrow(CelCostExceeded);
  });

  it('resets for each evaluation, so a cheap condition keeps working after an expensive one', () => {
    const program = compile('L.all(a, L.all(b, a+b >= 0))');
    expect(() => program.evaluate({ L: list(1_000) })).toThrow(CelCostExceeded);
    expect(program.evaluate({ L: list(100) })).toBe(true);
    expect(program.evaluate({ L: list(100) })).toBe(true);
  });

  it('allows work within the limit', () => {
    expect(compile('L.filter(x, x % 2 == 0).size() == 5000').evaluate({ L: list(10_000) })).toBe(true);
  });

  it('refuses at compile time a literal comprehension whose size already exceeds the limit', () => {
    const hundred = `[${list(100).join(',')}]`;
    const source = `${hundred}.all(a, ${hundred}.all(b, ${hundred}.all(c, a+b+c >= 0)))`;
    const errors = compileErrors(source);
    expect(errors.map((e) => e.code)).toEqual(['cel.cost_exceeded']);
    expect(errors[0]!.message).toBe(`this condition takes at least 1010100 steps, over the cost limit of ${CEL_COST_LIMIT}`);
    // The same shape over the action's own lists is only known at run time.
    expect(compileErrors('L.all(a, L.all(b, L.all(c, a+b+c >= 0)))')).toEqual([]);
  });
});

describe('CEL matches on RE2', () => {
  it('runs the exponential-backtracking pattern in linear time', () => {
    const program = compile("summary.matches('^(a+)+$')");
    // On a backtracking engine this input would take 2^5000 steps: finishing at all is the test.
    expect(program.evaluate({ summary: `${'a'.repeat(5_000)}!` })).toBe(false);
    expect(program.evaluate({ summary: 'aaaa' })).toBe(true);
  });

  it.each([
    ["s.matches('(?=a)a')", 'lookaround'],
    ["s.matches('(a)\\\\1')", 'a backreference'],
    ["matches(s, 'x(?<!y)')", 'lookaround'],
  ])('refuses %s at compile time', (source, feature) => {
    const errors = compileErrors(source);
    expect(errors.map((e) => e.code)).toEqual(['cel.regex_unsupported']);
    expect(errors[0]!.message).toContain(`it uses ${feature}`);
    expect(errors[0]!.offset).toBe(source.indexOf("'"));
  });

  it('reports an excluded dynamic pattern at run time', () => {
    expect(() => compile('s.matches(p)').evaluate({ s: 'a', p: '(?=a)' })).toThrow(/linear-time \(RE2\) matching excludes/);
  });

  it('accepts RE2 and JS spellings of code points and flags', () => {
    expect(compile("s.matches('^\\\\x{e9}t\\\\u00e9$')").evaluate({ s: 'été' })).toBe(true);
    expect(compile("s.matches('(?i)^ABC$')").evaluate({ s: 'abc' })).toBe(true);
    expect(compile("s.matches('\\\\Aab\\\\z')").evaluate({ s: 'ab' })).toBe(true);
  });
});
