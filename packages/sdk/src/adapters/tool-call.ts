// What the framework adapters share: how a tool call becomes an action (DESIGN §7: the tool's
// name, the framework as capability, the call's arguments) and how the approved action, which a
// person may have modified, gives back the input the tool runs with.

import { canonicalJson } from '../canonical-json.js';
import type { Action } from '../types.js';

export interface ToolCallOptions {
  /** Seconds to wait for people on each call before answering that approval is pending (default 30). */
  wait?: number;
  /** The action for a call; by default `{ action_type: <tool name>, capability: <framework>, arguments: <input> }`. */
  action?: (toolName: string, input: unknown) => Action;
  /** The input to run the tool with, from the approved action; by default its `arguments`. */
  input?: (approved: Record<string, unknown>, original: unknown) => unknown;
}

export function actionFor(options: ToolCallOptions, capability: string, toolName: string, input: unknown): Action {
  return options.action?.(toolName, input) ?? { action_type: toolName, capability, arguments: input };
}

export function inputFrom(options: ToolCallOptions, approved: Record<string, unknown>, original: unknown): unknown {
  if (options.input !== undefined) return options.input(approved, original);
  return 'arguments' in approved ? approved.arguments : original;
}

/** A Standard Schema (Zod 3.24+ and 4, the AI SDK's schemas, Valibot…), the part that validates. */
interface StandardSchema {
  validate(value: unknown): StandardResult | Promise<StandardResult>;
}
type StandardResult = { value: unknown; issues?: undefined } | { issues: readonly { message: string; path?: readonly unknown[] }[] };

/**
 * An input a person changed is checked against the tool's schema, as the model's input was, and
 * comes back parsed (defaults, transforms); an unchanged one is the parsed input the tool got.
 * A schema that is not a Standard Schema (plain JSON Schema) passes the input as it is.
 */
export async function checkedInput(schema: unknown, input: unknown, parsed: unknown): Promise<unknown> {
  if (input === parsed || canonicalJson(input) === canonicalJson(parsed)) return parsed;
  const resolved: unknown = typeof schema === 'function' ? (schema as () => unknown)() : schema;
  const standard = (resolved as { '~standard'?: Partial<StandardSchema> } | null | undefined)?.['~standard'];
  if (typeof standard?.validate !== 'function') return input;
  const result = await standard.validate(input);
  if (result.issues === undefined) return result.value;
  const issues = result.issues.map((issue) =>
    issue.path?.length ? `\`${issue.path.map(String).join('.')}\`: ${issue.message}` : issue.message,
  );
  throw new TypeError(`the approved input does not fit the tool's schema: ${issues.join('; ')}`);
}
