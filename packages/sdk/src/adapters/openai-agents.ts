// `@tollgate/sdk/openai-agents`: tool approval for the OpenAI Agents SDK through Tollgate. Each
// call of a gated function tool is an action; people approve it in Tollgate, and the tool runs
// once with the approved input. A refused or pending call comes back to the model as the result.

import type { FunctionTool, RunContext } from '@openai/agents';
import { OutcomeNotReported } from '../errors.js';
import type { Tollgate } from '../tollgate.js';
import { ToolGate } from '../tool-gate.js';
import { resultOfRefusal } from './refusal.js';
import { actionFor, inputFrom, type ToolCallOptions } from './tool-call.js';

export type GateToolOptions = ToolCallOptions;

// Tools of any context, parameters and result: their types are the caller's and pass through unchanged.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyFunctionTool = FunctionTool<any, any, any>;
type ToolCallDetails = Parameters<AnyFunctionTool['invoke']>[2];

function gateOf(tollgate: Tollgate | ToolGate, options: GateToolOptions): ToolGate {
  return tollgate instanceof ToolGate ? tollgate : new ToolGate(tollgate, options.wait === undefined ? {} : { wait: options.wait });
}

/**
 * The same function tool, each call gated by Tollgate. Everything else of the tool is kept as it
 * is (its schema, `strict`, `needsApproval`, guardrails, `isEnabled`, output schema, time limit,
 * error function…), and the gated call runs the tool's own `invoke`, with its parsing and errors.
 */
export function gateTool<T extends AnyFunctionTool>(tollgate: Tollgate | ToolGate, tool: T, options: GateToolOptions = {}): T {
  const gate = gateOf(tollgate, options);
  const invoke = tool.invoke;
  // The runner holds the whole call, waiting for people included, to the tool's `timeoutMs`: wait
  // half of it at most, so that the call answers "pending" before it times out (and the retry
  // resumes it), and a call approved meanwhile keeps half of its time to run.
  const wait = typeof tool.timeoutMs === 'number' && tool.timeoutMs > 0 ? tool.timeoutMs / 2000 : undefined;
  const gated = async (runContext: RunContext<unknown>, input: string, details?: ToolCallDetails) => {
    let args: unknown;
    try {
      args = input.trim() === '' ? {} : JSON.parse(input);
    } catch {
      // Unparseable arguments never run; the tool reports them to the model in its own words.
      return invoke(runContext, input, details);
    }
    try {
      return await gate.call(
        actionFor(options, 'openai-agents', tool.name, args),
        (approved) => invoke(runContext, JSON.stringify(inputFrom(options, approved, args)), details),
        { ...(details?.signal === undefined ? {} : { signal: details.signal }), ...(wait === undefined ? {} : { wait }) },
      );
    } catch (error) {
      const result = resultOfRefusal(error);
      if (error instanceof OutcomeNotReported || tool.outputSchema === undefined) return result;
      // A tool with an output schema answers in that schema, refusals included: its error
      // function says how; without one its errors fail the run, and so does a refusal.
      if (typeof tool.errorFunction !== 'function') throw error;
      return tool.errorFunction(runContext, error, details);
    }
  };
  // A copy with the same prototype, symbols and property descriptors, as the SDK's own copies of tools are.
  const descriptors = Object.getOwnPropertyDescriptors(tool);
  delete (descriptors as Record<string, unknown>).invoke;
  return Object.assign(Object.create(Object.getPrototypeOf(tool) as object, descriptors) as T, { invoke: gated });
}

/** Gates every function tool in the list (sharing one gate); other tools are left as they are. */
export function gateTools<T extends { type: string }>(tollgate: Tollgate | ToolGate, tools: T[], options: GateToolOptions = {}): T[] {
  const gate = gateOf(tollgate, options);
  return tools.map((tool) =>
    tool.type === 'function' ? (gateTool(gate, tool as unknown as AnyFunctionTool, options) as unknown as T) : tool,
  );
}
