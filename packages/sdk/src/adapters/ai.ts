// `@tollgate/sdk/ai`: wraps Vercel AI SDK tools so that every call the model makes passes
// Tollgate first. A refused or pending call throws, and the AI SDK hands the message to the model
// as the tool's error; an approved call runs once with the approved input.

import type { Tool, ToolExecutionOptions, ToolSet } from 'ai';
import type { Tollgate } from '../tollgate.js';
import { ToolGate } from '../tool-gate.js';
import { actionFor, inputFrom, type ToolCallOptions } from './tool-call.js';

export type GateToolsOptions = ToolCallOptions;

/** The same tools, each call gated by Tollgate. Tools without `execute` are left as they are. */
export function gateTools<TOOLS extends ToolSet>(tollgate: Tollgate | ToolGate, tools: TOOLS, options: GateToolsOptions = {}): TOOLS {
  const gate =
    tollgate instanceof ToolGate ? tollgate : new ToolGate(tollgate, { ...(options.wait === undefined ? {} : { wait: options.wait }) });
  const gated: Record<string, Tool> = {};
  for (const [name, tool] of Object.entries(tools)) gated[name] = gateTool(gate, name, tool, options);
  return gated as TOOLS;
}

export function gateTool<T extends Tool>(gate: ToolGate, name: string, tool: T, options: GateToolsOptions = {}): T {
  const execute = tool.execute;
  if (execute === undefined) return tool;
  return {
    ...tool,
    execute: (input: unknown, execution: ToolExecutionOptions) =>
      gate.call(
        actionFor(options, 'ai-sdk', name, input),
        async (approved) => lastValue(await execute(inputFrom(options, approved, input) as never, execution)),
        execution.abortSignal === undefined ? {} : { signal: execution.abortSignal },
      ),
  } as T;
}

/** A streaming tool's final output is its last value; the outcome is reported once it is known. */
async function lastValue(result: unknown): Promise<unknown> {
  if (result === null || typeof result !== 'object' || !(Symbol.asyncIterator in result)) return result;
  let last: unknown;
  for await (const value of result as AsyncIterable<unknown>) last = value;
  return last;
}
