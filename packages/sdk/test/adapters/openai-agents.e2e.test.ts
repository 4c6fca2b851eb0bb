// The OpenAI Agents SDK adapter, driven by the real `run` with a scripted model against a real
// server on the guide's policy: a small scale-up runs at once, a large one runs only after a
// person approves it in Tollgate, and a pending or denied call reaches the model as the tool output.

import { setTracingDisabled } from '@openai/agents';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Tollgate } from '@tollgate/sdk';
import { createAutoscaler, type Cluster } from '../../../../examples/agents/ops-autoscaler.js';
import { ScriptedAgentsModel } from '../../../../examples/agents/scripted-agents-model.js';
import { startTollgate, type Approver, type TollgateServer } from '../helpers/tollgate-server.js';

let server: TollgateServer;
let tollgate: Tollgate;
let bob: Approver;

beforeAll(async () => {
  setTracingDisabled(true);
  server = await startTollgate({ path: 'examples/guide' });
  tollgate = new Tollgate({ baseUrl: server.url, apiKey: await server.key('ops-bot') });
  bob = await server.approver('bob');
});
afterAll(() => server?.close());

/** What the model was told each tool call returned, from the input of its later requests. */
function toolOutputs(model: ScriptedAgentsModel): string[] {
  const last = model.requests.at(-1)!.input;
  return (Array.isArray(last) ? last : [])
    .filter((item) => item.type === 'function_call_result')
    .map((item) => JSON.stringify((item as { output: unknown }).output));
}

it('scales at once below 10 replicas and after approval above', async () => {
  const cluster: Cluster = new Map([['web', 4]]);
  const model = new ScriptedAgentsModel([
    { call: 'scale_up', input: { service: 'web', replicas: 8, reason: 'latency' } },
    { call: 'scale_up', input: { service: 'web', replicas: 16, reason: 'still rising' } },
    { say: 'done' },
  ]);
  const running = createAutoscaler(tollgate, cluster, model)('latency is high');
  const approval = await server.pendingApproval();
  expect(cluster.get('web')).toBe(8);
  await bob.approve(approval.id, 'black friday');
  const result = await running;
  expect(result.finalOutput).toBe('done');
  expect(cluster.get('web')).toBe(16);
  expect(toolOutputs(model)).toEqual([
    expect.stringContaining('web scaled from 4 to 8 replicas'),
    expect.stringContaining('web scaled from 8 to 16 replicas'),
  ]);
  expect((await server.action(approval.action_id)).status).toBe('executed');
});

it('gives the model the denial and its reason, and does not scale', async () => {
  const cluster: Cluster = new Map([['web', 4]]);
  const model = new ScriptedAgentsModel([{ call: 'scale_up', input: { service: 'web', replicas: 40, reason: 'spike' } }, { say: 'ok' }]);
  const running = createAutoscaler(tollgate, cluster, model)('scale');
  await bob.deny((await server.pendingApproval()).id, 'the spike is a load test');
  await running;
  expect(cluster.get('web')).toBe(4);
  expect(toolOutputs(model)).toEqual([expect.stringContaining('denied by an approver: the spike is a load test')]);
});

it('answers pending with the link when the budget runs out, and the retried call runs once after approval', async () => {
  const cluster: Cluster = new Map([['api', 2]]);
  const call = { call: 'scale_up', input: { service: 'api', replicas: 12, reason: 'queue backlog' } };
  const model = new ScriptedAgentsModel([call, { say: 'waiting for approval' }, call, { say: 'done' }]);
  const agent = createAutoscaler(tollgate, cluster, model, 0.2);
  const first = await agent('scale api');
  expect(first.finalOutput).toBe('waiting for approval');
  expect(toolOutputs(model)).toEqual([expect.stringMatching(/pending approval http:\/\/\S+\/approvals\/apr_\S+; retry the same call/)]);
  expect(cluster.get('api')).toBe(2);

  const approval = await server.pendingApproval();
  await bob.approve(approval.id);
  const second = await agent('the approval is in, try again');
  expect(second.finalOutput).toBe('done');
  expect(cluster.get('api')).toBe(12);
  // The retry executed the approved action rather than asking again.
  expect((await server.action(approval.action_id)).status).toBe('executed');
});
