// `@tollgate/sdk/langchain`: wraps LangChain.js tools (and so LangGraph agents' tools) so that
// every call passes Tollgate; the wrapped tool keeps its name, description and schema, runs once
// with the approved input, and answers a refused or pending call with the reason as its result.

import type { RunnableConfig } from '@langchain/core/runnables';
import { DynamicStructuredTool, type StructuredToolInterface } from '@langchain/core/tools';
import type { Tollgate } from '../tollgate.js';
import { ToolGate } from '../tool-gate.js';
import { resultOfRefusal } from './refusal.js';
import { actionFor, inputFrom, type ToolCallOptions } from './tool-call.js';

export type GateToolOptions = ToolCallOptions;

function gateOf(tollgate: Tollgate | ToolGate, options: GateToolOptions): ToolGate {
  return tollgate instanceof ToolGate ? tollgate : new ToolGate(tollgate, options.wait === undefined ? {} : { wait: options.wait });
}

export function gateTool(
  tollgate: Tollgate | ToolGate,
  tool: StructuredToolInterface,
  options: GateToolOptions = {},
): DynamicStructuredTool {
  const gate = gateOf(tollgate, options);
  return new DynamicStructuredTool({
    name: tool.name,
    description: tool.description,
    schema: tool.schema as never,
    func: async (input: unknown, _runManager?: unknown, config?: RunnableConfig) => {
      try {
        return await gate.call(
          actionFor(options, 'langchain', tool.name, input),
          async (approved) => toolOutput(await tool.invoke(inputFrom(options, approved, input) as never, config)),
          config?.signal === undefined ? {} : { signal: config.signal },
        );
      } catch (error) {
        return resultOfRefusal(error);
      }
    },
  });
}

/** Gates every tool in the list, sharing one gate so that retried calls resume their approvals. */
export function gateTools(
  tollgate: Tollgate | ToolGate,
  tools: StructuredToolInterface[],
  options: GateToolOptions = {},
): DynamicStructuredTool[] {
  const gate = gateOf(tollgate, options);
  return tools.map((tool) => gateTool(gate, tool, options));
}

/** A tool invoked with plain input answers its output; one invoked with a tool call answers a message. */
function toolOutput(result: unknown): unknown {
  if (result !== null && typeof result === 'object' && 'content' in result && (result as { _getType?: unknown })._getType !== undefined)
    return (result as { content: unknown }).content;
  return result;
}
