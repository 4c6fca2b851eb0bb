// The requester is never its own workflow's worker: an agent key takes no jobs, a worker key named
// like the requesting agent is not offered them, a worker key takes only its capabilities' jobs
// and submits no actions. Each refusal changes nothing; a proper worker's output reaches the
// approver with the worker's name. The same holds for the job that undoes a reversed action.
// Real HTTP on SQLite and PostgreSQL.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, DATABASES, type TestDatabase } from '../helpers/databases.js';
import { expectErrorShape, securityPolicy, startHarness, type Answer, type Harness } from './harness.js';

describe.each(DATABASES)('worker keys on %s', (kind) => {
  let database: TestDatabase;
  let server: Harness;
  let approver: { token: string };
  let agent: { token: string; keyId: string };
  /** A worker key named like the agent: the agent's own hands under another kind of key. */
  let namesake: { token: string; keyId: string };
  let scanner: { token: string; keyId: string };
  let analyzer: { token: string; keyId: string };
  let undoer: { token: string; keyId: string };
  /** The analysis job of the migration the agent submitted, after the refusals. */
  let queued: { actionId: string; approvalId: string; jobId: string };

  const job = async (id: string) => (await server.services.store.jobs.get('default', id))!;
  /** What a refused request must leave as it was: the job, the audit chain, the actions. */
  async function state(jobId: string) {
    const { worker, worker_key_id, status, attempts, output, lease_until } = await job(jobId);
    return {
      job: { worker, worker_key_id, status, attempts, output, lease_until },
      head: await server.services.store.audit.head('default'),
      actions: await server.services.store.actions.count('default'),
    };
  }
  function refused(answer: Answer, status: number, code: string, where: string): void {
    expect(answer.status, `${where}: ${answer.text}`).toBe(status);
    expectErrorShape(answer, where);
    expect(answer.body.error.code, where).toBe(code);
  }

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    server = await startHarness(securityPolicy(), { serve: { db: database.url } });
    approver = await server.person('alice', 'approver', { groups: ['approvers'] });
    agent = await server.agent('deploy-bot');
    namesake = await server.worker('deploy-bot', ['analyzer', 'undo-task']);
    scanner = await server.worker('scanner-1', ['scanner']);
    analyzer = await server.worker('analyzer-1', ['analyzer']);
    undoer = await server.worker('undoer-1', ['undo-task']);
  });

  afterAll(async () => {
    await server?.close();
    await database?.drop();
  });

  it('refuses the requesting agent, its namesake and a worker without the capability, changing nothing', async () => {
    const submitted = await server.send('POST', '/v1/actions', {
      token: agent.token,
      body: { action_type: 'migrate', summary: 'drop the audit table', reasoning: 'it is slow' },
    });
    expect(submitted.status, submitted.text).toBe(201);
    const approvalId = submitted.body.approval.id as string;
    const [analysis] = await server.services.store.jobs.listByApproval('default', approvalId);
    expect(analysis).toMatchObject({ step_id: 'analysis', capability: 'analyzer', status: 'queued' });
    queued = { actionId: submitted.body.id, approvalId, jobId: analysis!.id };
    const before = await state(queued.jobId);

    // The reproduction: the agent takes its own request's analysis job and completes it.
    refused(await server.send('GET', '/v1/jobs/next?capability=analyzer', { token: agent.token }), 403, 'auth.forbidden', 'agent takes');
    for (const [path, body] of [
      [`/v1/jobs/${queued.jobId}/complete`, { output: { verdict: 'SAFE - no risky changes detected', risk: 'low' } }],
      [`/v1/jobs/${queued.jobId}/heartbeat`, undefined],
      [`/v1/jobs/${queued.jobId}/fail`, { error: 'skip the analysis' }],
    ] as const)
      refused(await server.send('POST', path, { token: agent.token, body }), 403, 'auth.forbidden', `agent ${path}`);

    // A worker key with the agent's name is not offered the job, and cannot settle it.
    const offered = await server.send('GET', '/v1/jobs/next?capability=analyzer', { token: namesake.token });
    expect(offered.status, offered.text).toBe(204);
    for (const [path, body] of [
      [`/v1/jobs/${queued.jobId}/complete`, { output: { verdict: 'SAFE' } }],
      [`/v1/jobs/${queued.jobId}/heartbeat`, undefined],
      [`/v1/jobs/${queued.jobId}/fail`, { error: 'skip the analysis' }],
    ] as const)
      refused(await server.send('POST', path, { token: namesake.token, body }), 403, 'job.own_request', `namesake ${path}`);

    // A worker key without the capability is refused the queue and the job.
    refused(
      await server.send('GET', '/v1/jobs/next?capability=analyzer', { token: scanner.token }),
      403,
      'job.capability_not_granted',
      'scanner takes',
    );
    refused(
      await server.send('POST', `/v1/jobs/${queued.jobId}/complete`, { token: scanner.token, body: { output: { verdict: 'SAFE' } } }),
      403,
      'job.capability_not_granted',
      'scanner completes',
    );

    // A worker key submits nothing and reads no action.
    refused(
      await server.send('POST', '/v1/actions', { token: analyzer.token, body: { action_type: 'migrate', summary: 'by the worker' } }),
      403,
      'auth.forbidden',
      'worker submits',
    );
    refused(await server.send('GET', `/v1/actions/${queued.actionId}`, { token: analyzer.token }), 403, 'auth.forbidden', 'worker reads');

    expect(await state(queued.jobId)).toEqual(before);
    expect(before.job).toMatchObject({ status: 'queued', attempts: 0, worker: null, output: null });
    const view = await server.send('GET', `/v1/approvals/${approvalId}`, { token: approver.token });
    expect(view.body.context_package.analysis).toEqual({});
    expect(view.body.steps[0]).toMatchObject({ id: 'analysis', status: 'active', output: null, worker: null });
  });

  it('leaves the job to a worker key of the capability, whose name the approver sees with its output', async () => {
    const taken = await server.send('GET', '/v1/jobs/next?capability=analyzer', { token: analyzer.token });
    expect(taken.status, taken.text).toBe(200);
    expect(taken.body).toMatchObject({ id: queued.jobId, step: 'analysis', approval_id: queued.approvalId });
    // Only the key holding the lease may settle it, even under the same name.
    const sameName = await server.worker('analyzer-1', ['analyzer']);
    refused(
      await server.send('POST', `/v1/jobs/${queued.jobId}/complete`, { token: sameName.token, body: { output: { risk: 'low' } } }),
      409,
      'job.lease_lost',
      'another key of the name completes',
    );
    expect((await server.send('POST', `/v1/jobs/${queued.jobId}/heartbeat`, { token: analyzer.token })).status).toBe(200);
    const output = { verdict: 'drops a table that the audit trail needs', risk: 'high' };
    const completed = await server.send('POST', `/v1/jobs/${queued.jobId}/complete`, { token: analyzer.token, body: { output } });
    expect(completed.status, completed.text).toBe(200);

    const by = { name: 'analyzer-1', key_id: analyzer.keyId };
    expect(await job(queued.jobId)).toMatchObject({ status: 'completed', output, worker: 'analyzer-1', worker_key_id: analyzer.keyId });
    const view = await server.send('GET', `/v1/approvals/${queued.approvalId}`, { token: approver.token });
    expect(view.status, view.text).toBe(200);
    expect(view.body.context_package.analysis).toEqual({ analysis: output });
    expect(view.body.context_package.analysis_by).toEqual({ analysis: by });
    expect(view.body.steps[0]).toMatchObject({ id: 'analysis', status: 'done', output, worker: by });
    const events = await server.services.store.audit.list('default', { subject: queued.jobId });
    expect(events.map((event) => [event.type, event.actor])).toEqual([
      ['job.queued', 'system'],
      ['job.leased', 'worker:analyzer-1'],
      ['job.completed', 'worker:analyzer-1'],
    ]);
    expect(events[2]!.data).toMatchObject({ key_id: analyzer.keyId });
  });

  it('leaves the undo of a reversed action to a worker other than its agent, and records which one ran it', async () => {
    const task = await server.send('POST', '/v1/actions', { token: agent.token, body: { action_type: 'task', summary: 'tidy the cache' } });
    expect(task.status, task.text).toBe(201);
    const outcome = await server.send('POST', `/v1/actions/${task.body.id}/outcome`, {
      token: agent.token,
      body: { status: 'succeeded', compensation: { capability: 'undo-task', input: { restore: 'cache' } } },
    });
    expect(outcome.status, outcome.text).toBe(200);
    const reverse = await server.send('POST', `/v1/actions/${task.body.id}/review`, {
      token: approver.token,
      body: { verdict: 'reverse' },
    });
    expect(reverse.status, reverse.text).toBe(200);

    expect((await server.send('GET', '/v1/jobs/next?capability=undo-task', { token: namesake.token })).status).toBe(204);
    const undo = await server.send('GET', '/v1/jobs/next?capability=undo-task', { token: undoer.token });
    expect(undo.status, undo.text).toBe(200);
    expect(undo.body).toMatchObject({ step: 'compensation', action_id: task.body.id, input: { restore: 'cache' } });
    expect(
      (await server.send('POST', `/v1/jobs/${undo.body.id}/complete`, { token: undoer.token, body: { output: 'restored' } })).status,
    ).toBe(200);
    const review = await server.services.store.reviews.get('default', task.body.id);
    expect(review).toMatchObject({
      status: 'reversed',
      reversal: { worker: 'undoer-1', worker_key_id: undoer.keyId, status: 'succeeded' },
    });
  });
});
