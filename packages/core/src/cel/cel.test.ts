// Behaviour of the CEL engine through its public API: language, functions, macros, UNKNOWN
// semantics, error reporting, and fuzzed robustness.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CelRuntimeError, UNKNOWN, compileCel, type CelError, type CelProgram } from './index.js';

function compile(source: string): CelProgram {
  const r = compileCel(source);
  if (!r.ok) throw new Error(`expected ${source} to compile: ${JSON.stringify(r.errors)}`);
  return r.program;
}

function run(source: string, activation: Record<string, unknown> = {}): unknown {
  return compile(source).evaluate(activation);
}

function runWithMissing(source: string, activation: Record<string, unknown> = {}): [unknown, string[]] {
  const missing: string[] = [];
  return [compile(source).evaluate(activation, missing), missing];
}

function compileErrors(source: string): CelError[] {
  const r = compileCel(source);
  if (r.ok) throw new Error(`expected ${source} to fail to compile`);
  return r.errors;
}

function runtimeError(source: string, activation: Record<string, unknown> = {}): CelRuntimeError {
  const program = compile(source);
  try {
    program.evaluate(activation);
  } catch (e) {
    if (e instanceof CelRuntimeError) return e;
    throw e;
  }
  throw new Error(`expected ${source} to throw`);
}

describe('literals', () => {
  it.each([
    ['42', 42],
    ['0', 0],
    ['0x1F', 31],
    ['0X1f', 31],
    ['7u', 7],
    ['0x10U', 16],
    ['1.5', 1.5],
    ['1e3', 1000],
    ['2E+2', 200],
    ['1.5e-2', 0.015],
    ['.5', 0.5],
    ['true', true],
    ['false', false],
    ['null', null],
    ["'single'", 'single'],
    ['"double"', 'double'],
    [`"it's"`, "it's"],
    [`'say "hi"'`, 'say "hi"'],
    [`'''a'b"c'''`, `a'b"c`],
    ['"""x\ny"""', 'x\ny'],
    [String.raw`r'\n\d'`, String.raw`\n\d`],
    [String.raw`R"\"`, '\\'],
    ["b'abc'", 'abc'],
    [String.raw`rb'\x'`, String.raw`\x`],
    [String.raw`BR"\n"`, String.raw`\n`],
    [String.raw`r'''a\'''`, 'a\\'],
  ])('%s', (source, expected) => {
    expect(run(source)).toEqual(expected);
  });

  it.each([
    [String.raw`'\n\t\r\\\"\'\a\b\f\v\?\`'`, '\n\t\r\\"\'\x07\b\f\v?`'],
    [String.raw`'\u00e9'`, 'é'],
    [String.raw`'\U0001F600'`, '😀'],
    [String.raw`'\x41\X42'`, 'AB'],
    [String.raw`'\101\060'`, 'A0'],
    [String.raw`"""tab\there"""`, 'tab\there'],
    [String.raw`b'\x41'`, 'A'],
  ])('decodes escapes in %s', (source, expected) => {
    expect(run(source)).toBe(expected);
  });

  it.each([
    [String.raw`'\q'`, 1, 2, 'invalid escape sequence `\\q`'],
    [String.raw`'ab\u12'`, 3, 5, "invalid escape sequence `\\u12'`"],
    [String.raw`'\uD800'`, 1, 6, 'invalid unicode code point in `\\uD800`'],
    [String.raw`'\U00110000'`, 1, 10, 'invalid unicode code point in `\\U00110000`'],
    ["'abc", 0, 4, 'unterminated string'],
    ["x == 'abc\n'", 5, 4, 'unterminated string'],
    ["'''abc''", 0, 8, 'unterminated string'],
    ["r'abc", 0, 5, 'unterminated string'],
    ['1e', 0, 2, 'invalid number `1e`'],
    ['1e+x', 0, 4, 'invalid number `1e+x`'],
    ['0x', 0, 2, 'invalid number `0x`'],
    ['12abc', 0, 5, 'invalid number `12abc`'],
    ['1.5u', 0, 4, 'invalid number `1.5u`'],
    ['1.2.3', 0, 5, 'invalid number `1.2.3`'],
  ])('rejects %s', (source, offset, length, message) => {
    expect(compileErrors(source)).toEqual([{ offset, length, code: 'cel.syntax', message }]);
  });

  it('ignores comments and whitespace', () => {
    expect(run('1 + // one more\n\t2\r\n')).toBe(3);
  });
});

describe('operators and precedence', () => {
  it.each([
    ['1 + 2 * 3', 7],
    ['(1 + 2) * 3', 9],
    ['10 - 2 - 3', 5],
    ['2 * 3 % 4', 2],
    ['100 / 10 / 5', 2],
    ['10 / 3 * 3', 9],
    ['-2 * 3', -6],
    ['--2', 2],
    ['- 2 * - 3', 6],
    ['-(1 + 2)', -3],
    ['7 / 2', 3],
    ['-7 / 2', -3],
    ['7 % 3', 1],
    ['-7 % 2', -1],
    ['7.5 / 2', 3.75],
    ['0.5 + 0.25', 0.75],
    ['1.5 * 2', 3],
    ['!!true', true],
    ['!false && false', false],
    ['true || false && false', true],
    ['(true || false) && false', false],
    ['1 + 2 < 4', true],
    ['1 < 2 == true', true],
    ['1 < 2 && 3 > 4 || true', true],
    ['2 in [1, 2] == true', true],
    ['1 + 1 in [2]', true],
    ['true ? 1 : 2', 1],
    ['false ? 1 : true ? 2 : 3', 2],
    ["1 > 2 ? 'a' : 'b'", 'b'],
    ["false || true ? 'y' : 'n'", 'y'],
    ['1 <= 1 && 1 >= 1 && 2 > 1 && 1 < 2 && 1 != 2', true],
    ["'a' + 'b' + 'c'", 'abc'],
    ['[1] + [2, 3]', [1, 2, 3]],
    ["[1, 2][1] + {'k': 10}['k']", 12],
    ['[1, 2,]', [1, 2]],
    ["{'a': 1,}", { a: 1 }],
    ['[]', []],
    ['{}', {}],
  ])('%s', (source, expected) => {
    expect(run(source)).toEqual(expected);
  });

  it('evaluates identifiers against the activation', () => {
    expect(run('replicas < 10', { replicas: 3 })).toBe(true);
    expect(run('replicas < 10', { replicas: 30 })).toBe(false);
    expect(run("amount_usd > 10000 && currency == 'USD'", { amount_usd: 20_000, currency: 'USD' })).toBe(true);
    expect(run("amount_usd > 10000 && currency == 'USD'", { amount_usd: 20_000, currency: 'EUR' })).toBe(false);
    expect(run('a * b - c', { a: 2, b: 5, c: 1 })).toBe(9);
    expect(run('n / d', { n: 9, d: 2 })).toBe(4);
    expect(run('n / d', { n: 9, d: 2.5 })).toBe(3.6);
    expect(run('-n / 2', { n: 1 })).toBe(0);
    expect(Object.is(run('-n / 2', { n: 1 }), 0)).toBe(true);
  });

  it('accepts CEL reserved words other than literals and `in` as field names', () => {
    expect(run("namespace == 'prod' && package.if == 1", { namespace: 'prod', package: { if: 1 } })).toBe(true);
  });

  it('uses the ternary lazily', () => {
    expect(run('x > 0 ? x : 1 / 0', { x: 5 })).toBe(5);
    expect(runtimeError('x > 0 ? x : 1 / 0', { x: -5 }).code).toBe('cel.division_by_zero');
  });

  it.each([
    ['1 == 1.0', true],
    ["'a' == 'a'", true],
    ["'1' == 1", false],
    ["1 == '1'", false],
    ['true == 1', false],
    ['null == null', true],
    ['null == 0', false],
    ['[] == null', false],
    ['[1, [2, 3]] == [1, [2, 3]]', true],
    ['[1, 2] == [2, 1]', false],
    ['[1, 2] == [1, 2, 3]', false],
    ["{'a': 1, 'b': [2]} == {'b': [2], 'a': 1}", true],
    ["{'a': 1} == {'a': 1, 'b': 2}", false],
    ["{'a': 1} == {'b': 1}", false],
    ["{'a': {'b': null}} == {'a': {'b': null}}", true],
    ['[] == {}', false],
    ['[1] != [1]', false],
    ["[1] != ['1']", true],
    ['true != false', true],
  ])('equality: %s', (source, expected) => {
    expect(run(source)).toBe(expected);
  });

  it('compares activation data deeply', () => {
    const obj = { x: [1, { y: 'z' }], n: null };
    expect(run("obj == {'x': [1, {'y': 'z'}], 'n': null}", { obj })).toBe(true);
    expect(run("obj == {'x': [1, {'y': 'w'}], 'n': null}", { obj })).toBe(false);
    expect(run("obj.x == [1, {'y': 'z'}]", { obj })).toBe(true);
  });

  it.each([
    ["'a' < 'b'", true],
    ["'abc' < 'abd'", true],
    ["'ab' < 'abc'", true],
    ["'b' > 'abc'", true],
    ["'a' <= 'a'", true],
    ["'a' >= 'b'", false],
    ["'' < 'a'", true],
    [String.raw`'\uFFFF' < '\U0001F600'`, true],
    ['false < true', true],
    ['true <= true', true],
    ['1 < 1.5', true],
    ['2.5 >= 2', true],
  ])('ordering: %s', (source, expected) => {
    expect(run(source)).toBe(expected);
  });

  it('keeps NaN comparisons false', () => {
    expect(run('x < 1 || x >= 1 || x == x', { x: NaN })).toBe(false);
    expect(run('x < y', { x: NaN, y: 1 })).toBe(false);
  });

  it.each([
    ["x < 'a'", { x: 1 }, 'cel.no_overload', 'no matching overload for `<` on int and string'],
    ["'a' < x", { x: 1 }, 'cel.no_overload', 'no matching overload for `<` on string and int'],
    ['x > 1', { x: 'a' }, 'cel.no_overload', 'no matching overload for `>` on string and int'],
    ['x <= y', { x: [1], y: [2] }, 'cel.no_overload', 'no matching overload for `<=` on list and list'],
    ['x >= 1', { x: null }, 'cel.no_overload', 'no matching overload for `>=` on null and int'],
    ['x < 1.5', { x: { a: 1 } }, 'cel.no_overload', 'no matching overload for `<` on map and double'],
    ["x + 'a'", { x: 1 }, 'cel.no_overload', 'no matching overload for `+` on int and string'],
    ['x - y', { x: 'a', y: 'b' }, 'cel.no_overload', 'no matching overload for `-` on string and string'],
    ['x * 2', { x: true }, 'cel.no_overload', 'no matching overload for `*` on bool and int'],
    ['x / 2', { x: '4' }, 'cel.no_overload', 'no matching overload for `/` on string and int'],
    ['x % 2', { x: 5.5 }, 'cel.no_overload', 'no matching overload for `%` on double and int'],
    ['-x', { x: 'a' }, 'cel.no_overload', 'no matching overload for `-` on string'],
    ['!x', { x: 1 }, 'cel.no_overload', 'no matching overload for `!` on int'],
    ['x && true', { x: 1 }, 'cel.no_overload', 'no matching overload for `&&` on int and bool'],
    ['x || false', { x: 's' }, 'cel.no_overload', 'no matching overload for `||` on string and bool'],
    ['x ? 1 : 2', { x: null }, 'cel.no_overload', 'no matching overload for `?:` on null'],
    ["'a' in x", { x: 'abc' }, 'cel.no_overload', 'no matching overload for `in` on string and string'],
    ['x / 0', { x: 1 }, 'cel.division_by_zero', 'division by zero'],
    ['x / 0', { x: 1.5 }, 'cel.division_by_zero', 'division by zero'],
    ['x % 0', { x: 5 }, 'cel.division_by_zero', 'modulus by zero'],
  ])('runtime error: %s with %j', (source, activation, code, message) => {
    const e = runtimeError(source, activation);
    expect(e).toBeInstanceOf(CelRuntimeError);
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('CelRuntimeError');
    expect(e.code).toBe(code);
    expect(e.message).toBe(message);
  });

  it('reports the span of the failing subexpression', () => {
    const e = runtimeError("x < 'a'", { x: 1 });
    expect([e.offset, e.length]).toEqual([0, 7]);
    const d = runtimeError('1 + (a / b)', { a: 1, b: 0 });
    expect([d.offset, d.length]).toEqual([5, 5]);
  });

  it.each([
    ['1 in [1, 2]', true],
    ['3 in [1, 2]', false],
    ['1.0 in [1, 2]', true],
    ["'1' in [1, 2]", false],
    ['[1] in [[1], [2]]', true],
    ["{'a': 1} in [{'a': 1}]", true],
    ["{'a': 2} in [{'a': 1}]", false],
    ['null in [null]', true],
    ["'a' in {'a': 1}", true],
    ["'b' in {'a': 1}", false],
    ["1 in {'1': 2}", false],
    ["'constructor' in {}", false],
    ["'a' in []", false],
  ])('in: %s', (source, expected) => {
    expect(run(source)).toBe(expected);
  });

  it('checks keys of activation maps with `in`', () => {
    expect(run("'x' in m", { m: { x: null } })).toBe(true);
    expect(run("'y' in m", { m: { x: null } })).toBe(false);
    expect(run("'toString' in m", { m: {} })).toBe(false);
    expect(run("'x' in m", { m: { x: undefined } })).toBe(false);
  });
});

describe('member access and indexing', () => {
  const activation = { a: { b: [10, 20], 'x-y': 3, n: null }, l: [1, 2, 3] };

  it.each([
    ['a.b', [10, 20]],
    ["a['b']", [10, 20]],
    ['a.b[1]', 20],
    ["a['x-y']", 3],
    ['a.n', null],
    ['l[0] + l[2]', 4],
    ['l[1.0]', 2],
    ['[1, 2][0]', 1],
    ["{'a': {'b': 1}}.a.b", 1],
    ["{'a': {'b': 1}}['a']['b']", 1],
  ])('%s', (source, expected) => {
    expect(run(source, activation)).toEqual(expected);
  });

  it.each([
    ['l[3]', 'cel.index_out_of_range', 'index 3 out of range for list of size 3'],
    ['l[-1]', 'cel.index_out_of_range', 'index -1 out of range for list of size 3'],
    ['l[1.5]', 'cel.no_overload', 'no matching overload for `[]` on list and double'],
    ["l['x']", 'cel.no_overload', 'no matching overload for `[]` on list and string'],
    ["a['nope']", 'cel.no_such_key', 'no such key `nope`'],
    ['a[1]', 'cel.no_overload', 'no matching overload for `[]` on map and int'],
    ["{'a': 1}.b", 'cel.no_such_key', 'no such key `b`'],
    ["'str'.x", 'cel.no_overload', 'no matching overload for `.x` on string'],
    ['l[0].x', 'cel.no_overload', 'no matching overload for `.x` on int'],
    ["a.b[0]['k']", 'cel.no_overload', 'no matching overload for `[]` on int and string'],
  ])('%s fails', (source, code, message) => {
    const e = runtimeError(source, activation);
    expect([e.code, e.message]).toEqual([code, message]);
  });

  it('selects from computed values without treating inherited keys as fields', () => {
    expect(runtimeError("{'a': 1}.constructor").code).toBe('cel.no_such_key');
    expect(runtimeError("m['toString']", { m: {} }).code).toBe('cel.no_such_key');
    expect(run("{'__proto__': 1}.__proto__")).toBe(1);
    expect(run("size({'__proto__': 1, 'a': 2})")).toBe(2);
  });

  it('rejects duplicate and non-string map keys at run time', () => {
    expect(runtimeError("{'a': 1, 'a': 2}").code).toBe('cel.invalid_argument');
    expect(runtimeError("{'a': 1, 'a': 2}").message).toBe('duplicate map key `a`');
    expect(runtimeError('{1: 2}').message).toBe('unsupported map key type int; keys must be strings');
    expect(run('{k: 1}', { k: 'dyn' })).toEqual({ dyn: 1 });
  });
});

describe('functions', () => {
  it.each([
    ["size('hello')", 5],
    ["size('héllo')", 5],
    ["'😀a'.size()", 2],
    ["''.size()", 0],
    ['size([1, 2, 3])', 3],
    ['[].size()', 0],
    ["{'a': 1, 'b': 2}.size()", 2],
    ["'abc'.contains('b')", true],
    ["'abc'.contains('')", true],
    ["'abc'.contains('d')", false],
    ["'abc'.startsWith('ab')", true],
    ["'abc'.startsWith('b')", false],
    ["'abc'.endsWith('bc')", true],
    ["'abc'.endsWith('ab')", false],
    ["'abc'.matches('^a')", true],
    ["matches('abc', 'c$')", true],
    ["'xabcx'.matches('abc')", true],
    ["'abc'.matches('^b')", false],
    ["'ABC'.matches('(?i)abc')", true],
    ["'ABC'.matches('abc')", false],
    ["'a\\nb'.matches('(?s)^a.b$')", true],
    ["'é'.matches('^.$')", true],
    ["'😀'.matches('^.$')", true],
    ["'ab'.matches('(?P<first>a)b')", true],
    [String.raw`'ab\n'.matches('b\\z')`, false],
    [String.raw`'ab'.matches('\\Aab\\z')`, true],
    [String.raw`'v1.2.3'.matches('^v\\d+\\.\\d+\\.\\d+$')`, true],
    ["'HeLLo É'.lowerAscii()", 'hello É'],
    ["'abc é'.upperAscii()", 'ABC é'],
    ["'  a b \\t\\n'.trim()", 'a b'],
    ["int('42')", 42],
    ["int('-7')", -7],
    ["int('+7')", 7],
    ['int(3.9)', 3],
    ['int(-3.9)', -3],
    ['int(5)', 5],
    ['uint(3.5)', 3],
    ["uint('12')", 12],
    ["double('1.5')", 1.5],
    ["double('1e3')", 1000],
    ["double('-.5')", -0.5],
    ['double(2)', 2],
    ["double('inf')", Infinity],
    ["double('-Infinity')", -Infinity],
    ['string(12)', '12'],
    ['string(1.5)', '1.5'],
    ['string(true)', 'true'],
    ["string('a')", 'a'],
    ["bool('true')", true],
    ["bool('f')", false],
    ["bool('FALSE')", false],
    ['bool(true)', true],
    ['dyn([1])', [1]],
    ["duration('4h')", 14_400_000],
    ["duration('1h30m')", 5_400_000],
    ["duration('1.5s')", 1500],
    ["duration('300ms')", 300],
    ["duration('-2m')", -120_000],
    ["duration('+1m1s')", 61_000],
    ["duration('0')", 0],
    ["duration('1500us')", 1.5],
    ["duration('2000000ns')", 2],
    ["timestamp('1970-01-01T00:00:00Z')", 0],
    ["timestamp('1969-12-31T23:59:59Z')", -1000],
    ["timestamp('2026-01-01T00:00:00Z')", 1_767_225_600_000],
    ["timestamp('2026-01-01T02:00:00+02:00')", 1_767_225_600_000],
    ["timestamp('2025-12-31T19:00:00-05:00')", 1_767_225_600_000],
    ["timestamp('2026-01-01t00:00:00.5z')", 1_767_225_600_500],
    ["timestamp('2024-02-29T12:00:00Z')", 1_709_208_000_000],
    ["timestamp('2026-01-01T00:00:00Z') + duration('24h') == timestamp('2026-01-02T00:00:00Z')", true],
    ["duration('90m') > duration('1h')", true],
  ])('%s', (source, expected) => {
    expect(run(source)).toEqual(expected);
  });

  it('compares timestamps with epoch-millisecond fields', () => {
    expect(run("now < timestamp('2027-01-01T00:00:00Z')", { now: 1_767_225_600_000 })).toBe(true);
    expect(run("expires_at - now < duration('1h')", { now: 0, expires_at: 1_000 })).toBe(true);
  });

  it('matches against dynamic patterns', () => {
    const p = compile('s.matches(p)');
    expect(p.evaluate({ s: 'abc', p: 'b' })).toBe(true);
    expect(p.evaluate({ s: 'abc', p: 'b' })).toBe(true);
    expect(p.evaluate({ s: 'abc', p: '^b' })).toBe(false);
    expect(() => p.evaluate({ s: 'abc', p: '(' })).toThrow(CelRuntimeError);
    expect(p.evaluate({ s: 'abc', p: 'c' })).toBe(true);
  });

  it('reports a bad regex at run time, so it can be short-circuited', () => {
    const e = runtimeError("'a'.matches('(')");
    expect(e.code).toBe('cel.invalid_regex');
    expect(e.message).toMatch(/^invalid regular expression `\(`: /);
    expect(runtimeError("'a'.matches('(?x)a')").message).toBe(
      'invalid regular expression `(?x)a`: invalid or unsupported perl syntax: `(?x`',
    );
    expect(run("false && 'a'.matches('(')")).toBe(false);
  });

  it.each([
    ['size(1)', 'cel.no_overload', 'no matching overload for `size` on int'],
    ['size(null)', 'cel.no_overload', 'no matching overload for `size` on null'],
    ["'abc'.contains(1)", 'cel.no_overload', 'no matching overload for `contains` on string and int'],
    ["x.startsWith('a')", 'cel.no_overload', 'no matching overload for `startsWith` on int and string'],
    ["'a'.matches(1)", 'cel.no_overload', 'no matching overload for `matches` on string and int'],
    ["x.matches('a')", 'cel.no_overload', 'no matching overload for `matches` on int and string'],
    ['x.lowerAscii()', 'cel.no_overload', 'no matching overload for `lowerAscii` on int'],
    ["int('4.5')", 'cel.invalid_argument', 'cannot convert `4.5` to int'],
    ["int('abc')", 'cel.invalid_argument', 'cannot convert `abc` to int'],
    ['int(1e300)', 'cel.out_of_range', 'int conversion of 1e+300 is out of range'],
    ['int(x)', 'cel.out_of_range', 'int conversion of Infinity is out of range'],
    ['int(true)', 'cel.no_overload', 'no matching overload for `int` on bool'],
    ['uint(-1)', 'cel.out_of_range', 'uint conversion of -1 is out of range'],
    ["uint('-1')", 'cel.out_of_range', 'uint conversion of -1 is out of range'],
    ["double('x')", 'cel.invalid_argument', 'cannot convert `x` to double'],
    ['double(null)', 'cel.no_overload', 'no matching overload for `double` on null'],
    ['string([1])', 'cel.no_overload', 'no matching overload for `string` on list'],
    ['string(null)', 'cel.no_overload', 'no matching overload for `string` on null'],
    ["bool('yes')", 'cel.invalid_argument', 'cannot convert `yes` to bool'],
    ['bool(1)', 'cel.no_overload', 'no matching overload for `bool` on int'],
    ["duration('abc')", 'cel.invalid_argument', 'invalid duration `abc`'],
    ["duration('')", 'cel.invalid_argument', 'invalid duration ``'],
    ["duration('5')", 'cel.invalid_argument', 'invalid duration `5`'],
    ["duration('5d')", 'cel.invalid_argument', 'invalid duration `5d`'],
    ['duration(5)', 'cel.no_overload', 'no matching overload for `duration` on int'],
    ["timestamp('2026-01-01')", 'cel.invalid_argument', 'invalid timestamp `2026-01-01`'],
    ["timestamp('2023-02-29T00:00:00Z')", 'cel.invalid_argument', 'invalid timestamp `2023-02-29T00:00:00Z`'],
    ["timestamp('2026-13-01T00:00:00Z')", 'cel.invalid_argument', 'invalid timestamp `2026-13-01T00:00:00Z`'],
    ["timestamp('2026-01-01T24:00:00Z')", 'cel.invalid_argument', 'invalid timestamp `2026-01-01T24:00:00Z`'],
    ['timestamp(0)', 'cel.no_overload', 'no matching overload for `timestamp` on int'],
  ])('%s fails', (source, code, message) => {
    const e = runtimeError(source, { x: source.startsWith('int(x)') ? Infinity : 1 });
    expect([e.code, e.message]).toEqual([code, message]);
  });

  it('shortens long user values in messages', () => {
    const e = runtimeError('int(s)', { s: 'x'.repeat(100) });
    expect(e.message).toBe(`cannot convert \`${'x'.repeat(37)}...\` to int`);
  });
});

describe('macros', () => {
  it.each([
    ['[1, 2, 3].all(x, x > 0)', true],
    ['[1, 2, 3].all(x, x > 1)', false],
    ['[].all(x, false)', true],
    ['[].exists(x, true)', false],
    ['[1, 2, 3].exists(x, x == 2)', true],
    ['[1, 2, 3].exists(x, x == 5)', false],
    ['[1, 2, 3].exists_one(x, x > 2)', true],
    ['[1, 2, 3].exists_one(x, x > 1)', false],
    ['[1, 2, 3].exists_one(x, x > 3)', false],
    ['[1, 2, 3].map(x, x * 10)', [10, 20, 30]],
    ['[1, 2, 3].map(x, x > 1, x * 10)', [20, 30]],
    ['[1, 2, 3].filter(x, x % 2 == 1)', [1, 3]],
    ['[].map(x, x)', []],
    ["{'a': 1, 'b': 2}.map(k, k)", ['a', 'b']],
    ["{'a': 1, 'b': 2}.all(k, k in ['a', 'b'])", true],
    ["{'a': 1, 'b': 2}.filter(k, k == 'a')", ['a']],
    ["{'a': 1, 'b': 2}.exists(k, k == 'b')", true],
    ['[[1, 2], [3]].all(l, l.all(x, x > 0))', true],
    ['[1, 2].exists(x, [3, 4].exists(x, x == 4))', true],
    ['[1, 2].all(x, [3].all(y, y > x))', true],
    ['[1, 2, 3].filter(x, x > 1).map(x, x * x)', [4, 9]],
    ['[1, 2, 3].map(x, [x]).size()', 3],
  ])('%s', (source, expected) => {
    expect(run(source)).toEqual(expected);
  });

  it('lets macro variables shadow activation fields', () => {
    const activation = { items: [1, 2], x: -5 };
    expect(run('items.all(x, x > 0)', activation)).toBe(true);
    expect(run('x > 0 && items.all(x, x > 0)', activation)).toBe(false);
    expect(run('items.map(x, x + .x)', activation)).toEqual([-4, -3]);
    expect(compile('items.all(x, x > 0)').references).toEqual(['items']);
    expect(compile('x < 0 && items.all(x, x > 0) && x < 1').references).toEqual(['x', 'items']);
  });

  it('works over activation lists of maps and keeps working across evaluations', () => {
    const p = compile("items.exists(i, i.risk == 'high' && i.owner != author)");
    expect(
      p.evaluate({
        items: [
          { risk: 'low', owner: 'a' },
          { risk: 'high', owner: 'b' },
        ],
        author: 'a',
      }),
    ).toBe(true);
    expect(p.evaluate({ items: [{ risk: 'high', owner: 'a' }], author: 'a' })).toBe(false);
    expect(p.evaluate({ items: [], author: 'a' })).toBe(false);
  });

  it('absorbs element errors when another element decides', () => {
    expect(run('[0, 1].exists(x, 1 / x > 0)')).toBe(true);
    expect(run('[0, 1].all(x, 1 / x > 5)')).toBe(false);
    expect(run('items.exists(i, i.flag)', { items: [{}, { flag: true }] })).toBe(true);
    expect(runtimeError('[0].exists(x, 1 / x > 0)').code).toBe('cel.division_by_zero');
    expect(runtimeError('items.exists(i, i.flag)', { items: [{}] }).message).toBe('no such key `flag`');
    expect(runtimeError('[0].exists_one(x, 1 / x > 0)').code).toBe('cel.division_by_zero');
  });

  it('rejects non-bool predicates and non-iterable targets', () => {
    expect(runtimeError('[1].all(x, 1)').message).toBe('the predicate of `all` returned int instead of bool');
    expect(runtimeError("[1].exists(x, 'a')").message).toBe('the predicate of `exists` returned string instead of bool');
    expect(runtimeError('[1].filter(x, null)').message).toBe('the predicate of `filter` returned null instead of bool');
    expect(runtimeError('[1].exists_one(x, 2)').code).toBe('cel.no_overload');
    expect(runtimeError("'abc'.all(x, true)").message).toBe('no matching overload for `all` on string');
    expect(runtimeError('n.map(x, x)', { n: 1 }).message).toBe('no matching overload for `map` on int');
  });

  it('propagates UNKNOWN unless an element decides', () => {
    expect(runWithMissing('missing.all(x, x)')).toEqual([UNKNOWN, ['missing']]);
    expect(runWithMissing('[1, 2].exists(x, x == 1 || gone)')).toEqual([true, []]);
    expect(runWithMissing('[1, 2].exists(x, x == 2 || gone)')).toEqual([true, ['gone']]);
    expect(runWithMissing('[1, 2].all(x, x > limit)')).toEqual([UNKNOWN, ['limit', 'limit']]);
    expect(runWithMissing('[1, 2].all(x, x > 1 && x > limit)')).toEqual([false, []]);
    expect(runWithMissing('[1].map(x, gone)')).toEqual([UNKNOWN, ['gone']]);
    expect(runWithMissing('[1].filter(x, gone)')).toEqual([UNKNOWN, ['gone']]);
    expect(runWithMissing('[1, 2, 3].exists_one(x, x > 1 || gone)')).toEqual([false, ['gone']]);
    expect(runWithMissing('[1, 2].exists_one(x, x > 1 || gone)')).toEqual([UNKNOWN, ['gone']]);
  });

  it('has() tests field presence without ever being UNKNOWN', () => {
    expect(runWithMissing('has(a.b)', { a: { b: 1 } })).toEqual([true, []]);
    expect(runWithMissing('has(a.b)', { a: { b: null } })).toEqual([true, []]);
    expect(runWithMissing('has(a.b)', { a: {} })).toEqual([false, []]);
    expect(runWithMissing('has(a.b)', {})).toEqual([false, []]);
    expect(runWithMissing('has(a.b)', { a: 5 })).toEqual([false, []]);
    expect(runWithMissing('has(a.b)', { a: [1] })).toEqual([false, []]);
    expect(runWithMissing('has(a.b.c)', { a: { b: { c: 0 } } })).toEqual([true, []]);
    expect(runWithMissing('has(a.constructor)', { a: {} })).toEqual([false, []]);
    expect(runWithMissing('!has(a.b) || a.b > 1', {})).toEqual([true, []]);
    expect(run("has({'x': 1}.x)")).toBe(true);
    expect(run("has({'x': 1}.y)")).toBe(false);
    expect(run('has(l[0].f)', { l: [{ f: 1 }] })).toBe(true);
    expect(runWithMissing('has(l[0].f)', {})).toEqual([false, ['l']]);
    expect(run("[{'f': 1}, {}].filter(i, has(i.f)).size()")).toBe(1);
    expect(run('items.all(i, has(i.owner))', { items: [{ owner: 'x' }, {}] })).toBe(false);
  });
});

describe('UNKNOWN and missing attributes', () => {
  it.each([
    ['a', {}, ['a']],
    ['a', { a: undefined }, ['a']],
    ['a.b.c', {}, ['a.b.c']],
    ['a.b.c', { a: null }, ['a.b.c']],
    ['a.b.c', { a: { b: null } }, ['a.b.c']],
    ['a.b.c', { a: { b: {} } }, ['a.b.c']],
    ['a.b.c', { a: 'str' }, ['a.b.c']],
    ['a.b', { a: [1] }, ['a.b']],
    ['a.b', { a: 1 }, ['a.b']],
    ['a.b', { a: null }, ['a.b']],
    ['a.b.c.d', { a: { b: { c: {} } } }, ['a.b.c.d']],
    ['context.diff.lines > 500', { context: { diff: {} } }, ['context.diff.lines']],
    ['constructor', {}, ['constructor']],
    ['toString', {}, ['toString']],
    ['__proto__', {}, ['__proto__']],
    ['a.hasOwnProperty', { a: {} }, ['a.hasOwnProperty']],
    ['a.b.valueOf', { a: { b: {} } }, ['a.b.valueOf']],
    ['a > 1 && b.c < 2', {}, ['a', 'b.c']],
  ])('%s with %j is UNKNOWN', (source, activation, missing) => {
    expect(runWithMissing(source, activation)).toEqual([UNKNOWN, missing]);
  });

  it('treats null as present', () => {
    expect(runWithMissing('a', { a: null })).toEqual([null, []]);
    expect(runWithMissing('a.b == null', { a: { b: null } })).toEqual([true, []]);
    expect(runWithMissing('a.b.c', { a: { b: { c: null } } })).toEqual([null, []]);
  });

  it('reads own fields named like Object.prototype members', () => {
    expect(run('constructor + a.valueOf', { constructor: 1, a: { valueOf: 2 } })).toBe(3);
    expect(run('__proto__', JSON.parse('{"__proto__": 5}') as Record<string, unknown>)).toBe(5);
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { a: { b: 1 } });
    expect(run('a.b + 1', bare)).toBe(2);
  });

  it('works without a missing array', () => {
    expect(compile('a.b.c').evaluate({})).toBe(UNKNOWN);
  });

  it.each([
    'u + 1',
    '1 + u',
    'u - 1',
    'u * 2',
    'u / 2',
    'u % 2',
    '-u',
    '!u',
    'u == 1',
    '1 == u',
    'u != 1',
    'u < 1',
    '1 < u',
    "u <= 'a'",
    'u in [1]',
    '1 in u',
    '[u]',
    '[1, u, 2]',
    "{'k': u}",
    '{u: 1}',
    'u[0]',
    '[1][u]',
    '(u).size()',
    'size(u)',
    "u.startsWith('x')",
    "'x'.startsWith(u)",
    "u.matches('a')",
    "matches('a', u)",
    'int(u)',
    'string(u)',
    'duration(u)',
    'u ? 1 : 2',
    'u.all(x, true)',
    'u.map(x, x)',
    '[u].size()',
    '[1][0] + u',
  ])('%s is UNKNOWN', (source) => {
    expect(runWithMissing(source)).toEqual([UNKNOWN, ['u']]);
  });

  it('selects on an UNKNOWN computed value as UNKNOWN', () => {
    expect(runWithMissing('(u).x')).toEqual([UNKNOWN, ['u.x']]);
    expect(runWithMissing('(u + 1).x')).toEqual([UNKNOWN, ['u']]);
    expect(runWithMissing('[u][0].x')).toEqual([UNKNOWN, ['u']]);
    expect(runtimeError('l[0].f.g + 1', { l: [{}] }).code).toBe('cel.no_such_key');
  });

  it('lets an error in a strict operand win over UNKNOWN', () => {
    expect(runtimeError('u + (1 / 0)').code).toBe('cel.division_by_zero');
    expect(runtimeError('(1 / 0) + u').code).toBe('cel.division_by_zero');
  });

  it('evaluates only the ternary branch taken', () => {
    expect(runWithMissing('t ? 1 : u', { t: true })).toEqual([1, []]);
    expect(runWithMissing('t ? u : 2', { t: false })).toEqual([2, []]);
    expect(runWithMissing('t ? u : 2', { t: true })).toEqual([UNKNOWN, ['u']]);
    expect(runWithMissing('c ? u : v', {})).toEqual([UNKNOWN, ['c']]);
  });

  it('does not read the right operand of a short-circuited `&&`/`||`', () => {
    expect(runWithMissing('f && u', { f: false })).toEqual([false, []]);
    expect(runWithMissing('t || u', { t: true })).toEqual([true, []]);
    expect(runWithMissing('u || t', { t: true })).toEqual([true, ['u']]);
    expect(runWithMissing('u && f', { f: false })).toEqual([false, ['u']]);
  });

  // Operands: T true, F false, U missing attribute, E runtime error, N non-bool.
  const operands = { T: 't', F: 'f', U: 'u', E: '(1 / z > 0)', N: 'n' } as const;
  type Kind = keyof typeof operands;
  const kinds = Object.keys(operands) as Kind[];
  const activation = { t: true, f: false, z: 0, n: 1 };

  function expected(op: '&&' | '||', x: Kind, y: Kind): unknown {
    const decider: Kind = op === '&&' ? 'F' : 'T';
    if (x === decider || y === decider) return op === '||';
    if (x === 'U' || y === 'U') return UNKNOWN;
    if (x === 'E' || y === 'E') return 'cel.division_by_zero';
    if (x === 'N' || y === 'N') return 'cel.no_overload';
    return op === '&&';
  }

  for (const op of ['&&', '||'] as const) {
    for (const x of kinds) {
      for (const y of kinds) {
        it(`${x} ${op} ${y}`, () => {
          const program = compile(`${operands[x]} ${op} ${operands[y]}`);
          let actual: unknown;
          try {
            actual = program.evaluate(activation);
          } catch (e) {
            actual = (e as CelRuntimeError).code;
          }
          expect(actual).toBe(expected(op, x, y));
        });
      }
    }
  }

  it.each([
    ['!u', UNKNOWN],
    ['!t', false],
    ['u ? 1 : 2', UNKNOWN],
    ['!(f && u)', true],
    ['!(t && u)', UNKNOWN],
    ['(t || u) && (f || u)', UNKNOWN],
    ['(t || u) && (t || u)', true],
  ])('%s', (source, value) => {
    expect(run(source, activation)).toBe(value);
  });

  it('absorbs a runtime error on either side when the other side decides', () => {
    expect(run('false && (1 / 0 > 1)')).toBe(false);
    expect(run('(1 / 0 > 1) && false')).toBe(false);
    expect(run("true || 'a' < 1")).toBe(true);
    expect(run("'a' < 1 || true")).toBe(true);
    expect(run('x.y || true', { x: 1 })).toBe(true);
  });
});

describe('references', () => {
  it.each([
    ['replicas < 10', ['replicas']],
    ["amount_usd > 10000 && currency == 'USD'", ['amount_usd', 'currency']],
    ['context.diff.lines > 5 && context.diff.lines < 10 && has(context.author)', ['context.diff.lines', 'context.author']],
    ['a.b[0].c', ['a.b']],
    ["a['b'].c", ['a']],
    ['items.exists(i, i.x > limit)', ['items', 'limit']],
    ['x.size() + size(y.z)', ['x', 'y.z']],
    ['.a + 1', ['a']],
    ['1 + 2', []],
    ['b ? a : a', ['b', 'a']],
  ])('%s', (source, references) => {
    expect(compile(source).references).toEqual(references);
  });

  it('exposes the source and a frozen reference list', () => {
    const p = compile('a > 1');
    expect(p.source).toBe('a > 1');
    expect(Object.isFrozen(p.references)).toBe(true);
  });

  it('resolves a leading-dot identifier in the activation even inside a macro', () => {
    expect(run('[2].all(a, .a == 1 && a == 2)', { a: 1 })).toBe(true);
  });
});

describe('compile errors', () => {
  it.each([
    ['', 0, 0, 'unexpected end of expression'],
    ['a +', 3, 0, 'unexpected end of expression'],
    ['(a]', 2, 1, 'expected `)` but found `]`'],
    ['f(a]', 3, 1, 'expected `,` or `)` but found `]`'],
    ['[1, 2', 5, 0, 'expected `,` or `]` but found end of expression'],
    ["{'a' 1}", 5, 1, 'expected `:` but found `1`'],
    ["{'a': 1 'b': 2}", 8, 3, "expected `,` or `}` but found `'b'`"],
    ['a b', 2, 1, 'expected an operator or end of expression but found `b`'],
    ['a ? b', 5, 0, 'expected `:` but found end of expression'],
    ['a.', 2, 0, 'expected a field name after `.` but found end of expression'],
    ['a.(b)', 2, 1, 'expected a field name after `.` but found `(`'],
    ['.(a)', 1, 1, 'expected a name after `.` but found `(`'],
    ['in', 0, 2, 'expected an expression but found `in`'],
    [')', 0, 1, 'expected an expression but found `)`'],
    ['1 + * 2', 4, 1, 'expected an expression but found `*`'],
    ['a = 1', 2, 1, 'unexpected `=`; did you mean `==`?'],
    ['a & b', 2, 1, 'unexpected `&`; did you mean `&&`?'],
    ['a | b', 2, 1, 'unexpected `|`; did you mean `||`?'],
    ['a # b', 2, 1, 'unexpected character `#`'],
    ['a \u0007', 2, 1, 'unexpected character U+0007'],
    ["x == 'a very long string literal indeed' 1", 41, 1, 'expected an operator or end of expression but found `1`'],
    ["x 'a very long string literal indeed'", 2, 35, "expected an operator or end of expression but found `'a very long string l...`"],
  ])('%j', (source, offset, length, message) => {
    const errors = compileErrors(source);
    expect(errors).toEqual([{ offset, length, code: 'cel.syntax', message }]);
  });

  it('accepts a leading-dot identifier written without a space', () => {
    expect(run('.a', { a: 1 })).toBe(1);
  });

  it.each([
    ["'abc'.startWith('a')", 6, 9, 'unknown function `startWith`; did you mean `startsWith`?'],
    ['sise(x)', 0, 4, 'unknown function `sise`; did you mean `size`?'],
    ['SIZE(x)', 0, 4, 'unknown function `SIZE`; did you mean `size`?'],
    ['itn(x)', 0, 3, 'unknown function `itn`; did you mean `int`?'],
    ["x.containz('a')", 2, 8, 'unknown function `containz`; did you mean `contains`?'],
    ['x.exist(y, true)', 2, 5, 'unknown function `exist`; did you mean `exists`?'],
    ['x.filterr(y, true)', 2, 7, 'unknown function `filterr`; did you mean `filter`?'],
    ['foo(1)', 0, 3, 'unknown function `foo`'],
    ['x.frobnicate()', 2, 10, 'unknown function `frobnicate`'],
    ['toString(1)', 0, 8, 'unknown function `toString`; did you mean `string`?'],
    ['valueOf(1)', 0, 7, 'unknown function `valueOf`'],
    ['x.int()', 2, 3, '`int` is not a method; call it as `int(...)`'],
    ['x.has(y)', 2, 3, '`has` is not a method; call it as `has(...)`'],
    ["contains('a', 'b')", 0, 8, '`contains` is a method; call it as `x.contains(...)`'],
    ['all([1], x, true)', 0, 3, '`all` is a method; call it as `x.all(...)`'],
  ])('%s', (source, offset, length, message) => {
    expect(compileErrors(source)).toEqual([{ offset, length, code: 'cel.unknown_function', message }]);
  });

  it.each([
    ['size(1, 2)', 0, 10, 'cel.arity', '`size` expects 1 argument but got 2'],
    ['size()', 0, 6, 'cel.arity', '`size` expects 1 argument but got 0'],
    ["'a'.contains()", 4, 10, 'cel.arity', '`contains` expects 1 argument but got 0'],
    ["'a'.size(1)", 4, 7, 'cel.arity', '`size` expects 0 arguments but got 1'],
    ["matches('a')", 0, 12, 'cel.arity', '`matches` expects 2 arguments but got 1'],
    ['has(a.b, c)', 0, 11, 'cel.arity', '`has` expects 1 argument but got 2'],
    ['has()', 0, 5, 'cel.arity', '`has` expects 1 argument but got 0'],
    ['x.existsOne(y, true)', 2, 9, 'cel.unknown_function', 'unknown function `existsOne`; did you mean `exists_one`?'],
    ['[1].all(x)', 4, 6, 'cel.arity', '`all` expects 2 arguments but got 1'],
    ['[1].map(x)', 4, 6, 'cel.arity', '`map` expects 2 or 3 arguments but got 1'],
    ['[1].map(x, x, x, x)', 4, 15, 'cel.arity', '`map` expects 2 or 3 arguments but got 4'],
    ['has(a)', 4, 1, 'cel.syntax', '`has` needs a field selection such as `has(a.b)`'],
    ['has(a[0])', 4, 4, 'cel.syntax', '`has` needs a field selection such as `has(a.b)`'],
    ['[1].all(1, true)', 8, 1, 'cel.syntax', 'the first argument of `all` must be a variable name'],
    ['[1].map(x.y, x)', 8, 3, 'cel.syntax', 'the first argument of `map` must be a variable name'],
    ['[1].exists(.x, true)', 11, 2, 'cel.syntax', 'the first argument of `exists` must be a variable name'],
  ])('%s', (source, offset, length, code, message) => {
    expect(compileErrors(source)).toEqual([{ offset, length, code, message }]);
  });

  it('reports every function error, not just the first', () => {
    const errors = compileErrors("foo(1) && x.startWith('a') || size() > bar([1].all(x)) && sise(q)");
    expect(errors.map((e) => [e.code, e.offset])).toEqual([
      ['cel.unknown_function', 0],
      ['cel.unknown_function', 12],
      ['cel.arity', 30],
      ['cel.unknown_function', 39],
      ['cel.arity', 47],
      ['cel.unknown_function', 58],
    ]);
  });

  it('finds errors inside macro bodies and arguments', () => {
    const errors = compileErrors("items.all(i, i.nam.startWith('x')) && has(foo(1).x)");
    expect(errors.map((e) => e.message)).toEqual(['unknown function `startWith`; did you mean `startsWith`?', 'unknown function `foo`']);
  });

  it('limits nesting depth instead of overflowing the stack', () => {
    const deep = (n: number) => '('.repeat(n) + '1' + ')'.repeat(n);
    expect(run(deep(200))).toBe(1);
    const [error] = compileErrors(deep(300));
    expect(error?.message).toBe('expression is nested too deeply (more than 250 levels)');
    expect(error?.code).toBe('cel.syntax');
    expect(compileErrors('!'.repeat(1000) + 'true')[0]?.code).toBe('cel.syntax');
    expect(compileErrors('1' + ' + 1'.repeat(1000))[0]?.code).toBe('cel.syntax');
    expect(compileErrors('a' + '.b'.repeat(1000))[0]?.code).toBe('cel.syntax');
    expect(compileErrors('['.repeat(5000))[0]?.code).toBe('cel.syntax');
    expect(run('1' + ' + 1'.repeat(200))).toBe(201);
  });
});

describe('compile-time folding', () => {
  it('folds literal-only subexpressions and freezes the shared result', () => {
    const p = compile('[1, 2] + [3]');
    const first = p.evaluate({});
    expect(first).toEqual([1, 2, 3]);
    expect(p.evaluate({})).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    const m = compile("{'a': [1]}").evaluate({}) as { a: number[] };
    expect(Object.isFrozen(m.a)).toBe(true);
  });

  it('leaves errors in constant subexpressions to run time', () => {
    const p = compile('1 / 0 > 1');
    expect(() => p.evaluate({})).toThrow(CelRuntimeError);
    expect(run('false && 1 / 0 > 1')).toBe(false);
    expect(run('x || 1 / 0 > 1', { x: true })).toBe(true);
  });

  it('does not share lists built from activation data', () => {
    const p = compile('[x]');
    const a = p.evaluate({ x: 1 });
    const b = p.evaluate({ x: 1 });
    expect(a).toEqual([1]);
    expect(a).not.toBe(b);
  });
});

describe('robustness', () => {
  const leaf = fc.oneof(
    fc.constantFrom('a', 'b', 'v', 'a.b', 'a.b.c', 'items', 'null', 'true', 'false', '0', '1', '-3', '2.5', '0x1F', '[]', '{}'),
    fc.integer({ min: -1000, max: 1000 }).map(String),
    fc.string({ maxLength: 6 }).map((s) => JSON.stringify(s)),
  );
  const binary = ['+', '-', '*', '/', '%', '<', '<=', '>', '>=', '==', '!=', 'in', '&&', '||'];
  const { expr } = fc.letrec<{ expr: string }>((tie) => ({
    expr: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      fc.tuple(tie('expr'), fc.constantFrom(...binary), tie('expr')).map(([l, op, r]) => `(${l} ${op} ${r})`),
      fc.tuple(fc.constantFrom('!', '-'), tie('expr')).map(([op, e]) => `${op}${e}`),
      fc.tuple(tie('expr'), tie('expr'), tie('expr')).map(([c, t, e]) => `(${c} ? ${t} : ${e})`),
      fc.array(tie('expr'), { maxLength: 3 }).map((es) => `[${es.join(', ')}]`),
      fc.tuple(tie('expr'), tie('expr')).map(([k, v]) => `{${k}: ${v}}`),
      fc.tuple(tie('expr'), tie('expr')).map(([x, i]) => `${x}[${i}]`),
      fc.tuple(tie('expr'), fc.constantFrom('b', 'c', 'size')).map(([x, f]) => `${x}.${f}`),
      fc.tuple(tie('expr'), fc.constantFrom('size', 'lowerAscii', 'upperAscii', 'trim')).map(([x, f]) => `${x}.${f}()`),
      fc
        .tuple(tie('expr'), fc.constantFrom('contains', 'startsWith', 'endsWith', 'matches'), tie('expr'))
        .map(([x, f, y]) => `${x}.${f}(${y})`),
      fc
        .tuple(fc.constantFrom('int', 'uint', 'double', 'string', 'bool', 'size', 'dyn', 'duration', 'timestamp'), tie('expr'))
        .map(([f, x]) => `${f}(${x})`),
      fc
        .tuple(tie('expr'), fc.constantFrom('all', 'exists', 'exists_one', 'filter', 'map'), tie('expr'))
        .map(([t, m, body]) => `${t}.${m}(v, ${body})`),
      tie('expr').map((x) => `has(${x}.b)`),
    ),
  }));
  const activation = fc.dictionary(fc.constantFrom('a', 'b', 'v', 'items', 'z'), fc.jsonValue({ maxDepth: 3 }));

  function checkErrors(source: string, errors: readonly CelError[]): void {
    expect(errors.length).toBeGreaterThan(0);
    for (const e of errors) {
      expect(e.code).toMatch(/^cel\.(syntax|unknown_function|arity|regex_unsupported|cost_exceeded)$/);
      expect(e.offset).toBeGreaterThanOrEqual(0);
      expect(e.length).toBeGreaterThanOrEqual(0);
      expect(e.offset + e.length).toBeLessThanOrEqual(source.length);
      expect(e.message).toMatch(/^[^A-Z].*[^.]$/s);
    }
  }

  it('compileCel never throws on arbitrary text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' })), (source) => {
        const r = compileCel(source);
        if (!r.ok) checkErrors(source, r.errors);
      }),
      { numRuns: 2000 },
    );
  });

  it('compileCel never throws on token soup', () => {
    const token = fc.constantFrom(
      'a',
      'x',
      '1',
      '2.0',
      "'s'",
      '"',
      "'''",
      "r'",
      '\\',
      '(',
      ')',
      '[',
      ']',
      '{',
      '}',
      ',',
      ':',
      '?',
      '.',
      '+',
      '-',
      '*',
      '/',
      '%',
      '!',
      '<',
      '==',
      '!=',
      '&&',
      '||',
      'in',
      '=',
      '&',
      'has(',
      'size(',
      '.all(x,',
      '.map(x,',
      '0x',
      '1e',
      '//',
      '\n',
      ' ',
    );
    fc.assert(
      fc.property(fc.array(token, { maxLength: 30 }), (tokens) => {
        const source = tokens.join('');
        const r = compileCel(source);
        if (!r.ok) checkErrors(source, r.errors);
      }),
      { numRuns: 3000 },
    );
  });

  it('evaluate returns a value or throws CelRuntimeError for any JSON activation', () => {
    fc.assert(
      fc.property(expr, activation, (source, act) => {
        const r = compileCel(source);
        if (!r.ok) {
          checkErrors(source, r.errors);
          return;
        }
        const outcome = () => {
          const missing: string[] = [];
          try {
            const value = r.program.evaluate(act, missing);
            if (value === UNKNOWN) expect(missing.length).toBeGreaterThan(0);
            return { value, missing };
          } catch (e) {
            if (!(e instanceof CelRuntimeError)) throw e;
            expect(e.code).toMatch(/^cel\.[a-z_]+$/);
            return { code: e.code, missing };
          }
        };
        // Evaluation is deterministic, including macro variable handling across runs.
        expect(outcome()).toEqual(outcome());
      }),
      { numRuns: 3000 },
    );
  });
});
