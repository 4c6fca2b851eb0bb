// What the framework adapters share: how a tool call becomes an action (DESIGN §7: the tool's
// name, the framework as capability, the call's arguments) and how the approved action, which a
// person may have modified, gives back the input the tool runs with.

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
