// The macros: `has(a.b)` and the comprehensions `all`, `exists`, `exists_one`, `map`, `filter`.
// Comprehension variables live in a compile-time slot that shadows activation fields in the body.
import { callSpan, type CallNode, type Node, type Span } from './ast.js';
import { activationHas } from './access.js';
import { dynamic, type Activation, type Compiled, type CompileContext, type Eval, type Scope, type Slot } from './compiled.js';
import { charge, knownSize, type Meter } from './cost.js';
import { CelRuntimeError, asCelError, noOverload } from './errors.js';
import { ABSENT, UNKNOWN, isMap, readField, typeName } from './values.js';

type Comprehension = 'all' | 'exists' | 'exists_one' | 'map' | 'filter';

const ARITY: Readonly<Record<Comprehension, readonly number[]>> = {
  all: [2],
  exists: [2],
  exists_one: [2],
  map: [2, 3],
  filter: [2],
};

export const COMPREHENSIONS: ReadonlySet<string> = new Set(Object.keys(ARITY));

/** Dotted path of a select chain rooted at an activation field, or null if the chain starts elsewhere. */
export function staticPath(node: Node, scope: Scope): string[] | null {
  const segments: string[] = [];
  let n = node;
  while (n.kind === 'select') {
    segments.push(n.field);
    n = n.operand;
  }
  if (n.kind !== 'ident' || (!n.absolute && scope.has(n.name))) return null;
  segments.push(n.name);
  return segments.reverse();
}

export function compileHas(node: CallNode, ctx: CompileContext, scope: Scope): Compiled {
  const arg = node.args[0];
  if (node.args.length !== 1 || arg === undefined) {
    ctx.report('cel.arity', `\`has\` expects 1 argument but got ${node.args.length}`, callSpan(node));
    node.args.forEach((a) => ctx.compile(a, scope));
    return dynamic(() => UNKNOWN);
  }
  if (arg.kind !== 'select') {
    ctx.report('cel.syntax', '`has` needs a field selection such as `has(a.b)`', arg);
    ctx.compile(arg, scope);
    return dynamic(() => UNKNOWN);
  }
  const path = staticPath(arg, scope);
  if (path !== null) {
    ctx.reference(path.join('.'));
    return dynamic(activationHas(path));
  }
  const operand = ctx.compile(arg.operand, scope).ev;
  const field = arg.field;
  // An UNKNOWN or non-map operand simply has no such field: has() must answer, not defer.
  return dynamic((a, m) => {
    const x = operand(a, m);
    return isMap(x) && readField(x, field) !== ABSENT;
  });
}

export function compileComprehension(node: CallNode, ctx: CompileContext, scope: Scope): Compiled {
  const kind = node.name as Comprehension;
  const target = node.target!;
  const arities = ARITY[kind];
  const variable = node.args[0];
  const t = ctx.compile(target, scope);
  if (!arities.includes(node.args.length)) {
    const wanted = arities.join(' or ');
    ctx.report('cel.arity', `\`${kind}\` expects ${wanted} arguments but got ${node.args.length}`, callSpan(node));
  } else if (variable === undefined || variable.kind !== 'ident' || variable.absolute) {
    ctx.report('cel.syntax', `the first argument of \`${kind}\` must be a variable name`, variable ?? node);
  } else {
    const slot: Slot = { v: undefined };
    const inner = new Map(scope).set(variable.name, slot);
    // The body runs once per element: a literal target multiplies its least cost by its size.
    const outer = ctx.estimate.steps;
    ctx.estimate.steps = 0;
    const body = node.args.slice(1).map((a) => ctx.compile(a, inner).ev);
    ctx.estimate.steps = outer + knownSize(t.constant, t.value) * (1 + ctx.estimate.steps);
    return dynamic(build(kind, t.ev, slot, body, node, ctx.meter));
  }
  node.args.forEach((a) => ctx.compile(a, scope));
  return dynamic(() => UNKNOWN);
}

function build(kind: Comprehension, target: Eval, slot: Slot, body: Eval[], span: Span, meter: Meter): Eval {
  const [first, second] = body as [Eval, Eval | undefined];
  const loop = (run: (items: readonly unknown[], a: Activation, m: string[] | undefined) => unknown): Eval => {
    return (a, m) => {
      const t = target(a, m);
      if (t === UNKNOWN) return UNKNOWN;
      const items = Array.isArray(t) ? t : isMap(t) ? Object.keys(t) : null;
      if (items === null) throw noOverload(kind, span, t);
      // Charged up front: an element costs a step whether or not an early answer skips it.
      charge(meter, items.length);
      const saved = slot.v;
      try {
        return run(items, a, m);
      } finally {
        slot.v = saved;
      }
    };
  };
  switch (kind) {
    case 'all':
    case 'exists':
      return loop((items, a, m) => quantify(kind === 'exists', items, slot, first, a, m, span));
    case 'exists_one':
      return loop((items, a, m) => {
        let count = 0;
        let unknown = false;
        for (let i = 0; i < items.length; i++) {
          slot.v = items[i];
          const r = first(a, m);
          if (r === true) count++;
          else if (r === UNKNOWN) unknown = true;
          else if (r !== false) throw predicateType(kind, r, span);
        }
        // Two matches already rule out "exactly one", whatever the unknown elements are.
        return count > 1 ? false : unknown ? UNKNOWN : count === 1;
      });
    case 'filter':
      return loop((items, a, m) => collect(items, slot, first, undefined, a, m, span, kind));
    case 'map':
      return second === undefined
        ? loop((items, a, m) => collect(items, slot, undefined, first, a, m, span, kind))
        : loop((items, a, m) => collect(items, slot, first, second, a, m, span, kind));
  }
}

/** `exists` is a fold over `||` and `all` over `&&`, so errors and UNKNOWN yield to a deciding element. */
function quantify(
  decider: boolean,
  items: readonly unknown[],
  slot: Slot,
  predicate: Eval,
  a: Activation,
  m: string[] | undefined,
  span: Span,
): unknown {
  let unknown = false;
  let error: CelRuntimeError | undefined;
  for (let i = 0; i < items.length; i++) {
    slot.v = items[i];
    let r: unknown;
    try {
      r = predicate(a, m);
    } catch (e) {
      error ??= asCelError(e);
      continue;
    }
    if (r === decider) return decider;
    if (r === UNKNOWN) unknown = true;
    else if (r !== !decider) error ??= predicateType(decider ? 'exists' : 'all', r, span);
  }
  if (unknown) return UNKNOWN;
  if (error !== undefined) throw error;
  return !decider;
}

function collect(
  items: readonly unknown[],
  slot: Slot,
  predicate: Eval | undefined,
  transform: Eval | undefined,
  a: Activation,
  m: string[] | undefined,
  span: Span,
  kind: Comprehension,
): unknown {
  const out: unknown[] = [];
  let unknown = false;
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    slot.v = item;
    if (predicate !== undefined) {
      const keep = predicate(a, m);
      if (keep === UNKNOWN) {
        unknown = true;
        continue;
      }
      if (keep !== true && keep !== false) throw predicateType(kind, keep, span);
      if (!keep) continue;
    }
    const v = transform === undefined ? item : transform(a, m);
    if (v === UNKNOWN) unknown = true;
    else out.push(v);
  }
  return unknown ? UNKNOWN : out;
}

function predicateType(kind: string, value: unknown, span: Span): CelRuntimeError {
  return new CelRuntimeError('cel.no_overload', `the predicate of \`${kind}\` returned ${typeName(value)} instead of bool`, span);
}
