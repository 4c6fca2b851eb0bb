// Closures that read data: activation paths such as `context.diff.lines`, field selection and
// indexing on computed values, and list and map literals.
import type { Span } from './ast.js';
import type { Compiled, Eval } from './compiled.js';
import { CelRuntimeError, invalidArgument, noOverload, quote } from './errors.js';
import { ABSENT, UNKNOWN, isInheritedKey, isMap, readField, typeName, type CelMap } from './values.js';

const hasOwn = Object.prototype.hasOwnProperty;

/**
 * Reads a dotted path from the activation. Any absent segment (or a non-map parent) makes the value
 * UNKNOWN and records the whole path as missing. Paths are split at compile time and the short
 * shapes get their own closures because they dominate real conditions.
 */
export function activationPath(segments: readonly string[]): Eval {
  const path = segments.join('.');
  const guarded = segments.map(isInheritedKey);
  const miss = (m: string[] | undefined): typeof UNKNOWN => {
    if (m !== undefined) m.push(path);
    return UNKNOWN;
  };
  const k0 = segments[0]!;
  const g0 = guarded[0]!;
  if (segments.length === 1) {
    return (a, m) => {
      const v = a[k0];
      return v !== undefined && (!g0 || hasOwn.call(a, k0)) ? v : miss(m);
    };
  }
  if (segments.length === 2) {
    const k1 = segments[1]!;
    const g1 = guarded[1]!;
    return (a, m) => {
      const p = a[k0];
      if (p === undefined || typeof p !== 'object' || p === null || Array.isArray(p) || (g0 && !hasOwn.call(a, k0))) {
        return miss(m);
      }
      const v = (p as CelMap)[k1];
      return v !== undefined && (!g1 || hasOwn.call(p, k1)) ? v : miss(m);
    };
  }
  return (a, m) => {
    const v = walk(a, segments, guarded);
    return v === ABSENT ? miss(m) : v;
  };
}

function walk(root: CelMap, segments: readonly string[], guarded: readonly boolean[]): unknown {
  let cur: unknown = root;
  for (let i = 0; i < segments.length; i++) {
    if (typeof cur !== 'object' || cur === null || Array.isArray(cur)) return ABSENT;
    const k = segments[i]!;
    const v = (cur as CelMap)[k];
    if (v === undefined || (guarded[i] && !hasOwn.call(cur, k))) return ABSENT;
    cur = v;
  }
  return cur;
}

/** `has(a.b.c)` on an activation path: never UNKNOWN and never records anything as missing. */
export function activationHas(segments: readonly string[]): Eval {
  const guarded = segments.map(isInheritedKey);
  return (a) => walk(a, segments, guarded) !== ABSENT;
}

export function select(operand: Compiled, field: string, span: Span): Eval {
  const o = operand.ev;
  return (a, m) => {
    const x = o(a, m);
    if (isMap(x)) {
      const v = readField(x, field);
      if (v !== ABSENT) return v;
      throw new CelRuntimeError('cel.no_such_key', `no such key ${quote(field)}`, span);
    }
    if (x === UNKNOWN) return UNKNOWN;
    throw noOverload(`.${field}`, span, x);
  };
}

export function index(operand: Compiled, key: Compiled, span: Span): Eval {
  const o = operand.ev;
  const k = key.ev;
  return (a, m) => {
    const x = o(a, m);
    const i = k(a, m);
    if (x === UNKNOWN || i === UNKNOWN) return UNKNOWN;
    if (Array.isArray(x) && typeof i === 'number' && Number.isInteger(i)) {
      if (i >= 0 && i < x.length) return x[i];
      throw new CelRuntimeError('cel.index_out_of_range', `index ${i} out of range for list of size ${x.length}`, span);
    }
    if (isMap(x) && typeof i === 'string') {
      const v = readField(x, i);
      if (v !== ABSENT) return v;
      throw new CelRuntimeError('cel.no_such_key', `no such key ${quote(i)}`, span);
    }
    throw noOverload('[]', span, x, i);
  };
}

export function list(elements: readonly Compiled[]): Eval {
  const evs = elements.map((e) => e.ev);
  return (a, m) => {
    const out = new Array<unknown>(evs.length);
    let unknown = false;
    for (let i = 0; i < evs.length; i++) {
      const v = evs[i]!(a, m);
      if (v === UNKNOWN) unknown = true;
      out[i] = v;
    }
    return unknown ? UNKNOWN : out;
  };
}

/** Map literals become null-prototype objects so keys like `__proto__` are ordinary keys. */
export function map(entries: readonly { key: Compiled; value: Compiled }[], span: Span): Eval {
  const keys = entries.map((e) => e.key.ev);
  const values = entries.map((e) => e.value.ev);
  return (a, m) => {
    const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    let unknown = false;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!(a, m);
      const v = values[i]!(a, m);
      if (k === UNKNOWN || v === UNKNOWN) {
        unknown = true;
        continue;
      }
      if (typeof k !== 'string') {
        throw new CelRuntimeError('cel.no_overload', `unsupported map key type ${typeName(k)}; keys must be strings`, span);
      }
      if (hasOwn.call(out, k)) throw invalidArgument(`duplicate map key ${quote(k)}`, span);
      out[k] = v;
    }
    return unknown ? UNKNOWN : out;
  };
}
