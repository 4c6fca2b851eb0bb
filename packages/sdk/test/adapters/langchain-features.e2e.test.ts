// The LangChain adapter keeps what the tool does without the gate: its artifacts
// (`content_and_artifact`), `returnDirect`, its streamed events, and a LangGraph `interrupt()`
// inside it, which pauses the action (no failed outcome) and is continued on resume, in this
// process or another; a refusal is an error tool message. Real LangChain and LangGraph
// (`createAgent`, `MemorySaver`) against a real server, with LangChain's scripted model.

import { Command, MemorySaver, interrupt } from '@langchain/langgraph';
import { tool } from '@langchain/core/tools';
import type { ToolMessage } from '@langchain/core/messages';
import { createAgent } from 'langchain';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Tollgate } from '@tollgate/sdk';
import { gateTool, gateTools } from '@tollgate/sdk/langchain';
import { scriptedChatModel } from '../../../../examples/agents/scripted-langchain-model.js';
import { adapterServer } from '../helpers/adapter-server.js';

const harness = adapterServer('langchain-bot');
const client = () => harness.client();

const deploySchema = z.object({ environment: z.string(), version: z.string() });
const asDeploy = (name: string, input: unknown) => ({ action_type: name, ...(input as object), arguments: input });
const call = (input: Record<string, unknown>, id = 'call-1') => ({ type: 'tool_call' as const, name: 'deploy', id, args: input });

const toolMessages = (result: { messages: { type: string }[] }) => result.messages.filter((m) => m.type === 'tool') as ToolMessage[];

describe('a gated LangChain tool', () => {
  it('keeps its artifact (content_and_artifact) in the tool message, and reports the content as the outcome', async () => {
    const { tollgate, agent } = await client();
    const deploy = tool(async ({ version }) => [`deployed ${version}`, { build: 'b-42', version }], {
      name: 'deploy',
      description: 'Deploy a version',
      schema: deploySchema,
      responseFormat: 'content_and_artifact',
    });
    const gated = gateTool(tollgate, deploy, { action: asDeploy });
    const message = (await gated.invoke(call({ environment: 'staging', version: 'v1' }))) as ToolMessage;
    expect(message).toMatchObject({ content: 'deployed v1', artifact: { build: 'b-42', version: 'v1' }, status: 'success' });
    expect(await harness.server.actions(agent)).toMatchObject([
      { status: 'executed', outcome: { status: 'succeeded', detail: 'deployed v1' } },
    ]);
  });

  it('keeps returnDirect: the agent ends with the tool’s answer without asking the model again', async () => {
    const { tollgate } = await client();
    const deploy = tool(async ({ version }) => `deployed ${version}`, {
      name: 'deploy',
      description: 'Deploy a version',
      schema: deploySchema,
      returnDirect: true,
    });
    const model = scriptedChatModel([{ call: 'deploy', input: { environment: 'staging', version: 'v2' } }, { say: 'should not be asked' }]);
    const agent = createAgent({ model, tools: gateTools(tollgate, [deploy], { action: asDeploy }) });
    const result = await agent.invoke({ messages: [{ role: 'user', content: 'deploy v2' }] });
    expect(result.messages.at(-1)).toMatchObject({ type: 'tool', content: 'deployed v2' });
    expect(result.messages.map((m) => m.type)).toEqual(['human', 'ai', 'tool']);
  });

  it('parses an input a person changed with the tool’s schema before the tool runs with it', async () => {
    const { tollgate, agent } = await client();
    const ran: string[] = [];
    const deploy = tool(async ({ version }) => ran.push(version), {
      name: 'deploy',
      description: 'Deploy a version',
      schema: z.object({ environment: z.string(), version: z.string().trim() }),
    });
    // The approver changes the action's `version`; the tool runs with the approved action's fields.
    const gated = gateTool(tollgate, deploy, {
      action: asDeploy,
      input: (approved) => ({ environment: approved.environment, version: approved.version }),
    });
    const running = gated.invoke(call({ environment: 'production', version: 'v5' }));
    await harness.alice.approve((await harness.server.pendingApproval()).id, 'ship the fix instead', { version: ' v5.1 ' });
    await running;
    expect(ran).toEqual(['v5.1']);
    expect(await harness.server.actions(agent)).toMatchObject([{ status: 'executed', action: { version: ' v5.1 ' } }]);
  });

  it('answers a refusal as an error tool message and does not run the tool', async () => {
    const { tollgate } = await client();
    const dropped: string[] = [];
    const drop = tool(async ({ table }) => dropped.push(table), {
      name: 'drop_table',
      description: 'Drop a table',
      schema: z.object({ table: z.string() }),
    });
    const model = scriptedChatModel([{ call: 'drop_table', input: { table: 'users' } }, { say: 'ok' }]);
    const result = await createAgent({ model, tools: gateTools(tollgate, [drop]) }).invoke({
      messages: [{ role: 'user', content: 'clean up' }],
    });
    expect(dropped).toEqual([]);
    expect(toolMessages(result)).toMatchObject([
      { status: 'error', name: 'drop_table', content: expect.stringContaining('denied by the policy: agents never drop tables') },
    ]);
  });

  it('passes the events a streaming tool yields to the callbacks, as without the gate', async () => {
    const { tollgate, agent } = await client();
    const deploy = tool(
      async function* ({ version }) {
        for (const step of ['building', 'pushing']) yield { version, step };
        return `deployed ${version}`;
      },
      { name: 'deploy', description: 'Deploy a version', schema: deploySchema },
    );
    const run = async (subject: typeof deploy) => {
      const events: unknown[] = [];
      const output = await subject.invoke(call({ environment: 'staging', version: 'v3' }), {
        callbacks: [{ handleToolEvent: (chunk: unknown) => void events.push(chunk) }],
      });
      return { events, content: (output as ToolMessage).content };
    };
    const ungated = await run(deploy);
    expect(ungated.events).toHaveLength(2);
    expect(await run(gateTool(tollgate, deploy, { action: asDeploy }))).toEqual(ungated);
    expect(await harness.server.actions(agent)).toMatchObject([{ status: 'executed', outcome: { detail: 'deployed v3' } }]);
  });
});

describe('a LangGraph interrupt() inside a gated tool', () => {
  /** A deploy that asks the person at the keyboard which region, once Tollgate let it run. */
  function regionDeploy(ran: string[]) {
    return tool(
      async ({ version }) => {
        const region = interrupt({ question: `which region for ${version}?` }) as string;
        ran.push(`${version} to ${region}`);
        return `deployed ${version} to ${region}`;
      },
      { name: 'deploy', description: 'Deploy a version', schema: deploySchema },
    );
  }

  async function interruptedAgent(environment: string) {
    const { tollgate, agent } = await client();
    const ran: string[] = [];
    const checkpointer = new MemorySaver();
    const config = { configurable: { thread_id: `thread-${agent}` } };
    const model = () => scriptedChatModel([{ call: 'deploy', input: { environment, version: 'v4' } }, { say: 'done' }]);
    const build = (gate: Tollgate) =>
      createAgent({ model: model(), tools: gateTools(gate, [regionDeploy(ran)], { action: asDeploy }), checkpointer });
    return { tollgate, agent, ran, config, build };
  }

  it('pauses the approved action without a failed outcome, and the resume continues it: one action, one approval', async () => {
    const { tollgate, agent, ran, config, build } = await interruptedAgent('production');
    const graph = build(tollgate);
    const first = graph.invoke({ messages: [{ role: 'user', content: 'deploy v4' }] }, config);
    const approval = await harness.server.pendingApproval();
    await harness.alice.approve(approval.id);
    const paused = await first;
    expect(paused.__interrupt__).toMatchObject([{ value: { question: 'which region for v4?' } }]);
    expect(await harness.server.actions(agent)).toMatchObject([{ id: approval.action_id, status: 'approved' }]);
    expect((await harness.server.action(approval.action_id)).outcome).toBeUndefined();

    const resumed = await graph.invoke(new Command({ resume: 'eu-west-1' }), config);
    expect(ran).toEqual(['v4 to eu-west-1']);
    expect(toolMessages(resumed)).toMatchObject([{ status: 'success', content: 'deployed v4 to eu-west-1' }]);
    expect(await harness.server.actions(agent)).toMatchObject([
      { id: approval.action_id, status: 'executed', outcome: { detail: 'deployed v4 to eu-west-1' } },
    ]);
  });

  it('continues the same action when another process resumes the graph from its checkpoint', async () => {
    const { tollgate, agent, ran, config, build } = await interruptedAgent('production');
    const first = build(tollgate).invoke({ messages: [{ role: 'user', content: 'deploy v4' }] }, config);
    const approval = await harness.server.pendingApproval();
    await harness.alice.approve(approval.id);
    await first;

    // A new client and new gated tools: nothing of the first run is in memory, only the checkpoint.
    const restarted = new Tollgate({ baseUrl: harness.server.url, apiKey: await harness.server.key(agent) });
    await build(restarted).invoke(new Command({ resume: 'us-east-1' }), config);
    expect(ran).toEqual(['v4 to us-east-1']);
    expect(await harness.server.actions(agent)).toMatchObject([{ id: approval.action_id, status: 'executed' }]);
  });

  it('continues an allowed action the same way', async () => {
    const { tollgate, agent, ran, config, build } = await interruptedAgent('staging');
    const graph = build(tollgate);
    await graph.invoke({ messages: [{ role: 'user', content: 'deploy v4' }] }, config);
    const [action] = await harness.server.actions(agent);
    expect(action).toMatchObject({ status: 'allowed' });
    expect(action!.outcome).toBeUndefined();
    await graph.invoke(new Command({ resume: 'ap-south-1' }), config);
    expect(ran).toEqual(['v4 to ap-south-1']);
    expect(await harness.server.actions(agent)).toMatchObject([{ id: action!.id, status: 'executed' }]);
  });
});
