// `@tollgate/sdk/ai`: wraps Vercel AI SDK tools (`ai` 6 and 7) so that every call the model makes
// passes Tollgate first. A refused or pending call throws, and the AI SDK hands the message to the
// model as the tool's error; an approved call runs once with the approved input.

import type { Tool, ToolSet } from 'ai';
import { OutcomeNotReported } from '../errors.js';
import type { Tollgate } from '../tollgate.js';
import { ToolGate } from '../tool-gate.js';
import { isAsyncIterable, runStreaming } from './stream.js';
import { actionFor, checkedInput, inputFrom, type ToolCallOptions } from './tool-call.js';

export type GateToolsOptions = ToolCallOptions;

/** What the AI SDK passes to `execute` beside the input; the rest (`context`, `messages`…) goes to the tool unchanged. */
interface Execution {
  abortSignal?: AbortSignal;
}

type Execute = (input: unknown, execution: Execution) => unknown;

/** The same tools, each call gated by Tollgate. Tools without `execute` are left as they are. */
export function gateTools<TOOLS extends ToolSet>(tollgate: Tollgate | ToolGate, tools: TOOLS, options: GateToolsOptions = {}): TOOLS {
  const gate =
    tollgate instanceof ToolGate ? tollgate : new ToolGate(tollgate, { ...(options.wait === undefined ? {} : { wait: options.wait }) });
  const gated: Record<string, Tool> = {};
  for (const [name, tool] of Object.entries(tools)) gated[name] = gateTool(gate, name, tool, options);
  return gated as TOOLS;
}

/**
 * The same tool, its `execute` gated. Everything else the tool has (schemas, `toModelOutput`,
 * `needsApproval`, input callbacks, provider options…) is kept. An `execute` written as an async
 * generator stays one, so its preliminary results still stream while the call runs.
 */
export function gateTool<T extends Tool>(gate: ToolGate, name: string, tool: T, options: GateToolsOptions = {}): T {
  const execute = (tool as { execute?: Execute }).execute;
  if (execute === undefined) return tool;
  const schema = (tool as { inputSchema?: unknown }).inputSchema;
  const gated =
    Object.prototype.toString.call(execute) === '[object AsyncGeneratorFunction]'
      ? (input: unknown, execution: Execution) => streamGated(gate, name, { execute, schema }, input, execution, options)
      : async (input: unknown, execution: Execution) => {
          try {
            return await gate.call(
              actionFor(options, 'ai-sdk', name, input),
              async (approved) =>
                lastValue(await execute(await checkedInput(schema, inputFrom(options, approved, input), input), execution)),
              signalOf(execution),
            );
          } catch (error) {
            // It ran; only its outcome was not recorded, so the model gets the real result.
            if (error instanceof OutcomeNotReported) return error.result;
            throw error;
          }
        };
  return { ...tool, execute: gated } as T;
}

const signalOf = (execution: Execution) => (execution.abortSignal === undefined ? {} : { signal: execution.abortSignal });

/** A streaming tool that is not an async generator function gives its final output: its last value. */
async function lastValue(result: unknown): Promise<unknown> {
  if (!isAsyncIterable(result)) return result;
  let last: unknown;
  for await (const value of result) last = value;
  return last;
}

/**
 * Passes every value the tool yields on to the AI SDK as it comes (each one is a preliminary
 * result, the last one the final result), and reports the last one once the tool has finished.
 */
async function* streamGated(
  gate: ToolGate,
  name: string,
  { execute, schema }: { execute: Execute; schema: unknown },
  input: unknown,
  execution: Execution,
  options: GateToolsOptions,
): AsyncGenerator<unknown, void> {
  const answer = await runStreaming(
    (run) => gate.call(actionFor(options, 'ai-sdk', name, input), run, signalOf(execution)),
    async (approved) => execute(await checkedInput(schema, inputFrom(options, approved, input), input), execution),
    (last) => last,
  );
  if ('value' in answer) yield answer.value;
  else yield* answer.stream;
}
