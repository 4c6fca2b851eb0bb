// A retry is the same request: an agent that submits an action identical to one still waiting for
// people (a client that gave up waiting, a restarted process) gets that action and its approval,
// and once a person approved it, the retry runs it once with the first approval's grant.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApprovalPending, Tollgate } from '@tollgate/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type Authed, type TestServer } from './helpers/in-process.js';

const POLICY = `
rules:
  - name: writes-need-a-person
    match: { action_type: write_file }
    decision: REQUIRE_APPROVAL
    reason: writing files needs a person
defaults:
  decision: ALLOW
  approvers: [approvers]
`;

describe('an identical action submitted again by the same agent', () => {
  let server: TestServer;
  let bot: Authed;
  let alice: Authed;
  let written = 0;

  /** A write nobody has asked for before. */
  const write = (extra: Record<string, unknown> = {}) => ({
    action_type: 'write_file',
    capability: 'mcp',
    server: 'files',
    arguments: { path: `/srv/data/report-${++written}.txt`, content: 'hello' },
    ...extra,
  });
  const pendingApprovals = async () =>
    (await alice('GET', '/v1/approvals?status=pending&limit=1000')).body.approvals as { id: string; action_id: string }[];
  const actionCount = async () => ((await alice('GET', '/v1/actions?agent=files-agent&limit=1000')).body.actions as unknown[]).length;
  const requestsFor = async (actionIds: string[]) => (await pendingApprovals()).filter((a) => actionIds.includes(a.action_id));

  beforeAll(async () => {
    server = await startTestServer(join(mkdtempSync(join(tmpdir(), 'tollgate-retries-')), 'tollgate.db'), { 'policy.yaml': POLICY });
    bot = await server.agent('files-agent');
    alice = await server.person('alice', 'approver', { groups: ['approvers'] });
  });
  afterAll(() => server?.close());

  it('is answered with the action still pending and its approval, not a second request', async () => {
    const action = write();
    const first = await bot('POST', '/v1/actions', action);
    expect(first.body).toMatchObject({ status: 'pending', approval: { id: expect.any(String) } });
    const stored = await actionCount();
    // The same action with its fields in another order is the same action (same digest).
    const again = await bot('POST', '/v1/actions', Object.fromEntries(Object.entries(action).reverse()));
    expect(again.body).toMatchObject({
      id: first.body.id,
      status: 'pending',
      digest: first.body.digest,
      approval: { id: first.body.approval.id },
    });
    expect(await actionCount()).toBe(stored);
    expect(await requestsFor([first.body.id])).toHaveLength(1);
  });

  it('is a new request when anything differs: the arguments, the session, or the agent', async () => {
    const action = write({ session: 'session-1' });
    const first = await bot('POST', '/v1/actions', action);
    const otherArguments = await bot('POST', '/v1/actions', { ...action, arguments: { ...action.arguments, content: 'bye' } });
    const otherSession = await bot('POST', '/v1/actions', { ...action, session: 'session-2' });
    const otherAgent = await (await server.agent('another-agent'))('POST', '/v1/actions', action);
    const ids = [first, otherArguments, otherSession, otherAgent].map((reply) => reply.body.id as string);
    expect(new Set(ids).size).toBe(4);
    expect(await requestsFor(ids)).toHaveLength(4);
  });

  it('opens one request for identical submissions made at the same moment', async () => {
    const action = write();
    const replies = await Promise.all([1, 2, 3, 4].map(() => bot('POST', '/v1/actions', action)));
    expect(replies.map((r) => r.status)).toEqual([201, 201, 201, 201]);
    const ids = new Set(replies.map((r) => r.body.id as string));
    expect(ids.size).toBe(1);
    expect(new Set(replies.map((r) => r.body.approval.id as string)).size).toBe(1);
    expect(await requestsFor([...ids])).toHaveLength(1);
  });

  it('waits for the first request when the retry asks to wait, and hears its verdict', async () => {
    const action = write();
    const first = await bot('POST', '/v1/actions', action);
    // Whether the vote lands before the retry or while it waits, the retry answers the verdict.
    const waiting = bot('POST', '/v1/actions?wait=20', action);
    await alice('POST', `/v1/approvals/${first.body.approval.id}/votes`, { verdict: 'approve' });
    expect((await waiting).body).toMatchObject({ id: first.body.id, status: 'approved', grant: { used: false } });
  });

  it("after approval, a new client's retry runs the action once with the first approval's grant", async () => {
    const action = write();
    // The first client gives up waiting (a tool's own time limit, a proxy that is restarted).
    const first = new Tollgate({ baseUrl: server.url, apiKey: bot.token });
    const gaveUp = await first.run(action, () => 'ran too early', { wait: 0 }).catch((error: unknown) => error);
    expect(gaveUp).toBeInstanceOf(ApprovalPending);
    const { actionId } = gaveUp as ApprovalPending;
    const [request] = await requestsFor([actionId!]);
    expect((await alice('POST', `/v1/approvals/${request!.id}/votes`, { verdict: 'approve' })).status).toBe(201);

    const restarted = new Tollgate({ baseUrl: server.url, apiKey: bot.token });
    const runs: string[] = [];
    await restarted.run(action, (approved) => runs.push(String((approved.arguments as { path: string }).path)), { wait: 0 });
    expect(runs).toEqual([action.arguments.path]);
    const stored = await bot('GET', `/v1/actions/${actionId}`);
    expect(stored.body).toMatchObject({ status: 'executed', grant: { used: true } });

    // The approval was for one run: the same action again is a new request, waiting for people.
    const again = await bot('POST', '/v1/actions', action);
    expect(again.body).toMatchObject({ status: 'pending' });
    expect(again.body.id).not.toBe(actionId);
  });

  it('does not hand a retry a decided request it cannot run: denied, or approved and used', async () => {
    const action = write();
    const denied = await bot('POST', '/v1/actions', action);
    await alice('POST', `/v1/approvals/${denied.body.approval.id}/votes`, { verdict: 'deny', note: 'not now' });
    const retried = await bot('POST', '/v1/actions', action);
    expect(retried.body).toMatchObject({ status: 'pending' });
    expect(retried.body.id).not.toBe(denied.body.id);
  });

  it('leaves allowed actions alone: each submission is its own action', async () => {
    const read = { action_type: 'read_text_file', capability: 'mcp', server: 'files', arguments: { path: '/srv/data/notes.txt' } };
    const [one, two] = [await bot('POST', '/v1/actions', read), await bot('POST', '/v1/actions', read)];
    expect([one.body.status, two.body.status]).toEqual(['allowed', 'allowed']);
    expect(one.body.id).not.toBe(two.body.id);
  });
});
