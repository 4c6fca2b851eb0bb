// `ToolGate`, what every adapter calls, against a real server: a call given up while people decide
// stays open for its retry, a retry with another idempotency key is the same call, and a call
// that pauses (a LangGraph interrupt) keeps its action open and is continued in the same action.

import { expect, it } from 'vitest';
import { ActionAlreadyRun, ApprovalPending, ToolGate } from '@tollgate/sdk';
import { adapterServer } from './helpers/adapter-server.js';

const harness = adapterServer('gate-bot');
const client = () => harness.client();

class Paused extends Error {}
const paused = (error: unknown) => error instanceof Paused;

it('keeps a call that its caller gave up on while people decide, and its retry runs the approved action once', async () => {
  const { tollgate, agent } = await client();
  const gate = new ToolGate(tollgate, { wait: 30 });
  const action = { action_type: 'deploy', environment: 'production', version: 'v1' };
  const ran: string[] = [];
  const controller = new AbortController();
  const first = gate.call(action, () => ran.push('v1'), {
    signal: controller.signal,
    onPending: () => controller.abort(new Error('gave up')),
  });
  await expect(first).rejects.toThrow('gave up');
  expect(gate.waiting().size).toBe(1);

  await harness.alice.approve((await harness.server.pendingApproval()).id);
  await gate.call(action, () => ran.push('v1'));
  expect(ran).toEqual(['v1']);
  expect(await harness.server.actions(agent)).toMatchObject([{ status: 'executed' }]);
});

it('takes a retry with another idempotency key (another tool call) for the same call', async () => {
  const { tollgate, agent } = await client();
  const gate = new ToolGate(tollgate, { wait: 0 });
  const action = { action_type: 'deploy', environment: 'production', version: 'v2' };
  await expect(gate.call({ ...action, idempotency_key: 'call-1' }, () => 'ran')).rejects.toBeInstanceOf(ApprovalPending);
  await harness.alice.approve((await harness.server.pendingApproval()).id);
  expect(await gate.call({ ...action, idempotency_key: 'call-2' }, () => 'ran')).toBe('ran');
  expect(await harness.server.actions(agent)).toMatchObject([{ status: 'executed', action: { idempotency_key: 'call-1' } }]);
});

it('keeps a paused call’s action open, with no outcome, and continues it in the same action', async () => {
  const { tollgate, agent } = await client();
  const gate = new ToolGate(tollgate);
  const action = { action_type: 'deploy', environment: 'staging', version: 'v3' };
  const options = { paused, callKey: 'thread-1/call-1' };
  await expect(
    gate.call(
      action,
      () => {
        throw new Paused('asks the user');
      },
      options,
    ),
  ).rejects.toBeInstanceOf(Paused);
  const [open] = await harness.server.actions(agent);
  expect(open).toMatchObject({ status: 'allowed' });
  expect(open!.outcome).toBeUndefined();

  expect(await gate.call(action, () => 'deployed v3', options)).toBe('deployed v3');
  expect(await harness.server.actions(agent)).toMatchObject([{ id: open!.id, status: 'executed', outcome: { detail: 'deployed v3' } }]);
});

it('runs an approved action whose grant a paused run redeemed only when told it continues that run', async () => {
  const { tollgate } = await client();
  const running = tollgate.run(
    { action_type: 'deploy', environment: 'production', version: 'v4' },
    () => {
      throw new Paused('asks the user');
    },
    { paused },
  );
  const approval = await harness.server.pendingApproval();
  await harness.alice.approve(approval.id);
  await expect(running).rejects.toBeInstanceOf(Paused);
  expect(await tollgate.get(approval.action_id)).toMatchObject({ status: 'approved', grant: { used: true } });

  await expect(tollgate.run({ resume: approval.action_id }, () => 'again')).rejects.toBeInstanceOf(ActionAlreadyRun);
  expect(await tollgate.run({ resume: approval.action_id }, () => 'continued', { continues: true })).toBe('continued');
  expect(await harness.server.action(approval.action_id)).toMatchObject({ status: 'executed', outcome: { detail: 'continued' } });
});
