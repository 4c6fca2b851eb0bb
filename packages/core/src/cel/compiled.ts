// Shapes shared by the closure compiler and its helpers.
import type { Node, Span } from './ast.js';
import type { Estimate, Meter } from './cost.js';

export type Activation = Readonly<Record<string, unknown>>;

/** A compiled subexpression. `missing` collects dotted paths of absent attributes as they are read. */
export type Eval = (activation: Activation, missing: string[] | undefined) => unknown;

export interface Compiled {
  readonly ev: Eval;
  /** True when the value was computed at compile time; `value` then holds it. */
  readonly constant: boolean;
  readonly value: unknown;
}

/** Storage for one macro variable; the macro writes it, the body's closures read it. */
export interface Slot {
  v: unknown;
}

export type Scope = ReadonlyMap<string, Slot>;

export interface CompileContext {
  compile(node: Node, scope: Scope): Compiled;
  report(code: string, message: string, span: Span): void;
  reference(path: string): void;
  /** The running evaluation's budget, charged by comprehensions and calls. */
  readonly meter: Meter;
  /** The compile-time estimate of the current (sub)expression's least cost. */
  readonly estimate: Estimate;
}

export function dynamic(ev: Eval): Compiled {
  return { ev, constant: false, value: undefined };
}
