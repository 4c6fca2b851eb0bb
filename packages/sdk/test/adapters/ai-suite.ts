// The Vercel AI SDK adapter's contract, run against each major of `ai` it supports (6 from the
// repository's install, 7 from test/node22-packages): a gated tool keeps what the tool does
// without the gate (streamed preliminary results, `toModelOutput`, its context, the AI SDK's own
// approval step), against a real server on the SDK tests' policy and a scripted model.

import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { gateTools } from '@tollgate/sdk/ai';
import { scriptedModel, type ScriptedTurn } from '../../../../examples/agents/scripted-ai-model.js';
import { adapterServer } from '../helpers/adapter-server.js';

/** What the suite uses of one `ai` major, passed in by the test file that imports that major. */
export interface AiLibrary {
  major: number;
  /** The module `ai`: `generateText`, `streamText`, `tool`, `jsonSchema`, `stepCountIs`. */
  ai: {
    generateText: (options: any) => Promise<any>;
    streamText: (options: any) => { fullStream: AsyncIterable<any> };
    tool: (definition: any) => any;
    jsonSchema: (schema: any) => any;
    stepCountIs: (steps: number) => any;
  };
  /** `MockLanguageModelV3` (ai 6) or `MockLanguageModelV4` (ai 7), from `ai/test`. */
  MockLanguageModel: new (calls: never) => { doGenerateCalls: { prompt: unknown }[] };
  /** How a call hands a value to the tool named `name`, and how the tool reads it in `execute`. */
  toolContext: {
    tool: Record<string, unknown>;
    call: (name: string, value: Record<string, unknown>) => Record<string, unknown>;
    read: (execution: any) => unknown;
  };
  /** How the AI SDK's own approval step is asked for the tool named `name`. */
  sdkApproval: { tool: Record<string, unknown>; call: (name: string) => Record<string, unknown> };
}

export function describeAiAdapter(library: AiLibrary): void {
  const lib = { ...library, ...library.ai };
  describe(`@tollgate/sdk/ai with ai ${lib.major}`, () => {
    const harness = adapterServer(`ai${lib.major}-bot`);
    const scripted = (turns: ScriptedTurn[]) => scriptedModel(turns, lib.MockLanguageModel);

    const deployInput = { type: 'object', properties: { environment: { type: 'string' }, version: { type: 'string' } } };
    const asDeploy = (name: string, input: unknown) => ({ action_type: name, ...(input as object), arguments: input });

    /** A deploy that streams its progress: three preliminary results, then the final one. */
    function streamingDeploy(log: string[], fail = false) {
      return lib.tool({
        description: 'Deploy a version',
        inputSchema: lib.jsonSchema(deployInput),
        execute: async function* ({ version }: { version: string }) {
          for (const step of ['building', 'pushing', 'rolling out']) {
            log.push(step);
            yield { version, step };
          }
          if (fail) throw new Error('the rollout failed its health check');
          yield { version, step: 'done' };
        },
      });
    }

    async function toolParts(stream: { fullStream: AsyncIterable<any> }) {
      const parts: { type: string; preliminary?: boolean; output?: unknown; error?: string }[] = [];
      for await (const part of stream.fullStream) {
        if (part.type === 'tool-result') parts.push({ type: part.type, preliminary: part.preliminary === true, output: part.output });
        if (part.type === 'tool-error') parts.push({ type: part.type, error: String(part.error) });
      }
      return parts;
    }

    it('streams a tool’s preliminary results through the gate as it does without it', async () => {
      const { tollgate, agent } = await harness.client();
      const call: ScriptedTurn = { call: 'deploy', input: { environment: 'staging', version: 'v7' } };
      const stream = (tools: Record<string, unknown>) =>
        toolParts(lib.streamText({ model: scripted([call, { say: 'done' }]), tools, prompt: 'deploy', stopWhen: lib.stepCountIs(3) }));

      const ungated = await stream({ deploy: streamingDeploy([]) });
      expect(ungated.filter((part) => part.preliminary)).toHaveLength(4);
      const gated = await stream(gateTools(tollgate, { deploy: streamingDeploy([]) }, { action: asDeploy }));
      expect(gated).toEqual(ungated);
      const [action] = await harness.server.actions(agent);
      expect(action).toMatchObject({ status: 'executed', outcome: { status: 'succeeded', detail: '{"version":"v7","step":"done"}' } });
    });

    it('streams them only after a person approves the call', async () => {
      const { tollgate, agent } = await harness.client();
      const log: string[] = [];
      const tools = gateTools(tollgate, { deploy: streamingDeploy(log) }, { action: asDeploy });
      const model = scripted([{ call: 'deploy', input: { environment: 'production', version: 'v8' } }, { say: 'done' }]);
      const parts = toolParts(lib.streamText({ model, tools, prompt: 'deploy', stopWhen: lib.stepCountIs(3) }));
      const approval = await harness.server.pendingApproval();
      expect(log).toEqual([]);
      await harness.alice.approve(approval.id);
      expect((await parts).map((part) => [part.preliminary, (part.output as { step: string }).step])).toEqual([
        [true, 'building'],
        [true, 'pushing'],
        [true, 'rolling out'],
        [true, 'done'],
        [false, 'done'],
      ]);
      expect(await harness.server.actions(agent)).toMatchObject([{ id: approval.action_id, status: 'executed' }]);
    });

    it('reports a streaming tool that fails midway as failed, after its preliminary results', async () => {
      const { tollgate, agent } = await harness.client();
      const tools = gateTools(tollgate, { deploy: streamingDeploy([], true) }, { action: asDeploy });
      const model = scripted([{ call: 'deploy', input: { environment: 'staging', version: 'v9' } }, { say: 'ok' }]);
      const parts = await toolParts(lib.streamText({ model, tools, prompt: 'deploy', stopWhen: lib.stepCountIs(3) }));
      expect(parts.map((part) => part.type)).toEqual(['tool-result', 'tool-result', 'tool-result', 'tool-error']);
      expect(parts.at(-1)!.error).toContain('the rollout failed its health check');
      expect(await harness.server.actions(agent)).toMatchObject([
        { status: 'failed', outcome: { status: 'failed', detail: 'the rollout failed its health check' } },
      ]);
    });

    it('checks an input a person changed against the tool’s schema, and runs with it parsed', async () => {
      const { tollgate, agent } = await harness.client();
      const ran: string[] = [];
      const deploy = lib.tool({
        description: 'Deploy a version',
        inputSchema: z.object({ environment: z.string(), version: z.string().trim() }),
        execute: async ({ version }: { version: string }) => ran.push(version),
      });
      // The approver changes the action's `version`; the tool runs with the approved action's fields.
      const tools = gateTools(
        tollgate,
        { deploy },
        {
          action: asDeploy,
          input: (approved) => ({ environment: approved.environment, version: approved.version }),
        },
      );
      const model = scripted([{ call: 'deploy', input: { environment: 'production', version: 'v12' } }, { say: 'done' }]);
      const running = lib.generateText({ model, tools, prompt: 'deploy', stopWhen: lib.stepCountIs(3) });
      await harness.alice.approve((await harness.server.pendingApproval()).id, 'ship the fix instead', { version: ' v12.1 ' });
      await running;
      expect(ran).toEqual(['v12.1']);
      expect(await harness.server.actions(agent)).toMatchObject([{ status: 'executed', action: { version: ' v12.1 ' } }]);
    });

    it('does not run the tool with a changed input its schema refuses, and reports the action failed', async () => {
      const { tollgate, agent } = await harness.client();
      const ran: string[] = [];
      const deploy = lib.tool({
        description: 'Deploy a version',
        inputSchema: z.object({ environment: z.string(), version: z.string().regex(/^v[\d.]+$/, 'a version is v and digits') }),
        execute: async ({ version }: { version: string }) => ran.push(version),
      });
      const tools = gateTools(
        tollgate,
        { deploy },
        { action: asDeploy, input: (approved) => ({ ...(approved.arguments as object), version: approved.version }) },
      );
      const model = scripted([{ call: 'deploy', input: { environment: 'production', version: 'v13' } }, { say: 'done' }]);
      const running = lib.generateText({ model, tools, prompt: 'deploy', stopWhen: lib.stepCountIs(3) });
      await harness.alice.approve((await harness.server.pendingApproval()).id, undefined, { version: 'latest' });
      const result = await running;
      expect(ran).toEqual([]);
      expect(String(result.steps[0].content.find((part: { type: string }) => part.type === 'tool-error').error)).toContain(
        "the approved input does not fit the tool's schema: `version`: a version is v and digits",
      );
      expect(await harness.server.actions(agent)).toMatchObject([{ status: 'failed' }]);
    });

    it('keeps the tool’s toModelOutput and the context the call gives it', async () => {
      const { tollgate } = await harness.client();
      const seen: unknown[] = [];
      const deploy = lib.tool({
        description: 'Deploy a version',
        inputSchema: lib.jsonSchema(deployInput),
        ...lib.toolContext.tool,
        execute: async ({ version }: { version: string }, execution: unknown) => {
          seen.push(lib.toolContext.read(execution));
          return { version, token: 'deploy-token-123' };
        },
        toModelOutput: ({ output }: { output: { version: string } }) => ({ type: 'text', value: `deployed ${output.version}` }),
      });
      const model = scripted([{ call: 'deploy', input: { environment: 'staging', version: 'v10' } }, { say: 'done' }]);
      await lib.generateText({
        model,
        tools: gateTools(tollgate, { deploy }, { action: asDeploy }),
        prompt: 'deploy',
        stopWhen: lib.stepCountIs(3),
        ...lib.toolContext.call('deploy', { region: 'eu-west-1' }),
      });
      expect(seen).toEqual([{ region: 'eu-west-1' }]);
      const prompt = JSON.stringify(model.doGenerateCalls[1]!.prompt);
      expect(prompt).toContain('deployed v10');
      expect(prompt).not.toContain('deploy-token-123');
    });

    it('keeps the AI SDK’s own approval step: Tollgate is asked only once the user approved the call there', async () => {
      const { tollgate, agent } = await harness.client();
      const ran: string[] = [];
      const deploy = lib.tool({
        description: 'Deploy a version',
        inputSchema: lib.jsonSchema(deployInput),
        ...lib.sdkApproval.tool,
        execute: async ({ version }: { version: string }) => {
          ran.push(version);
          return `deployed ${version}`;
        },
      });
      const tools = gateTools(tollgate, { deploy }, { action: asDeploy });
      const model = scripted([{ call: 'deploy', input: { environment: 'staging', version: 'v11' } }, { say: 'done' }]);
      const options = { model, tools, stopWhen: lib.stepCountIs(3), ...lib.sdkApproval.call('deploy') };
      const first = await lib.generateText({ ...options, prompt: 'deploy' });
      const request = first.content.find((part: { type: string }) => part.type === 'tool-approval-request');
      expect(request).toBeDefined();
      expect(ran).toEqual([]);
      expect(await harness.server.actions(agent)).toEqual([]);

      const messages = [
        { role: 'user', content: 'deploy' },
        ...first.response.messages,
        { role: 'tool', content: [{ type: 'tool-approval-response', approvalId: request.approvalId, approved: true }] },
      ];
      await lib.generateText({ ...options, messages });
      expect(ran).toEqual(['v11']);
      expect(await harness.server.actions(agent)).toMatchObject([{ status: 'executed', action: { version: 'v11' } }]);
    });

    it('gives the model a refusal as the tool’s error, and does not run the tool', async () => {
      const { tollgate } = await harness.client();
      const ran: string[] = [];
      const drop = lib.tool({
        description: 'Drop a table',
        inputSchema: lib.jsonSchema({ type: 'object', properties: { table: { type: 'string' } } }),
        execute: async ({ table }: { table: string }) => ran.push(table),
      });
      const model = scripted([{ call: 'drop_table', input: { table: 'users' } }, { say: 'ok' }]);
      const result = await lib.generateText({
        model,
        tools: gateTools(tollgate, { drop_table: drop }),
        prompt: 'clean up',
        stopWhen: lib.stepCountIs(3),
      });
      expect(ran).toEqual([]);
      expect(result.steps[0].content.find((part: { type: string }) => part.type === 'tool-error')).toMatchObject({
        toolName: 'drop_table',
      });
      expect(JSON.stringify(model.doGenerateCalls[1]!.prompt)).toContain('denied by the policy: agents never drop tables');
    });
  });
}
