// The cost budget of one CEL evaluation, so that no condition can hold the event loop: a step is
// one comprehension element or one function call (plus one per 256 characters of its string
// operand). Counted at run time; estimated at compile time where the sizes are known (literal lists).

/** Steps one evaluation may take; about a few milliseconds of work. */
export const CEL_COST_LIMIT = 100_000;

/** The steps still allowed in the evaluation under way; reset by each evaluate(). */
export interface Meter {
  left: number;
}

/**
 * Thrown when an evaluation runs out of steps. Deliberately not a CelRuntimeError: `||`, `&&`,
 * `exists` and `all` may absorb a CEL error, but an exhausted budget must end the evaluation.
 */
export class CelCostExceeded extends Error {
  override readonly name = 'CelCostExceeded';
  readonly code = 'cel.cost_exceeded';
  constructor() {
    super(`evaluation exceeded the cost limit of ${CEL_COST_LIMIT} steps (cel.cost_exceeded)`);
  }
}

export function charge(meter: Meter, steps: number): void {
  if ((meter.left -= steps) < 0) throw new CelCostExceeded();
}

/** Steps a call costs, given its first operand. */
export function callCost(operand: unknown): number {
  return typeof operand === 'string' ? 1 + (operand.length >>> 8) : 1;
}

/** Static estimate kept while compiling: the least number of steps the expression must take. */
export interface Estimate {
  steps: number;
}

/** Elements of a constant comprehension target, or 0 when its size is only known at run time. */
export function knownSize(constant: boolean, value: unknown): number {
  if (!constant) return 0;
  if (Array.isArray(value)) return value.length;
  return value !== null && typeof value === 'object' ? Object.keys(value).length : 0;
}
