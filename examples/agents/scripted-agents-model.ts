// An OpenAI Agents SDK model that follows a script instead of calling the API, so the example
// runs (and is tested) without network or keys. Pass a model name such as 'gpt-4.1' instead.

import { Usage, type Model, type ModelRequest, type ModelResponse } from '@openai/agents';

export type ScriptedTurn = { call: string; input: Record<string, unknown> } | { say: string };

export class ScriptedAgentsModel implements Model {
  readonly requests: ModelRequest[] = [];
  private next = 0;

  constructor(private readonly turns: ScriptedTurn[]) {}

  async getResponse(request: ModelRequest): Promise<ModelResponse> {
    this.requests.push(request);
    const turn = this.turns[this.next++] ?? { say: 'nothing left to do' };
    const output: ModelResponse['output'] =
      'say' in turn
        ? [{ type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: turn.say }] }]
        : [
            {
              type: 'function_call',
              callId: `call-${this.next}`,
              name: turn.call,
              arguments: JSON.stringify(turn.input),
              status: 'completed',
            },
          ];
    return { usage: new Usage(), output };
  }

  // eslint-disable-next-line require-yield
  async *getStreamedResponse(): AsyncIterable<never> {
    throw new Error('the scripted model does not stream');
  }
}
