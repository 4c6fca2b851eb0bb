// A Vercel AI SDK model that follows a script instead of calling a provider, so the examples
// run (and are tested) without network or keys. Swap in a real model, e.g. `openai('gpt-4.1')`.

import { MockLanguageModelV3 } from 'ai/test';

export type ScriptedTurn = { call: string; input: Record<string, unknown> } | { say: string };

const usage = {
  inputTokens: { total: 10, noCache: 10, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: 10, text: 10, reasoning: undefined },
};

/** Each model call takes the next turn: one tool call, or a closing text. */
export function scriptedModel(turns: ScriptedTurn[]): MockLanguageModelV3 {
  let next = 0;
  return new MockLanguageModelV3({
    doGenerate: async () => {
      const turn = turns[next++] ?? { say: 'nothing left to do' };
      if ('say' in turn)
        return { content: [{ type: 'text', text: turn.say }], finishReason: { unified: 'stop', raw: 'stop' }, usage, warnings: [] };
      return {
        content: [{ type: 'tool-call', toolCallId: `call-${next}`, toolName: turn.call, input: JSON.stringify(turn.input) }],
        finishReason: { unified: 'tool-calls', raw: 'tool_calls' },
        usage,
        warnings: [],
      };
    },
  });
}
