// Runtime value model shared by operators and functions: the UNKNOWN marker, type names,
// field reads that ignore inherited properties, and CEL equality and ordering.

/** Result of an expression whose value depends on an absent attribute. */
export const UNKNOWN: unique symbol = Symbol('cel.unknown');

/** Internal marker for "no such field"; never escapes evaluation. */
export const ABSENT: unique symbol = Symbol('cel.absent');

export type CelMap = Readonly<Record<string, unknown>>;

const hasOwn = Object.prototype.hasOwnProperty;

export function isMap(v: unknown): v is CelMap {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function typeName(v: unknown): string {
  switch (typeof v) {
    case 'number':
      return Number.isInteger(v) ? 'int' : 'double';
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
    case 'object':
      return v === null ? 'null' : Array.isArray(v) ? 'list' : 'map';
    case 'symbol':
      return v === UNKNOWN ? 'unknown' : 'symbol';
    default:
      return typeof v;
  }
}

/**
 * True for keys that a plain object inherits (`constructor`, `toString`, `__proto__`...).
 * Reads of other keys can skip the own-property check, which keeps the common path cheap.
 */
export function isInheritedKey(key: string): boolean {
  return key in Object.prototype;
}

/** Own field of a map, or ABSENT; an explicit `undefined` counts as absent. */
export function readField(map: CelMap, key: string): unknown {
  const v = map[key];
  return v === undefined || !hasOwn.call(map, key) ? ABSENT : v;
}

export function celEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!celEquals(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ma = a as CelMap;
  const mb = b as CelMap;
  const keys = Object.keys(ma);
  if (keys.length !== Object.keys(mb).length) return false;
  for (const k of keys) {
    if (!hasOwn.call(mb, k) || !celEquals(ma[k], mb[k])) return false;
  }
  return true;
}

/** Compares by Unicode code point, as CEL does, rather than by UTF-16 code unit as JS `<` does. */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    // Only surrogates versus U+E000..U+FFFF sort differently in the two orders.
    if (x >= 0xd800 && y >= 0xd800) {
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x < y ? -1 : 1;
  }
  return a.length < b.length ? -1 : 1;
}

/** Number of Unicode code points, counting a surrogate pair once. */
export function codePointLength(s: string): number {
  let n = s.length;
  for (let i = 1; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xdc00 && c <= 0xdfff) {
      const p = s.charCodeAt(i - 1);
      if (p >= 0xd800 && p <= 0xdbff) n--;
    }
  }
  return n;
}

/** Freezes a constant-folded value so a caller cannot mutate what later evaluations return. */
export function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const child of Object.values(v)) deepFreeze(child);
  }
  return v;
}
