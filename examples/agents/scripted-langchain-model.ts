// A LangChain chat model that follows a script (LangChain's own `fakeModel`), so the example runs
// (and is tested) without network or keys. Use a real chat model, e.g. `new ChatOpenAI(…)`, instead.

import { AIMessage } from '@langchain/core/messages';
import { fakeModel } from '@langchain/core/testing';

export type ScriptedTurn = { call: string; input: Record<string, unknown> } | { say: string };

export function scriptedChatModel(turns: ScriptedTurn[]): ReturnType<typeof fakeModel> {
  const model = fakeModel();
  turns.forEach((turn, n) => {
    if ('say' in turn) model.respond(new AIMessage(turn.say));
    else model.respondWithTools([{ name: turn.call, args: turn.input, id: `call-${n + 1}` }]);
  });
  return model;
}
