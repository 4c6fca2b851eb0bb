// Error shapes: CelError describes a compile-time problem, CelRuntimeError is thrown by evaluation.
// Runtime message helpers live here so every operator words its failures the same way.
import type { Span } from './ast.js';
import { typeName } from './values.js';

export interface CelError {
  offset: number;
  length: number;
  code: string;
  message: string;
}

/**
 * Codes: cel.no_overload (operand types do not fit the operator or function), cel.division_by_zero,
 * cel.no_such_key, cel.index_out_of_range, cel.invalid_regex, cel.invalid_argument (unparseable
 * conversion input, duplicate map key), cel.out_of_range (int/uint conversion outside 64 bits).
 */
export class CelRuntimeError extends Error {
  override readonly name = 'CelRuntimeError';
  readonly code: string;
  /** Span of the subexpression that failed, as 0-based offsets into the source. */
  readonly offset: number;
  readonly length: number;

  constructor(code: string, message: string, span?: Span) {
    super(message);
    this.code = code;
    this.offset = span?.offset ?? 0;
    this.length = span?.length ?? 0;
  }
}

/** Quotes user-supplied text for a message, shortened so one bad value cannot flood a log line. */
export function quote(text: string): string {
  const short = text.length > 40 ? `${text.slice(0, 37)}...` : text;
  return `\`${short}\``;
}

export function noOverload(op: string, span: Span, ...operands: unknown[]): CelRuntimeError {
  const types = operands.map(typeName).join(' and ');
  return new CelRuntimeError('cel.no_overload', `no matching overload for \`${op}\` on ${types}`, span);
}

export function invalidArgument(message: string, span: Span): CelRuntimeError {
  return new CelRuntimeError('cel.invalid_argument', message, span);
}

/** Narrows a caught value to a CEL runtime error; anything else is a bug or a host failure and keeps unwinding. */
export function asCelError(e: unknown): CelRuntimeError {
  if (e instanceof CelRuntimeError) return e;
  throw e;
}
