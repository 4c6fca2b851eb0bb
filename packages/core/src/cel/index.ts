// Public entry point of the CEL engine used for policy `condition:` expressions: compile once into
// closures, then evaluate many times against action objects.
//
// Supported: the CEL expression grammar (literals, operators with CEL precedence, lists, maps, member
// and index access, global and method calls, comments) and the functions size, contains, startsWith,
// endsWith, matches, lowerAscii, upperAscii, trim, int, uint, double, string, bool, dyn, duration,
// timestamp and the macros has, all, exists, exists_one, map, filter.
//
// Deviations from the CEL specification:
// - Numbers are JS numbers: int, uint and double are not distinguished. A value counts as an int
//   when Number.isInteger holds, so `7 / 2 == 3` but also `7.0 / 2 == 3`; `1 == 1.0` is true;
//   `u` suffixes are accepted and ignored; integers beyond 2^53 lose precision and arithmetic never
//   reports overflow (int()/uint() conversions do check the 64-bit range).
// - Division and modulus by zero are errors for all numbers (CEL gives ±Infinity/NaN for doubles);
//   `%` requires integers.
// - Bytes literals (`b"..."`) are strings, and `\xHH`/octal escapes in them denote code points.
// - Maps are plain objects with string keys: map literals reject non-string keys at run time, and
//   `k in map` is false for non-string `k`. Lists and maps from the activation are used as given.
// - `duration()` returns milliseconds and `timestamp()` returns milliseconds since the Unix epoch
//   (UTC), both as numbers, so they compare and add with `<`, `+` etc. and with numeric fields
//   holding epoch milliseconds. `timestamp()` accepts RFC 3339 strings only.
// - An absent activation attribute (a dotted path whose segment is missing, undefined, or whose
//   parent is not a map) yields UNKNOWN rather than an error; UNKNOWN propagates through strict
//   operators and functions, is absorbed by deciding `&&`/`||` operands and by all()/exists(), and
//   outranks errors there, as in CEL partial evaluation. In strict operators an error in any operand
//   wins over UNKNOWN. Indexing (`m['k']`) and selecting fields of computed values or macro
//   variables follow CEL and raise `cel.no_such_key`.
// - `has()` returns false, never an error or UNKNOWN, when the operand is absent or not a map.
// - `matches` is RE2 (re2js), linear in the input: lookaround and backreferences are refused (at
//   compile time for a literal pattern, `cel.regex_unsupported`); `\uXXXX` is accepted as `\x{XXXX}`.
// - Each evaluation has a cost limit (cost.ts, `cel.cost_exceeded`): comprehension elements and
//   calls are counted at run time, and a literal comprehension whose size already exceeds it is
//   refused at compile time.
// - Reserved words other than `true`, `false`, `null` and `in` are accepted as identifiers, so
//   fields such as `namespace` work. Message construction `T{...}`, the optional syntax `?.`,
//   `type()` and namespaced functions are not supported.
// - Strings are compared by code point; offsets in errors are UTF-16 code unit indices into the source.
import { compileAst } from './compile.js';
import { CEL_COST_LIMIT } from './cost.js';
import type { CelError } from './errors.js';
import { parse } from './parser.js';

export { UNKNOWN } from './values.js';
export { CelRuntimeError, type CelError } from './errors.js';
export { CEL_COST_LIMIT, CelCostExceeded } from './cost.js';

export interface CelProgram {
  readonly source: string;
  /** Dotted paths of the variables the expression reads, e.g. ["amount_usd", "context.diff.lines"], deduplicated, in order of appearance. */
  readonly references: readonly string[];
  /**
   * Evaluates against an activation (the action object: top-level identifiers are its fields).
   * Returns the value; returns UNKNOWN when the result depends on an attribute that is absent,
   * pushing each missing dotted path onto `missing` (if given) as it is read. Throws CelRuntimeError
   * for runtime errors (no matching overload, division by zero, bad regex, index out of range...),
   * and CelCostExceeded when the evaluation runs out of its cost limit.
   */
  evaluate(activation: Readonly<Record<string, unknown>>, missing?: string[]): unknown;
}

export function compileCel(source: string): { ok: true; program: CelProgram } | { ok: false; errors: CelError[] } {
  const parsed = parse(source);
  if (!parsed.ok) return { ok: false, errors: [parsed.error] };
  const { ev, references, errors, meter } = compileAst(parsed.node);
  if (errors.length > 0) return { ok: false, errors };
  const program: CelProgram = {
    source,
    references: Object.freeze(references),
    evaluate: (activation, missing) => {
      meter.left = CEL_COST_LIMIT;
      return ev(activation, missing);
    },
  };
  return { ok: true, program: Object.freeze(program) };
}
