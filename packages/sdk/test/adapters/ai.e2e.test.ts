// The Vercel AI SDK adapter, driven by the real `generateText` with a scripted model against a
// real server on the guide's policy: small refunds run, large ones wait for a person, a denial
// or a pending approval reaches the model as the tool's error, and a retry after approval runs once.

import { afterAll, beforeAll, expect, it } from 'vitest';
import { Tollgate } from '@tollgate/sdk';
import { createRefundAgent, type Refund } from '../../../../examples/agents/refund-agent.js';
import { scriptedModel } from '../../../../examples/agents/scripted-ai-model.js';
import { startTollgate, type Approver, type TollgateServer } from '../helpers/tollgate-server.js';

let server: TollgateServer;
let tollgate: Tollgate;
let alice: Approver;

beforeAll(async () => {
  server = await startTollgate({ path: 'examples/guide' });
  tollgate = new Tollgate({ baseUrl: server.url, apiKey: await server.key('support-bot') });
  alice = await server.approver('alice');
});
afterAll(() => server?.close());

const toolParts = (result: Awaited<ReturnType<ReturnType<typeof createRefundAgent>>>) =>
  result.steps.flatMap((step) => step.content.filter((part) => part.type === 'tool-result' || part.type === 'tool-error'));

it('runs a small refund at once and a large one after a person approves it', async () => {
  const ledger: Refund[] = [];
  const model = scriptedModel([
    { call: 'issue_refund', input: { order_id: 'A-1', amount_usd: 120, reason: 'damaged' } },
    { call: 'issue_refund', input: { order_id: 'B-2', amount_usd: 24_000, reason: 'cancelled bulk order' } },
    { say: 'done' },
  ]);
  const conversation = createRefundAgent(tollgate, ledger)(model, 'handle refunds');
  const approval = await server.pendingApproval();
  expect(ledger).toEqual([{ order_id: 'A-1', amount_usd: 120 }]);
  await alice.approve(approval.id, 'customer verified');
  const result = await conversation;

  expect(ledger).toEqual([
    { order_id: 'A-1', amount_usd: 120 },
    { order_id: 'B-2', amount_usd: 24_000 },
  ]);
  expect(toolParts(result).map((part) => part.type)).toEqual(['tool-result', 'tool-result']);
  const stored = await server.action(approval.action_id);
  expect(stored).toMatchObject({ status: 'executed', action: { capability: 'payment', amount_usd: 24_000 } });
  expect(stored.outcome.compensation).toEqual({ capability: 'payment-reversal', order_id: 'B-2' });
});

it('tells the model when a person denies the refund, and does not refund', async () => {
  const ledger: Refund[] = [];
  const model = scriptedModel([
    { call: 'issue_refund', input: { order_id: 'C-3', amount_usd: 50_000, reason: 'chargeback' } },
    { say: 'ok' },
  ]);
  const conversation = createRefundAgent(tollgate, ledger)(model, 'handle refunds');
  await alice.deny((await server.pendingApproval()).id, 'already refunded by the bank');
  const result = await conversation;
  expect(ledger).toEqual([]);
  const [part] = toolParts(result);
  expect(part).toMatchObject({ type: 'tool-error', toolName: 'issue_refund' });
  // The next model call sees the denial and its reason as the tool's output.
  const prompt = JSON.stringify(model.doGenerateCalls[1]!.prompt);
  expect(prompt).toContain('denied by an approver: already refunded by the bank');
});

it('answers "pending approval" when the budget runs out, and a retry after approval runs once', async () => {
  const ledger: Refund[] = [];
  const refund = { order_id: 'D-4', amount_usd: 30_000, reason: 'duplicate charge' };
  const agent = createRefundAgent(tollgate, ledger, 0.2);
  const first = await agent(scriptedModel([{ call: 'issue_refund', input: refund }, { say: 'waiting' }]), 'handle refunds');
  const [pending] = toolParts(first);
  expect(pending).toMatchObject({ type: 'tool-error' });
  expect(String((pending as { error: unknown }).error)).toMatch(/pending approval http:\/\/\S+\/approvals\/apr_\S+; retry the same call/);
  expect(ledger).toEqual([]);
  const approval = await server.pendingApproval();
  await alice.approve(approval.id);

  const retry = await agent(scriptedModel([{ call: 'issue_refund', input: refund }, { say: 'done' }]), 'try again');
  expect(toolParts(retry)[0]).toMatchObject({ type: 'tool-result', output: { refunded: 30_000 } });
  expect(ledger).toEqual([{ order_id: 'D-4', amount_usd: 30_000 }]);
  // The retry executed the action that was approved, not a new one.
  expect((await server.action(approval.action_id)).status).toBe('executed');
});
