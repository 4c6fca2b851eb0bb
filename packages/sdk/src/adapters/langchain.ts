// `@tollgate/sdk/langchain`: wraps LangChain.js tools (and so LangGraph agents' tools) so that
// every call passes Tollgate. The gated tool is the same tool (its name, schema, response format,
// `returnDirect`, callbacks, streamed events…) with its call gated: it runs once with the approved
// input, and a refused or pending call answers the reason as an error tool message.

import { ToolMessage } from '@langchain/core/messages';
import type { RunnableConfig } from '@langchain/core/runnables';
import type { StructuredToolInterface } from '@langchain/core/tools';
import { canonicalJson } from '../canonical-json.js';
import { OutcomeNotReported } from '../errors.js';
import { succeeded } from '../outcome.js';
import type { Tollgate } from '../tollgate.js';
import { ToolGate } from '../tool-gate.js';
import { resultOfRefusal } from './refusal.js';
import { runStreaming } from './stream.js';
import { actionFor, checkedInput, inputFrom, type ToolCallOptions } from './tool-call.js';

export type GateToolOptions = ToolCallOptions;

/** What LangChain passes the tool's `_call` beside its parsed input: a LangGraph run adds `configurable`. */
type ToolConfig = RunnableConfig & { toolCall?: { id?: string } };
type Call = (input: unknown, runManager: unknown, config?: ToolConfig) => Promise<unknown>;

function gateOf(tollgate: Tollgate | ToolGate, options: GateToolOptions): ToolGate {
  return tollgate instanceof ToolGate ? tollgate : new ToolGate(tollgate, options.wait === undefined ? {} : { wait: options.wait });
}

/**
 * The same tool, each call gated by Tollgate. LangChain parses the input with the tool's schema
 * first; the parsed input is the action's `arguments`, and an input a person changed is parsed
 * again before the tool runs with it.
 */
export function gateTool<T extends StructuredToolInterface>(tollgate: Tollgate | ToolGate, tool: T, options: GateToolOptions = {}): T {
  const gate = gateOf(tollgate, options);
  const call = (tool as unknown as { _call?: Call })._call;
  if (typeof call !== 'function')
    throw new TypeError(`the tool \`${tool.name}\` is not a LangChain StructuredTool (made with \`tool()\` or a StructuredTool class)`);
  const contentAndArtifact = (tool as { responseFormat?: unknown }).responseFormat === 'content_and_artifact';
  // Everything but `_call` comes from the tool itself, so `invoke`, `stream`, `batch` and the
  // formatting of its output (ToolMessage, artifact) are LangChain's own.
  const gated = Object.create(tool) as T;
  Object.defineProperty(gated, '_call', {
    configurable: true,
    writable: true,
    value: async (input: unknown, runManager: unknown, config?: ToolConfig) => {
      const graph = await graphCall(config);
      const proposed = actionFor(options, 'langchain', tool.name, input);
      const action =
        graph === undefined || proposed.idempotency_key !== undefined ? proposed : { ...proposed, idempotency_key: graph.idempotencyKey };
      try {
        const answer = await runStreaming(
          (execute) =>
            gate.call(action, execute, {
              ...(config?.signal === undefined ? {} : { signal: config.signal }),
              paused: isInterrupt,
              ...(graph === undefined ? {} : { callKey: graph.callKey, continues: graph.resumed }),
              outcome: (result) => succeeded(contentOf(result, contentAndArtifact)),
            }),
          async (approved) =>
            call.call(tool, await checkedInput(tool.schema, inputFrom(options, approved, input), input), runManager, config),
          (_last, returned) => returned,
        );
        return 'value' in answer ? answer.value : answer.stream;
      } catch (error) {
        // The tool ran; only its outcome was not recorded, so the model gets the real result.
        if (error instanceof OutcomeNotReported) return error.result;
        const refusal = String(resultOfRefusal(error));
        const toolCallId = config?.toolCall?.id;
        const content =
          toolCallId === undefined
            ? refusal
            : new ToolMessage({ content: refusal, tool_call_id: toolCallId, name: tool.name, status: 'error' });
        return contentAndArtifact ? [content, undefined] : content;
      }
    },
  });
  return gated;
}

/** Gates every tool in the list, sharing one gate so that retried calls resume their approvals. */
export function gateTools<T extends StructuredToolInterface>(
  tollgate: Tollgate | ToolGate,
  tools: T[],
  options: GateToolOptions = {},
): T[] {
  const gate = gateOf(tollgate, options);
  return tools.map((tool) => gateTool(gate, tool, options));
}

/** A LangGraph `interrupt()` pauses the tool until the graph is resumed; it is not a failure. */
function isInterrupt(error: unknown): boolean {
  const fields = error as { is_bubble_up?: unknown; name?: unknown } | null | undefined;
  return fields?.is_bubble_up === true && (fields.name === 'GraphInterrupt' || fields.name === 'NodeInterrupt');
}

/**
 * Inside a LangGraph graph with a checkpointer, a tool call is one task of one thread, and a
 * resumed graph runs the same task again: its action is named by an idempotency key of its own,
 * so that the resumed call (in this process or another) continues the same action.
 */
async function graphCall(
  config: ToolConfig | undefined,
): Promise<{ callKey: string; idempotencyKey: string; resumed: boolean } | undefined> {
  const configurable = (config?.configurable ?? {}) as Record<string, unknown>;
  const thread = configurable.thread_id;
  const task = configurable.checkpoint_ns;
  const toolCallId = config?.toolCall?.id;
  if ((typeof thread !== 'string' && typeof thread !== 'number') || typeof task !== 'string' || typeof toolCallId !== 'string')
    return undefined;
  const callKey = canonicalJson([thread, task, toolCallId]);
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(callKey)));
  const idempotencyKey = `langgraph:${[...digest].map((byte) => byte.toString(16).padStart(2, '0')).join('')}`;
  // LangGraph's scratchpad holds the answers a resumed task's interrupts get back.
  const scratchpad = configurable.__pregel_scratchpad as { resume?: unknown[]; nullResume?: unknown } | undefined;
  const resumed = (scratchpad?.resume?.length ?? 0) > 0 || scratchpad?.nullResume !== undefined;
  return { callKey, idempotencyKey, resumed };
}

/** The part of a tool's answer the outcome summarizes: the content (of a message, or of a content and artifact pair). */
function contentOf(result: unknown, contentAndArtifact: boolean): unknown {
  const content = contentAndArtifact && Array.isArray(result) ? result[0] : result;
  if (ToolMessage.isInstance(content)) return content.content;
  return content;
}
