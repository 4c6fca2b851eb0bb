// The standard functions: arity, whether they are called globally `f(x)` and/or as methods `x.f()`,
// and implementations. Implementations only ever see known values; UNKNOWN is handled by the caller.
import type { Span } from './ast.js';
import { CelRuntimeError, invalidArgument, noOverload, quote } from './errors.js';
import { compileRegex, dynamicMatcher } from './regex.js';
import type { Pattern } from '../util/regex.js';
import { parseDuration, parseTimestamp } from './time.js';
import { codePointLength, isMap } from './values.js';

/** Receives the receiver (for methods) or first argument as `a`, and the next argument as `b`. */
export type Impl = (a: unknown, b: unknown, span: Span) => unknown;

export interface FunctionDef {
  /** Argument count including the receiver of a method call. */
  readonly arity: 1 | 2;
  readonly global: boolean;
  readonly method: boolean;
  /** Per-call-site implementation, for functions that keep a cache. */
  readonly create: () => Impl;
  /** Specialised implementation when the second argument is a compile-time constant. */
  readonly withConstant?: (b: unknown, span: Span) => Impl;
}

const INT_RANGE = 2 ** 63;

function fn(arity: 1 | 2, style: 'global' | 'method' | 'both', impl: Impl): FunctionDef {
  return { arity, global: style !== 'method', method: style !== 'global', create: () => impl };
}

function stringPair(name: string, test: (s: string, t: string) => boolean): FunctionDef {
  return fn(2, 'method', (a, b, span) => {
    if (typeof a === 'string' && typeof b === 'string') return test(a, b);
    throw noOverload(name, span, a, b);
  });
}

function stringMap(name: string, map: (s: string) => string): FunctionDef {
  return fn(1, 'method', (a, _b, span) => {
    if (typeof a === 'string') return map(a);
    throw noOverload(name, span, a);
  });
}

function checkedInt(name: string, v: number, min: number, span: Span): number {
  const t = Math.trunc(v) + 0;
  if (!Number.isFinite(v) || t < min || t >= INT_RANGE) {
    throw new CelRuntimeError('cel.out_of_range', `${name} conversion of ${v} is out of range`, span);
  }
  return t;
}

function toInteger(name: 'int' | 'uint', min: number): Impl {
  return (a, _b, span) => {
    if (typeof a === 'number') return checkedInt(name, a, min, span);
    if (typeof a === 'string') {
      if (!/^[+-]?\d+$/.test(a)) throw invalidArgument(`cannot convert ${quote(a)} to ${name}`, span);
      return checkedInt(name, Number(a), min, span);
    }
    throw noOverload(name, span, a);
  };
}

const DOUBLE_TEXT = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const SPECIAL_DOUBLES: Readonly<Record<string, number>> = { inf: Infinity, infinity: Infinity, nan: NaN };

function toDouble(a: unknown, _b: unknown, span: Span): number {
  if (typeof a === 'number') return a;
  if (typeof a === 'string') {
    if (DOUBLE_TEXT.test(a)) return Number(a);
    const sign = a.startsWith('-') ? -1 : 1;
    const special = SPECIAL_DOUBLES[a.replace(/^[+-]/, '').toLowerCase()];
    if (special !== undefined) return sign * special;
    throw invalidArgument(`cannot convert ${quote(a)} to double`, span);
  }
  throw noOverload('double', span, a);
}

const BOOL_TEXT: Readonly<Record<string, boolean>> = {
  '1': true,
  t: true,
  T: true,
  true: true,
  TRUE: true,
  True: true,
  '0': false,
  f: false,
  F: false,
  false: false,
  FALSE: false,
  False: false,
};

function toBool(a: unknown, _b: unknown, span: Span): boolean {
  if (typeof a === 'boolean') return a;
  if (typeof a === 'string') {
    const v = Object.hasOwn(BOOL_TEXT, a) ? BOOL_TEXT[a] : undefined;
    if (v === undefined) throw invalidArgument(`cannot convert ${quote(a)} to bool`, span);
    return v;
  }
  throw noOverload('bool', span, a);
}

function toText(a: unknown, _b: unknown, span: Span): string {
  if (typeof a === 'string') return a;
  if (typeof a === 'number' || typeof a === 'boolean') return String(a);
  throw noOverload('string', span, a);
}

function size(a: unknown, _b: unknown, span: Span): number {
  if (typeof a === 'string') return codePointLength(a);
  if (Array.isArray(a)) return a.length;
  if (isMap(a)) return Object.keys(a).length;
  throw noOverload('size', span, a);
}

const matches: FunctionDef = {
  arity: 2,
  global: true,
  method: true,
  create: () => {
    const match = dynamicMatcher();
    return (a, b, span) => {
      if (typeof a === 'string' && typeof b === 'string') return match(a, b, span);
      throw noOverload('matches', span, a, b);
    };
  },
  withConstant: (pattern, span) => {
    if (typeof pattern !== 'string')
      return (a, b, s) => {
        throw noOverload('matches', s, a, b);
      };
    let re: Pattern;
    try {
      re = compileRegex(pattern, span);
    } catch (e) {
      // A bad literal pattern is still a runtime error, so `false && x.matches('(')` stays false.
      return () => {
        throw e;
      };
    }
    return (a, b, s) => {
      if (typeof a === 'string') return re.test(a);
      throw noOverload('matches', s, a, b);
    };
  },
};

export const FUNCTIONS: ReadonlyMap<string, FunctionDef> = new Map<string, FunctionDef>([
  ['size', fn(1, 'both', size)],
  ['contains', stringPair('contains', (s, t) => s.includes(t))],
  ['startsWith', stringPair('startsWith', (s, t) => s.startsWith(t))],
  ['endsWith', stringPair('endsWith', (s, t) => s.endsWith(t))],
  ['matches', matches],
  ['lowerAscii', stringMap('lowerAscii', (s) => s.replace(/[A-Z]+/g, (m) => m.toLowerCase()))],
  ['upperAscii', stringMap('upperAscii', (s) => s.replace(/[a-z]+/g, (m) => m.toUpperCase()))],
  ['trim', stringMap('trim', (s) => s.trim())],
  ['int', fn(1, 'global', toInteger('int', -INT_RANGE))],
  ['uint', fn(1, 'global', toInteger('uint', 0))],
  ['double', fn(1, 'global', toDouble)],
  ['string', fn(1, 'global', toText)],
  ['bool', fn(1, 'global', toBool)],
  ['dyn', fn(1, 'global', (a) => a)],
  [
    'duration',
    fn(1, 'global', (a, _b, span) => {
      if (typeof a === 'string') return parseDuration(a, span);
      throw noOverload('duration', span, a);
    }),
  ],
  [
    'timestamp',
    fn(1, 'global', (a, _b, span) => {
      if (typeof a === 'string') return parseTimestamp(a, span);
      throw noOverload('timestamp', span, a);
    }),
  ],
]);
