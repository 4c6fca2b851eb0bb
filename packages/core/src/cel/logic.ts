// Closures for `&&`, `||`, `!` and `?:`. The binary logical operators are commutative over errors
// and UNKNOWN, as in CEL: a deciding operand on either side wins over an error or UNKNOWN on the other.
import type { Span } from './ast.js';
import type { Compiled, Eval } from './compiled.js';
import { asCelError, noOverload, type CelRuntimeError } from './errors.js';
import { UNKNOWN } from './values.js';

/** Builds `&&` (decider false) or `||` (decider true). */
export function logical(op: '&&' | '||', left: Compiled, right: Compiled, span: Span): Eval {
  const l = left.ev;
  const r = right.ev;
  const decider = op === '||';
  return (a, m) => {
    let x: unknown;
    let xError: CelRuntimeError | undefined;
    try {
      x = l(a, m);
    } catch (e) {
      xError = asCelError(e);
    }
    if (x === decider) return decider;
    let y: unknown;
    let yError: CelRuntimeError | undefined;
    try {
      y = r(a, m);
    } catch (e) {
      yError = asCelError(e);
    }
    if (y === decider) return decider;
    if (x === !decider && y === !decider) return !decider;
    // Neither side decides: UNKNOWN outranks errors, so a missing attribute is reported as missing.
    if (x === UNKNOWN || y === UNKNOWN) return UNKNOWN;
    if (xError !== undefined) throw xError;
    if (yError !== undefined) throw yError;
    throw noOverload(op, span, x, y);
  };
}

export function not(operand: Compiled, span: Span): Eval {
  const o = operand.ev;
  return (a, m) => {
    const x = o(a, m);
    if (typeof x === 'boolean') return !x;
    if (x === UNKNOWN) return UNKNOWN;
    throw noOverload('!', span, x);
  };
}

export function conditional(cond: Compiled, then: Compiled, otherwise: Compiled, span: Span): Eval {
  const c = cond.ev;
  const t = then.ev;
  const o = otherwise.ev;
  return (a, m) => {
    const x = c(a, m);
    if (x === true) return t(a, m);
    if (x === false) return o(a, m);
    if (x === UNKNOWN) return UNKNOWN;
    throw noOverload('?:', span, x);
  };
}
