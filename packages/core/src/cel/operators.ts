// Closures for the strict operators: arithmetic, ordering, equality, `in` and unary minus.
// Each has an inline fast path for the common operand types and defers everything else
// (UNKNOWN operands, other types, errors) to a slow path.
import type { BinaryOp, Span } from './ast.js';
import type { Compiled, Eval } from './compiled.js';
import { CelRuntimeError, noOverload } from './errors.js';
import { UNKNOWN, celEquals, compareStrings, isMap, readField, ABSENT } from './values.js';

type Strict = Exclude<BinaryOp, '&&' | '||'>;

export function strictBinary(op: Strict, left: Compiled, right: Compiled, span: Span): Eval {
  const l = left.ev;
  const r = right.ev;
  switch (op) {
    case '==':
      return (a, m) => equals(l(a, m), r(a, m));
    case '!=':
      return (a, m) => {
        const eq = equals(l(a, m), r(a, m));
        return eq === UNKNOWN ? UNKNOWN : !eq;
      };
    case '<':
    case '<=':
    case '>':
    case '>=':
      return relation(op, left, right, span);
    case '+':
      return (a, m) => {
        const x = l(a, m);
        const y = r(a, m);
        return typeof x === 'number' && typeof y === 'number' ? x + y : add(x, y, span);
      };
    case '-':
      return (a, m) => {
        const x = l(a, m);
        const y = r(a, m);
        return typeof x === 'number' && typeof y === 'number' ? x - y : numeric(op, x, y, span);
      };
    case '*':
      return (a, m) => {
        const x = l(a, m);
        const y = r(a, m);
        return typeof x === 'number' && typeof y === 'number' ? x * y : numeric(op, x, y, span);
      };
    case '/':
      return (a, m) => divide(l(a, m), r(a, m), span);
    case '%':
      return (a, m) => modulo(l(a, m), r(a, m), span);
    case 'in':
      return (a, m) => contains(l(a, m), r(a, m), span);
  }
}

function equals(x: unknown, y: unknown): boolean | typeof UNKNOWN {
  if (x === UNKNOWN || y === UNKNOWN) return UNKNOWN;
  return x === y || (typeof x === 'object' && typeof y === 'object' && celEquals(x, y));
}

function relation(op: '<' | '<=' | '>' | '>=', left: Compiled, right: Compiled, span: Span): Eval {
  const l = left.ev;
  const r = right.ev;
  const c = right.value;
  // Comparing against a numeric literal is the most common condition shape; skip the second call.
  if (right.constant && typeof c === 'number') {
    switch (op) {
      case '<':
        return (a, m) => {
          const x = l(a, m);
          return typeof x === 'number' ? x < c : order(op, x, c, span);
        };
      case '<=':
        return (a, m) => {
          const x = l(a, m);
          return typeof x === 'number' ? x <= c : order(op, x, c, span);
        };
      case '>':
        return (a, m) => {
          const x = l(a, m);
          return typeof x === 'number' ? x > c : order(op, x, c, span);
        };
      case '>=':
        return (a, m) => {
          const x = l(a, m);
          return typeof x === 'number' ? x >= c : order(op, x, c, span);
        };
    }
  }
  switch (op) {
    case '<':
      return (a, m) => {
        const x = l(a, m);
        const y = r(a, m);
        return typeof x === 'number' && typeof y === 'number' ? x < y : order(op, x, y, span);
      };
    case '<=':
      return (a, m) => {
        const x = l(a, m);
        const y = r(a, m);
        return typeof x === 'number' && typeof y === 'number' ? x <= y : order(op, x, y, span);
      };
    case '>':
      return (a, m) => {
        const x = l(a, m);
        const y = r(a, m);
        return typeof x === 'number' && typeof y === 'number' ? x > y : order(op, x, y, span);
      };
    case '>=':
      return (a, m) => {
        const x = l(a, m);
        const y = r(a, m);
        return typeof x === 'number' && typeof y === 'number' ? x >= y : order(op, x, y, span);
      };
  }
}

function order(op: '<' | '<=' | '>' | '>=', x: unknown, y: unknown, span: Span): unknown {
  if (x === UNKNOWN || y === UNKNOWN) return UNKNOWN;
  let c: number;
  if (typeof x === 'number' && typeof y === 'number') {
    // Reached only from the constant fast path's fallback; keeps NaN comparisons false.
    c = x < y ? -1 : x > y ? 1 : x === y ? 0 : NaN;
  } else if (typeof x === 'string' && typeof y === 'string') {
    c = compareStrings(x, y);
  } else if (typeof x === 'boolean' && typeof y === 'boolean') {
    c = Number(x) - Number(y);
  } else {
    throw noOverload(op, span, x, y);
  }
  switch (op) {
    case '<':
      return c < 0;
    case '<=':
      return c <= 0;
    case '>':
      return c > 0;
    case '>=':
      return c >= 0;
  }
}

function add(x: unknown, y: unknown, span: Span): unknown {
  if (x === UNKNOWN || y === UNKNOWN) return UNKNOWN;
  if (typeof x === 'string' && typeof y === 'string') return x + y;
  if (Array.isArray(x) && Array.isArray(y)) return x.concat(y);
  throw noOverload('+', span, x, y);
}

function numeric(op: string, x: unknown, y: unknown, span: Span): unknown {
  if (x === UNKNOWN || y === UNKNOWN) return UNKNOWN;
  throw noOverload(op, span, x, y);
}

function divide(x: unknown, y: unknown, span: Span): unknown {
  if (typeof x !== 'number' || typeof y !== 'number') return numeric('/', x, y, span);
  if (y === 0) throw new CelRuntimeError('cel.division_by_zero', 'division by zero', span);
  // CEL truncates integer division; `+ 0` turns the -0 of e.g. `-1 / 2` into 0.
  return Number.isInteger(x) && Number.isInteger(y) ? Math.trunc(x / y) + 0 : x / y;
}

function modulo(x: unknown, y: unknown, span: Span): unknown {
  if (typeof x !== 'number' || typeof y !== 'number' || !Number.isInteger(x) || !Number.isInteger(y)) {
    return numeric('%', x, y, span);
  }
  if (y === 0) throw new CelRuntimeError('cel.division_by_zero', 'modulus by zero', span);
  return (x % y) + 0;
}

function contains(x: unknown, y: unknown, span: Span): unknown {
  if (x === UNKNOWN || y === UNKNOWN) return UNKNOWN;
  if (Array.isArray(y)) {
    if (typeof x !== 'object' || x === null) {
      for (let i = 0; i < y.length; i++) if (y[i] === x) return true;
      return false;
    }
    for (let i = 0; i < y.length; i++) if (celEquals(x, y[i])) return true;
    return false;
  }
  if (isMap(y)) return typeof x === 'string' && readField(y, x) !== ABSENT;
  throw noOverload('in', span, x, y);
}

export function negate(operand: Compiled, span: Span): Eval {
  const o = operand.ev;
  return (a, m) => {
    const x = o(a, m);
    if (typeof x === 'number') return 0 - x;
    if (x === UNKNOWN) return UNKNOWN;
    throw noOverload('-', span, x);
  };
}
