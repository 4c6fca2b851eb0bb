// The LangChain adapter, driven by a real `createAgent` (LangGraph) with LangChain's scripted
// `fakeModel` against a real server on the guide's policy: a small backfill runs at once, a bulk
// one (over 1000 records) waits for a person, and a denial reaches the model as the tool message.

import { afterAll, beforeAll, expect, it } from 'vitest';
import { Tollgate } from '@tollgate/sdk';
import { createDataAgent, type Backfill } from '../../../../examples/agents/data-agent.js';
import { scriptedChatModel } from '../../../../examples/agents/scripted-langchain-model.js';
import { startTollgate, type Approver, type TollgateServer } from '../helpers/tollgate-server.js';

let server: TollgateServer;
let tollgate: Tollgate;
let carol: Approver;

beforeAll(async () => {
  server = await startTollgate({ path: 'examples/guide' });
  tollgate = new Tollgate({ baseUrl: server.url, apiKey: await server.key('data-bot') });
  carol = await server.approver('carol');
});
afterAll(() => server?.close());

const toolMessages = (result: { messages: { type: string; content: unknown }[] }) =>
  result.messages.filter((message) => message.type === 'tool').map((message) => String(message.content));

it('runs a small backfill at once and a bulk one after a person approves it', async () => {
  const applied: Backfill[] = [];
  const model = scriptedChatModel([
    { call: 'backfill_segment', input: { segment: 'trial', affected_records: 200 } },
    { call: 'backfill_segment', input: { segment: 'enterprise', affected_records: 5000 } },
    { say: 'done' },
  ]);
  const running = createDataAgent(tollgate, applied, model)('backfill');
  const approval = await server.pendingApproval();
  expect(applied).toEqual([{ segment: 'trial', affected_records: 200 }]);
  await carol.approve(approval.id);
  const result = await running;
  expect(applied).toEqual([
    { segment: 'trial', affected_records: 200 },
    { segment: 'enterprise', affected_records: 5000 },
  ]);
  expect(toolMessages(result)).toEqual(['updated 200 customers in segment trial', 'updated 5000 customers in segment enterprise']);
  const stored = await server.action(approval.action_id);
  expect(stored).toMatchObject({ status: 'executed', action: { action_type: 'update', affected_records: 5000 } });
  expect(stored.reasons.map((r: { name: string }) => r.name)).toEqual(['bulk-operations']);
});

it('answers a denied backfill with the reason and does not run it', async () => {
  const applied: Backfill[] = [];
  const model = scriptedChatModel([{ call: 'backfill_segment', input: { segment: 'all', affected_records: 90_000 } }, { say: 'ok' }]);
  const running = createDataAgent(tollgate, applied, model)('backfill everything');
  await carol.deny((await server.pendingApproval()).id, 'run it in batches of 1000');
  const result = await running;
  expect(applied).toEqual([]);
  expect(toolMessages(result)).toEqual([expect.stringContaining('denied by an approver: run it in batches of 1000')]);
});

it('answers pending with the link, and runs the retried call once after approval', async () => {
  const applied: Backfill[] = [];
  const call = { call: 'backfill_segment', input: { segment: 'churned', affected_records: 3000 } };
  const agent = createDataAgent(tollgate, applied, scriptedChatModel([call, { say: 'waiting' }, call, { say: 'done' }]), 0.2);
  const first = await agent('backfill churned');
  expect(toolMessages(first)).toEqual([expect.stringMatching(/pending approval http:\/\/\S+\/approvals\/apr_\S+; retry the same call/)]);
  const approval = await server.pendingApproval();
  await carol.approve(approval.id);
  const second = await agent('approved, go on');
  expect(toolMessages(second).at(-1)).toBe('updated 3000 customers in segment churned');
  expect(applied).toEqual([{ segment: 'churned', affected_records: 3000 }]);
  expect((await server.action(approval.action_id)).status).toBe('executed');
});
