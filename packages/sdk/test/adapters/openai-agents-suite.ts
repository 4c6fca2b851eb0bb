// The OpenAI Agents SDK adapter's contract, run against each `@openai/agents` it supports (0.14
// from the repository's install, 0.20 from test/node22-packages): a gated function tool keeps what
// the tool does without the gate (its definition, `needsApproval`, `timeoutMs`, output schema and
// `errorFunction`, input guardrails), against a real server on the SDK tests' policy.

import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { gateTool } from '@tollgate/sdk/openai-agents';
import { adapterServer } from '../helpers/adapter-server.js';

/** What the suite uses of one `@openai/agents` release: the module, imported by the test file that installs it. */
export interface AgentsLibrary {
  Agent: new (options: any) => unknown;
  run: (agent: any, input: any, options?: any) => Promise<any>;
  tool: (options: any) => any;
  Usage: new () => unknown;
  setTracingDisabled: (disabled: boolean) => void;
  defineToolInputGuardrail: (options: any) => unknown;
  ToolGuardrailFunctionOutputFactory: { rejectContent: (message: string) => unknown };
}

type Turn = { call: string; input: Record<string, unknown> } | { say: string };

/** A model that takes the next turn at each request, and keeps the requests. */
function scripted(lib: AgentsLibrary, turns: Turn[]) {
  let next = 0;
  const requests: { input: unknown; tools: unknown }[] = [];
  return {
    requests,
    async getResponse(request: { input: unknown; tools: unknown }) {
      requests.push(request);
      const turn = turns[next++] ?? { say: 'nothing left to do' };
      const output =
        'say' in turn
          ? [{ type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: turn.say }] }]
          : [
              {
                type: 'function_call',
                callId: `call-${next}`,
                name: turn.call,
                arguments: JSON.stringify(turn.input),
                status: 'completed',
              },
            ];
      return { usage: new lib.Usage(), output };
    },
    // eslint-disable-next-line require-yield
    async *getStreamedResponse(): AsyncIterable<never> {
      throw new Error('the scripted model does not stream');
    },
  };
}

/** What the model was told the tool calls returned, from its last request. */
function toolOutputs(model: ReturnType<typeof scripted>): string[] {
  const input = model.requests.at(-1)!.input;
  return (Array.isArray(input) ? input : [])
    .filter((item: { type: string }) => item.type === 'function_call_result')
    .map((item: { output: unknown }) => JSON.stringify(item.output));
}

export function describeAgentsAdapter(version: string, agents: AgentsLibrary): void {
  const lib = { ...agents, version };
  describe(`@tollgate/sdk/openai-agents with @openai/agents ${version}`, () => {
    beforeAll(() => lib.setTracingDisabled(true));
    const harness = adapterServer(`agents-${lib.version}-bot`);

    const asDeploy = (name: string, input: unknown) => ({ action_type: name, ...(input as object), arguments: input });
    const parameters = z.object({ environment: z.string(), version: z.string() });
    const deployTool = (ran: string[], extra: Record<string, unknown> = {}) =>
      lib.tool({
        name: 'deploy',
        description: 'Deploy a version',
        parameters,
        execute: async ({ version }: { version: string }) => {
          ran.push(version);
          return `deployed ${version}`;
        },
        ...extra,
      });
    const runAgent = (tool: unknown, model: ReturnType<typeof scripted>, input: unknown) =>
      lib.run(new lib.Agent({ name: 'deployer', instructions: 'Deploy what you are asked to.', tools: [tool], model }), input, {
        maxTurns: 4,
      });

    it('describes the tool to the model as without the gate, and offers it only when it is enabled', async () => {
      const { tollgate } = await harness.client();
      const turns: Turn[] = [{ say: 'hello' }];
      const ungated = scripted(lib, turns);
      await runAgent(deployTool([]), ungated, 'hi');
      const gated = scripted(lib, turns);
      await runAgent(gateTool(tollgate, deployTool([]), { action: asDeploy }), gated, 'hi');
      expect(gated.requests[0]!.tools).toEqual(ungated.requests[0]!.tools);
      expect(JSON.stringify(gated.requests[0]!.tools)).toContain('"strict":true');

      // A tool that is not enabled for the run is not offered, gated or not.
      const disabled = scripted(lib, turns);
      await runAgent(gateTool(tollgate, deployTool([], { isEnabled: false }), { action: asDeploy }), disabled, 'hi');
      expect(disabled.requests[0]!.tools).toEqual([]);
    });

    it('keeps needsApproval: the run stops for its own approval first, and Tollgate is asked once it is given', async () => {
      const { tollgate, agent } = await harness.client();
      const ran: string[] = [];
      const model = scripted(lib, [{ call: 'deploy', input: { environment: 'staging', version: 'v1' } }, { say: 'done' }]);
      const tool = gateTool(tollgate, deployTool(ran, { needsApproval: true }), { action: asDeploy });
      const stopped = await runAgent(tool, model, 'deploy v1');
      expect(stopped.interruptions).toHaveLength(1);
      expect(ran).toEqual([]);
      expect(await harness.server.actions(agent)).toEqual([]);
      stopped.state.approve(stopped.interruptions[0]);
      const resumed = await runAgent(tool, model, stopped.state);
      expect(resumed.finalOutput).toBe('done');
      expect(ran).toEqual(['v1']);
      expect(await harness.server.actions(agent)).toMatchObject([{ status: 'executed', outcome: { detail: 'deployed v1' } }]);
    });

    it('keeps timeoutMs: a call waiting for people answers pending before it times out, and the retry runs once', async () => {
      const { tollgate, agent } = await harness.client();
      const ran: string[] = [];
      const call: Turn = { call: 'deploy', input: { environment: 'production', version: 'v2' } };
      const tool = gateTool(tollgate, deployTool(ran, { timeoutMs: 2000 }), { action: asDeploy, wait: 30 });
      const first = scripted(lib, [call, { say: 'waiting' }]);
      await runAgent(tool, first, 'deploy v2');
      expect(toolOutputs(first)).toEqual([expect.stringMatching(/pending approval http:\S+; retry the same call/)]);
      expect(ran).toEqual([]);

      const approval = await harness.server.pendingApproval();
      await harness.alice.approve(approval.id);
      const retry = scripted(lib, [call, { say: 'done' }]);
      await runAgent(tool, retry, 'approved, deploy v2');
      expect(toolOutputs(retry)).toEqual([expect.stringContaining('deployed v2')]);
      expect(ran).toEqual(['v2']);
      expect(await harness.server.actions(agent)).toMatchObject([{ id: approval.action_id, status: 'executed' }]);
    });

    it('answers a refusal through the errorFunction of a tool with an output schema', async () => {
      const { tollgate } = await harness.client();
      const dropped: string[] = [];
      const drop = lib.tool({
        name: 'drop_table',
        description: 'Drop a table',
        parameters: z.object({ table: z.string() }),
        outputSchema: z.object({ dropped: z.boolean(), note: z.string() }),
        errorFunction: (_context: unknown, error: unknown) => ({ dropped: false, note: `refused: ${(error as Error).message}` }),
        execute: async ({ table }: { table: string }) => {
          dropped.push(table);
          return { dropped: true, note: table };
        },
      });
      const model = scripted(lib, [{ call: 'drop_table', input: { table: 'users' } }, { say: 'ok' }]);
      await runAgent(gateTool(tollgate, drop), model, 'clean up');
      expect(dropped).toEqual([]);
      const [output] = toolOutputs(model);
      expect(output).toContain('\\"dropped\\":false');
      expect(output).toContain('refused: action');
      expect(output).toContain('denied by the policy: agents never drop tables');
    });

    it('keeps input guardrails: an input they reject reaches neither Tollgate nor the tool', async () => {
      const { tollgate, agent } = await harness.client();
      const ran: string[] = [];
      const guardrail = lib.defineToolInputGuardrail({
        name: 'no-friday-deploys',
        run: async () => lib.ToolGuardrailFunctionOutputFactory.rejectContent('no deploys on a Friday'),
      });
      const model = scripted(lib, [{ call: 'deploy', input: { environment: 'staging', version: 'v3' } }, { say: 'ok' }]);
      await runAgent(gateTool(tollgate, deployTool(ran, { inputGuardrails: [guardrail] }), { action: asDeploy }), model, 'deploy v3');
      expect(toolOutputs(model)).toEqual([expect.stringContaining('no deploys on a Friday')]);
      expect(ran).toEqual([]);
      expect(await harness.server.actions(agent)).toEqual([]);
    });

    it('gives the model a person’s denial and its reason, and does not run the tool', async () => {
      const { tollgate } = await harness.client();
      const ran: string[] = [];
      const model = scripted(lib, [{ call: 'deploy', input: { environment: 'production', version: 'v4' } }, { say: 'ok' }]);
      const running = runAgent(gateTool(tollgate, deployTool(ran), { action: asDeploy }), model, 'deploy v4');
      await harness.alice.deny((await harness.server.pendingApproval()).id, 'the release train left');
      await running;
      expect(ran).toEqual([]);
      expect(toolOutputs(model)).toEqual([expect.stringContaining('denied by an approver: the release train left')]);
    });
  });
}
