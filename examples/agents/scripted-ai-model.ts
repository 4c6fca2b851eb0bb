// A Vercel AI SDK model that follows a script instead of calling a provider, so the examples
// run (and are tested) without network or keys. Swap in a real model, e.g. `openai('gpt-4.1')`.

import { MockLanguageModelV3 } from 'ai/test';

export type ScriptedTurn = { call: string; input: Record<string, unknown> } | { say: string };

const usage = {
  inputTokens: { total: 10, noCache: 10, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: 10, text: 10, reasoning: undefined },
};

/** What the model is made with; `Model` is a mock model of `ai/test`: `MockLanguageModelV3` (ai 6, the default) or `MockLanguageModelV4` (ai 7). */
interface ScriptedCalls {
  doGenerate: () => Promise<unknown>;
  doStream: () => Promise<{ stream: ReadableStream<unknown> }>;
}

/** Each model call, by `generateText` or `streamText`, takes the next turn: one tool call, or a closing text. */
export function scriptedModel(turns: ScriptedTurn[]): MockLanguageModelV3;
export function scriptedModel<M>(turns: ScriptedTurn[], Model: new (calls: never) => M): M;
export function scriptedModel(turns: ScriptedTurn[], Model: new (calls: never) => unknown = MockLanguageModelV3): unknown {
  let next = 0;
  const take = (): ScriptedTurn => turns[next++] ?? { say: 'nothing left to do' };
  const calls: ScriptedCalls = {
    doGenerate: async () => {
      const turn = take();
      if ('say' in turn)
        return { content: [{ type: 'text', text: turn.say }], finishReason: { unified: 'stop', raw: 'stop' }, usage, warnings: [] };
      return {
        content: [{ type: 'tool-call', toolCallId: `call-${next}`, toolName: turn.call, input: JSON.stringify(turn.input) }],
        finishReason: { unified: 'tool-calls', raw: 'tool_calls' },
        usage,
        warnings: [],
      };
    },
    doStream: async () => {
      const turn = take();
      const parts =
        'say' in turn
          ? [
              { type: 'text-start', id: 'text' },
              { type: 'text-delta', id: 'text', delta: turn.say },
              { type: 'text-end', id: 'text' },
              { type: 'finish', finishReason: { unified: 'stop', raw: 'stop' }, usage },
            ]
          : [
              { type: 'tool-call', toolCallId: `call-${next}`, toolName: turn.call, input: JSON.stringify(turn.input) },
              { type: 'finish', finishReason: { unified: 'tool-calls', raw: 'tool_calls' }, usage },
            ];
      const stream = new ReadableStream<unknown>({
        start(controller) {
          for (const part of [{ type: 'stream-start', warnings: [] }, ...parts]) controller.enqueue(part);
          controller.close();
        },
      });
      return { stream };
    },
  };
  return new Model(calls as never);
}
