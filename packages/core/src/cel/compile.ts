// Turns the syntax tree into nested closures, checking function names and arities on the way,
// collecting the activation paths the expression reads, and folding literal-only subexpressions.
import * as access from './access.js';
import { callSpan, type CallNode, type Node } from './ast.js';
import { dynamic, type Activation, type Compiled, type CompileContext, type Eval, type Scope } from './compiled.js';
import { CEL_COST_LIMIT, CelCostExceeded, callCost, charge, type Meter } from './cost.js';
import { CelRuntimeError, type CelError } from './errors.js';
import { FUNCTIONS } from './functions.js';
import { unsupportedRegex } from './regex.js';
import { conditional, logical, not } from './logic.js';
import { COMPREHENSIONS, compileComprehension, compileHas, staticPath } from './macros.js';
import { negate, strictBinary } from './operators.js';
import { closest } from './suggest.js';
import { UNKNOWN, deepFreeze } from './values.js';

export interface CompileOutput {
  readonly ev: Eval;
  readonly references: string[];
  readonly errors: CelError[];
  /** The budget evaluate() resets and the closures charge. */
  readonly meter: Meter;
}

const KNOWN_NAMES: readonly string[] = [...FUNCTIONS.keys(), 'has', ...COMPREHENSIONS];
const EMPTY: Activation = Object.freeze({});
const NO_SCOPE: Scope = new Map();

export function compileAst(root: Node): CompileOutput {
  const errors: CelError[] = [];
  const references: string[] = [];
  const seen = new Set<string>();
  const meter: Meter = { left: CEL_COST_LIMIT };
  const ctx: CompileContext = {
    meter,
    estimate: { steps: 0 },
    compile: (node, scope) => compileNode(node, scope, ctx),
    report: (code, message, span) => errors.push({ offset: span.offset, length: span.length, code, message }),
    reference: (path) => {
      if (!seen.has(path)) {
        seen.add(path);
        references.push(path);
      }
    },
  };
  const compiled = ctx.compile(root, NO_SCOPE);
  if (ctx.estimate.steps > CEL_COST_LIMIT) {
    ctx.report(
      'cel.cost_exceeded',
      `this condition takes at least ${ctx.estimate.steps} steps, over the cost limit of ${CEL_COST_LIMIT}`,
      root,
    );
  }
  // Arguments are checked before their call, so restore source order for the reader.
  errors.sort((a, b) => a.offset - b.offset);
  return { ev: compiled.ev, references, errors, meter };
}

function constant(value: unknown): Compiled {
  return { ev: () => value, constant: true, value };
}

/** Evaluates a subexpression now if all its inputs are constants; a runtime error is left for run time. */
function fold(ev: Eval, inputs: readonly Compiled[]): Compiled {
  if (!inputs.every((c) => c.constant)) return dynamic(ev);
  try {
    return constant(deepFreeze(ev(EMPTY, undefined)));
  } catch (e) {
    if (e instanceof CelRuntimeError || e instanceof CelCostExceeded) return dynamic(ev);
    throw e;
  }
}

function compileNode(node: Node, scope: Scope, ctx: CompileContext): Compiled {
  switch (node.kind) {
    case 'literal':
      return constant(node.value);
    case 'ident': {
      const slot = node.absolute ? undefined : scope.get(node.name);
      if (slot !== undefined) return dynamic(() => slot.v);
      ctx.reference(node.name);
      return dynamic(access.activationPath([node.name]));
    }
    case 'select': {
      const path = staticPath(node, scope);
      if (path !== null) {
        ctx.reference(path.join('.'));
        return dynamic(access.activationPath(path));
      }
      const operand = ctx.compile(node.operand, scope);
      return fold(access.select(operand, node.field, node), [operand]);
    }
    case 'index': {
      const operand = ctx.compile(node.operand, scope);
      const key = ctx.compile(node.index, scope);
      return fold(access.index(operand, key, node), [operand, key]);
    }
    case 'list': {
      const elements = node.elements.map((e) => ctx.compile(e, scope));
      return fold(access.list(elements), elements);
    }
    case 'map': {
      const entries = node.entries.map((e) => ({ key: ctx.compile(e.key, scope), value: ctx.compile(e.value, scope) }));
      return fold(
        access.map(entries, node),
        entries.flatMap((e) => [e.key, e.value]),
      );
    }
    case 'unary': {
      const operand = ctx.compile(node.operand, scope);
      return fold(node.op === '!' ? not(operand, node) : negate(operand, node), [operand]);
    }
    case 'binary': {
      const left = ctx.compile(node.left, scope);
      const right = ctx.compile(node.right, scope);
      if (node.op === '&&' || node.op === '||') {
        // A constant deciding operand settles the result whatever the other side does.
        const decider = node.op === '||';
        if ((left.constant && left.value === decider) || (right.constant && right.value === decider)) {
          return constant(decider);
        }
        return fold(logical(node.op, left, right, node), [left, right]);
      }
      return fold(strictBinary(node.op, left, right, node), [left, right]);
    }
    case 'ternary': {
      const cond = ctx.compile(node.cond, scope);
      const then = ctx.compile(node.then, scope);
      const otherwise = ctx.compile(node.otherwise, scope);
      if (cond.constant && typeof cond.value === 'boolean') return cond.value ? then : otherwise;
      return fold(conditional(cond, then, otherwise, node), [cond, then, otherwise]);
    }
    case 'call':
      return compileCall(node, scope, ctx);
  }
}

function compileCall(node: CallNode, scope: Scope, ctx: CompileContext): Compiled {
  const { name, target } = node;
  const isMethod = target !== null;
  if (name === 'has' && !isMethod) return compileHas(node, ctx, scope);
  if (COMPREHENSIONS.has(name) && isMethod) return compileComprehension(node, ctx, scope);

  const def = FUNCTIONS.get(name);
  const args = (target === null ? node.args : [target, ...node.args]).map((a) => ctx.compile(a, scope));
  if (def === undefined && name !== 'has' && !COMPREHENSIONS.has(name)) {
    const suggestion = closest(name, KNOWN_NAMES);
    const hint = suggestion === undefined ? '' : `; did you mean \`${suggestion}\`?`;
    ctx.report('cel.unknown_function', `unknown function \`${name}\`${hint}`, node.nameSpan);
    return dynamic(() => UNKNOWN);
  }
  if (def === undefined || (isMethod ? !def.method : !def.global)) {
    const message = isMethod
      ? `\`${name}\` is not a method; call it as \`${name}(...)\``
      : `\`${name}\` is a method; call it as \`x.${name}(...)\``;
    ctx.report('cel.unknown_function', message, node.nameSpan);
    return dynamic(() => UNKNOWN);
  }
  if (args.length !== def.arity) {
    const offset = isMethod ? 1 : 0;
    const wanted = def.arity - offset;
    const plural = wanted === 1 ? 'argument' : 'arguments';
    ctx.report('cel.arity', `\`${name}\` expects ${wanted} ${plural} but got ${args.length - offset}`, callSpan(node));
    return dynamic(() => UNKNOWN);
  }

  const [x, y] = args as [Compiled, Compiled | undefined];
  const fx = x.ev;
  const meter = ctx.meter;
  if (y === undefined) {
    const impl = def.create();
    return fold((a, m) => {
      const v = fx(a, m);
      charge(meter, callCost(v));
      return v === UNKNOWN ? UNKNOWN : impl(v, undefined, node);
    }, args);
  }
  const fy = y.ev;
  if (name === 'matches' && y.constant && typeof y.value === 'string') {
    // Excluded syntax can never run, so it is refused at load rather than failing every decision.
    const refused = unsupportedRegex(y.value);
    if (refused !== undefined) ctx.report('cel.regex_unsupported', refused, node.args[isMethod ? 0 : 1] ?? node);
  }
  const impl = y.constant && def.withConstant !== undefined ? def.withConstant(y.value, node) : def.create();
  return fold((a, m) => {
    const v = fx(a, m);
    const w = fy(a, m);
    charge(meter, callCost(v));
    return v === UNKNOWN || w === UNKNOWN ? UNKNOWN : impl(v, w, node);
  }, args);
}
