// The guide's production-deploy workflow over real HTTP with real workers, on SQLite and PostgreSQL:
// parallel reviews, timeouts, escalation, delegation, modification, quorum, duties and job leases.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveConfig } from '../src/config/config.js';
import { startServer, type RunningServer } from '../src/server/start.js';
import { ManualClock } from '../src/util/clock.js';
import { createTestDatabase, DATABASES, type TestDatabase } from './helpers/databases.js';
import type { Reply } from './helpers/http.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const LEASE_MS = 30_000;

/** The guide's workflow file as written, plus the escalation target and the modifiable field the variants need. */
function productionDeployWorkflow(): string {
  const guide = readFileSync(new URL('../../../examples/guide/workflow-production-deploy.yaml', import.meta.url), 'utf8');
  const edited = guide
    .replace('      on_timeout: escalate\n', '      on_timeout: escalate\n      escalate_to: [engineering-managers]\n')
    .replace('      on_timeout: deny\n', '      on_timeout: deny\n      modifiable: { replicas: { min: 1, max: 10 } }\n');
  if (!edited.includes('escalate_to') || !edited.includes('modifiable')) throw new Error('the guide’s workflow file changed shape');
  return edited;
}

const POLICY = `
defaults: { decision: ALLOW }
groups:
  release-managers: [rita]
rules:
  - name: production-deploys
    match: { environment: production, action_type: deploy }
    decision: REQUIRE_APPROVAL
    workflow: production-deploy
    reason: production deploys go through the production-deploy workflow
  - name: oversized-production-deploys
    match: { environment: production, action_type: deploy, replicas: { gt: 8 } }
    decision: DENY
    reason: no more than 8 replicas in production
  - name: production-scaling
    match: { environment: production, action_type: scale }
    decision: REQUIRE_APPROVAL
    approvers: [tech-lead]
    require: 2
  - name: production-rollbacks
    match: { environment: production, action_type: rollback }
    decision: REQUIRE_APPROVAL
    approvers: [release-managers]
`;

const PEOPLE: Record<string, string[]> = {
  alice: ['tech-lead'],
  dave: ['senior-engineer'],
  bob: ['security-team'],
  carol: ['tech-lead', 'security-team'],
  erin: ['engineering-managers'],
  tom: ['tech-lead'],
  zoe: ['tech-lead'],
  frank: [],
  rita: [],
};

const DEPLOY = {
  action_type: 'deploy',
  environment: 'production',
  service: 'checkout',
  version: 'v2.3.1',
  replicas: 4,
  summary: 'deploy checkout v2.3.1 to production',
  reasoning: 'the release passed staging for 48 hours',
  requested_by: 'zoe',
  context: { diff: '- image: checkout:v2.3.0\n+ image: checkout:v2.3.1' },
};

type Http = (method: string, path: string, body?: unknown, signal?: AbortSignal) => Promise<Reply>;

interface Job {
  id: string;
  step: string;
  approval_id: string;
  action_id: string;
  attempt: number;
  action: Record<string, unknown>;
  digest: string;
  context: Record<string, unknown>;
  grant?: string;
}

/** A worker as a real one runs: its own API key, long-polling for its capability, heartbeating, completing or failing. */
class Worker {
  constructor(
    private readonly http: Http,
    readonly capability: string,
  ) {}

  /** Long-polls until a job comes; gives up after `limitMs` of real time (a job that never comes fails the test). */
  async take(limitMs = 15_000): Promise<Job> {
    const signal = AbortSignal.timeout(limitMs);
    for (;;) {
      const reply = await this.poll(30, signal);
      if (reply.status === 200) return reply.body as Job;
      expect(reply.status, JSON.stringify(reply.body)).toBe(204);
    }
  }

  poll(wait: number, signal?: AbortSignal): Promise<Reply> {
    return this.http('GET', `/v1/jobs/next?capability=${this.capability}&wait=${wait}`, undefined, signal);
  }

  heartbeat(id: string): Promise<Reply> {
    return this.http('POST', `/v1/jobs/${id}/heartbeat`);
  }

  /** `attempt` names the lease held, which tells apart workers that share one key. */
  complete(id: string, output: unknown, attempt?: number): Promise<Reply> {
    return this.http('POST', `/v1/jobs/${id}/complete`, { output, ...(attempt === undefined ? {} : { attempt }) });
  }

  fail(id: string, error: string, retry = true): Promise<Reply> {
    return this.http('POST', `/v1/jobs/${id}/fail`, { error, retry });
  }
}

/** A JSON client like helpers/http.ts, with an abort signal so long-polls can be given up. */
function http(baseUrl: string, token: string): Http {
  return async (method, path, body, signal) => {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      ...(signal === undefined ? {} : { signal }),
    });
    const text = await response.text();
    return { status: response.status, body: text === '' ? undefined : JSON.parse(text), headers: response.headers };
  };
}

/** A promise with a flag saying whether it has settled yet. */
function watched<T>(promise: Promise<T>): { promise: Promise<T>; settled: () => boolean } {
  let done = false;
  const tracked = promise.finally(() => (done = true));
  return { promise: tracked, settled: () => done };
}

describe.each(DATABASES)('the production-deploy workflow on %s', (kind) => {
  const clock = new ManualClock(Date.UTC(2026, 10, 25, 9));
  let database: TestDatabase;
  let policyDir: string;
  let server: RunningServer;
  const sessions = new Map<string, { token: string; at: number }>();
  let agent: Http;
  let analyzer: Worker;
  let otherAnalyzer: Worker;
  let deployer: Worker;

  /** A signed-in client for a person; sessions last 12 h of the clock, so they are renewed as it moves. */
  async function as(name: string): Promise<Http> {
    let session = sessions.get(name);
    if (session === undefined || clock.now() - session.at > 6 * HOUR) {
      const { token } = await server.services.auth.login(name, `${name}-password`);
      session = { token, at: clock.now() };
      sessions.set(name, session);
    }
    return http(server.url, session.token);
  }

  async function agentClient(name: string): Promise<Http> {
    return http(server.url, (await server.services.auth.createKey(name)).secret);
  }

  /** A worker with a worker key of its own serving `capability`. */
  async function workerOf(name: string, capability: string): Promise<Worker> {
    return new Worker(http(server.url, (await server.services.auth.createWorkerKey(name, [capability])).secret), capability);
  }

  async function auditOf(subject: string): Promise<{ type: string; actor: string; data: Record<string, any> }[]> {
    const reply = await (await as('audrey'))('GET', `/v1/audit?subject=${subject}&limit=1000`);
    expect(reply.status).toBe(200);
    return reply.body.events;
  }

  const approval = async (id: string) => (await (await as('audrey'))('GET', `/v1/approvals/${id}`)).body;
  const stepOf = (view: any, id: string) => view.steps.find((step: { id: string }) => step.id === id);
  const userId = async (name: string) => (await server.services.store.users.findByName('default', name))!.id;

  async function vote(name: string, approvalId: string, body: Record<string, unknown>): Promise<Reply> {
    return (await as(name))('POST', `/v1/approvals/${approvalId}/votes`, body);
  }

  /** Submits a production deploy and runs its analysis: both reviews are open when this returns. */
  async function submitAndAnalyse(action: Record<string, unknown> = DEPLOY) {
    const submitted = await agent('POST', '/v1/actions', action);
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(201);
    expect(submitted.body).toMatchObject({ decision: 'REQUIRE_APPROVAL', status: 'pending' });
    const approvalId = submitted.body.approval.id as string;
    const job = await analyzer.take();
    expect(job).toMatchObject({ step: 'ai-analysis', approval_id: approvalId });
    const analysis = { risk: 'medium', finding: `one image tag changes for ${String(action.service)}` };
    expect((await analyzer.complete(job.id, analysis)).status).toBe(200);
    return { actionId: submitted.body.id as string, approvalId, digest: submitted.body.digest as string, analysis };
  }

  /** The deploy worker takes the executing job and completes it. */
  async function deploy(approvalId: string): Promise<Job> {
    const job = await deployer.take();
    expect(job).toMatchObject({ step: 'deploy', approval_id: approvalId });
    expect((await deployer.heartbeat(job.id)).status).toBe(200);
    expect((await deployer.complete(job.id, { rolled_out: true })).status).toBe(200);
    return job;
  }

  async function sweep(): Promise<number> {
    return server.services.timers.sweep();
  }

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    policyDir = mkdtempSync(join(tmpdir(), 'tollgate-workflows-'));
    writeFileSync(join(policyDir, 'workflow-production-deploy.yaml'), productionDeployWorkflow());
    writeFileSync(join(policyDir, 'policy.yaml'), POLICY);
    const config = serveConfig({ db: database.url, policy: policyDir, port: 0, host: '127.0.0.1', rateLimit: 0 }, {});
    server = await startServer(config, { clock, logger: false, watchPolicy: false, timerIntervalMs: 0 });
    for (const [name, groups] of Object.entries(PEOPLE)) {
      await server.services.auth.addUser({ name, password: `${name}-password`, role: 'approver', groups });
    }
    await server.services.auth.addUser({ name: 'audrey', password: 'audrey-password', role: 'auditor' });
    agent = await agentClient('deploy-bot');
    analyzer = await workerOf('analyzer-1', 'deployment-analyzer');
    otherAnalyzer = await workerOf('analyzer-2', 'deployment-analyzer');
    deployer = await workerOf('k8s-deployer', 'kubernetes-deploy');
  });

  afterAll(async () => {
    await server?.close();
    await database?.drop();
    if (policyDir !== undefined) rmSync(policyDir, { recursive: true, force: true });
  });

  it('runs the analysis, both reviews in parallel by their groups, then the deploy with the grant', async () => {
    const submitted = await agent('POST', '/v1/actions', DEPLOY);
    expect(submitted.body).toMatchObject({ decision: 'REQUIRE_APPROVAL', status: 'pending' });
    expect(submitted.body.approval.workflow).toBe('production-deploy');
    const actionId = submitted.body.id as string;
    const approvalId = submitted.body.approval.id as string;
    // The agent waits for the verdict while people decide; the deploy worker waits for its job.
    const verdict = watched(agent('GET', `/v1/actions/${actionId}?wait=60`));
    const deployJob = watched(deployer.take());

    const analysisJob = await analyzer.take();
    expect(analysisJob).toMatchObject({ step: 'ai-analysis', approval_id: approvalId, action_id: actionId, digest: submitted.body.digest });
    expect(analysisJob.action).toMatchObject({ replicas: 4, service: 'checkout' });
    expect(analysisJob.context).toEqual({});
    expect(analysisJob.grant).toBeUndefined();
    expect(stepOf(await approval(approvalId), 'tech-review').status).toBe('waiting');
    expect((await analyzer.heartbeat(analysisJob.id)).status).toBe(200);
    const analysis = { risk: 'medium', blast_radius: 'checkout only', finding: 'one image tag changes' };
    expect((await analyzer.complete(analysisJob.id, analysis)).body).toEqual({ status: 'completed' });

    const opened = await approval(approvalId);
    expect(opened.context_package.analysis).toEqual({ 'ai-analysis': analysis });
    expect(opened.context_package.analysis_by).toEqual({ 'ai-analysis': { name: 'analyzer-1', key_id: expect.stringMatching(/^key_/) } });
    expect(opened.context_package.summary).toBe(DEPLOY.summary);
    expect(opened.context_package.diff).toBe(DEPLOY.context.diff);
    expect(opened.context_package.reasoning.text).toBe(DEPLOY.reasoning);
    expect(Object.fromEntries(opened.steps.map((step: { id: string; status: string }) => [step.id, step.status]))).toEqual({
      'ai-analysis': 'done',
      'tech-review': 'active',
      'security-review': 'active',
      deploy: 'waiting',
    });
    expect(stepOf(opened, 'tech-review').approvers).toEqual(['tech-lead', 'senior-engineer']);
    expect(stepOf(opened, 'security-review').approvers).toEqual(['security-team']);

    // Each review is decided by its own groups.
    const wrongGroup = await vote('bob', approvalId, { verdict: 'approve', step: 'tech-review' });
    expect(wrongGroup.status).toBe(403);
    expect(wrongGroup.body.error.code).toBe('approval.not_eligible');
    expect((await vote('alice', approvalId, { verdict: 'approve', step: 'security-review' })).body.error.code).toBe(
      'approval.not_eligible',
    );
    const tech = await vote('alice', approvalId, { verdict: 'approve', note: 'rollout plan is sound' });
    expect(tech.status, JSON.stringify(tech.body)).toBe(201);
    expect(stepOf(tech.body, 'tech-review').status).toBe('done');
    expect(stepOf(tech.body, 'security-review').status).toBe('active');

    // One approval is not enough: no deploy job, no verdict for the agent.
    const jobs = await server.services.store.jobs.listByApproval('default', approvalId);
    expect(jobs.map((job) => job.step_id)).toEqual(['ai-analysis']);
    expect((await (await workerOf('k8s-probe', 'kubernetes-deploy')).poll(0)).status).toBe(204);
    expect(verdict.settled()).toBe(false);
    expect(deployJob.settled()).toBe(false);

    expect((await vote('bob', approvalId, { verdict: 'approve' })).status).toBe(201);
    const answered = await verdict.promise;
    expect(answered.body.status).toBe('approved');
    expect(answered.body.grant).toMatchObject({ digest: submitted.body.digest, used: false });

    const job = await deployJob.promise;
    expect(job).toMatchObject({ step: 'deploy', approval_id: approvalId, digest: submitted.body.digest, grant: answered.body.grant.token });
    expect(job.action).toMatchObject({ replicas: 4, version: 'v2.3.1', requested_by: 'zoe' });
    expect(job.context).toEqual({ 'ai-analysis': analysis });
    expect((await deployer.heartbeat(job.id)).status).toBe(200);
    expect((await deployer.complete(job.id, { rolled_out: true })).status).toBe(200);

    const executed = await agent('GET', `/v1/actions/${actionId}`);
    expect(executed.body.status).toBe('executed');
    expect(executed.body.outcome.status).toBe('succeeded');
    expect(executed.body.grant.used).toBe(true);
    const finished = await approval(approvalId);
    expect(finished.steps.map((step: { status: string }) => step.status)).toEqual(['done', 'done', 'done', 'done']);
    const events = (await auditOf(approvalId)).map((event) => event.type);
    expect(events).toContain('approval.requested');
    expect(events.filter((type) => type === 'vote.cast')).toHaveLength(2);
  });

  it('reports a security review that runs out of time as a timeout, not as a denial', async () => {
    const { actionId, approvalId } = await submitAndAnalyse();
    expect((await vote('alice', approvalId, { verdict: 'approve', step: 'tech-review' })).status).toBe(201);
    clock.advance(8 * HOUR - 30_000);
    expect(await sweep()).toBe(0);
    // The agent's long-poll is measured on the same clock: it is opened within a minute of the deadline.
    const verdict = watched(agent('GET', `/v1/actions/${actionId}?wait=60`));
    expect((await agent('GET', `/v1/actions/${actionId}`)).body.status).toBe('pending');
    expect(verdict.settled()).toBe(false);
    clock.advance(31_000);
    expect(await sweep()).toBe(1);
    expect(await sweep()).toBe(0);

    const seen = (await verdict.promise).body;
    expect(seen.status).toBe('timed_out');
    expect(seen.approval.status).toBe('timed_out');
    expect(seen.approval.resolution).toMatch(/^security-review: no decision before the deadline/);
    expect(seen.approval.votes.map((v: { verdict: string; step_id: string }) => [v.step_id, v.verdict])).toEqual([
      ['tech-review', 'approve'],
    ]);
    expect(seen.grant).toBeUndefined();
    const view = await approval(approvalId);
    expect(stepOf(view, 'security-review')).toMatchObject({ status: 'timed_out', votes: [] });
    expect(stepOf(view, 'deploy').status).toBe('cancelled');
    const ended = (await auditOf(approvalId)).filter((event) => event.type === 'approval.timed_out' || event.type === 'approval.decided');
    expect(ended).toEqual([expect.objectContaining({ type: 'approval.timed_out', actor: 'system' })]);
    expect((await vote('bob', approvalId, { verdict: 'approve' })).body.error.code).toBe('approval.closed');
  });

  it('escalates a tech review that runs out of time to engineering managers, with a fresh deadline', async () => {
    const { actionId, approvalId } = await submitAndAnalyse();
    const opened = await approval(approvalId);
    expect(stepOf(opened, 'tech-review').deadline).toBe(new Date(clock.now() + 4 * HOUR).toISOString());
    const inbox = async (name: string) =>
      ((await (await as(name))('GET', '/v1/approvals?assigned=me')).body.approvals as { id: string }[]).map((a) => a.id);
    expect(await inbox('alice')).toContain(approvalId);
    expect(await inbox('erin')).not.toContain(approvalId);
    clock.advance(4 * HOUR + MINUTE);
    expect(await sweep()).toBe(1);
    // The stage moved from the tech leads' inboxes to the managers' (closed, then assigned anew).
    expect(await inbox('alice')).not.toContain(approvalId);
    expect(await inbox('erin')).toContain(approvalId);

    const escalated = await approval(approvalId);
    expect(escalated.status).toBe('pending');
    expect(stepOf(escalated, 'tech-review')).toMatchObject({
      status: 'active',
      approvers: ['engineering-managers'],
      escalations: 1,
      deadline: new Date(clock.now() + 4 * HOUR).toISOString(),
    });
    expect(escalated.approvers).toContain('engineering-managers');
    expect(escalated.approvers).not.toContain('tech-lead');
    const escalations = (await auditOf(approvalId)).filter((event) => event.type === 'approval.escalated');
    expect(escalations).toEqual([expect.objectContaining({ actor: 'system', data: expect.objectContaining({ step: 'tech-review' }) })]);

    expect((await vote('alice', approvalId, { verdict: 'approve', step: 'tech-review' })).body.error.code).toBe('approval.not_eligible');
    expect((await vote('erin', approvalId, { verdict: 'approve', note: 'covering for the tech leads' })).status).toBe(201);
    expect((await vote('bob', approvalId, { verdict: 'approve' })).status).toBe(201);
    await deploy(approvalId);
    expect((await agent('GET', `/v1/actions/${actionId}`)).body.status).toBe('executed');
  });

  it('times the request out when the escalation chain ends without a decision', async () => {
    const { actionId, approvalId } = await submitAndAnalyse();
    expect((await vote('bob', approvalId, { verdict: 'approve' })).status).toBe(201);
    clock.advance(4 * HOUR + MINUTE);
    expect(await sweep()).toBe(1);
    clock.advance(4 * HOUR + MINUTE);
    expect(await sweep()).toBe(1);
    const seen = (await agent('GET', `/v1/actions/${actionId}`)).body;
    expect(seen.status).toBe('timed_out');
    expect(seen.approval.resolution).toBe('tech-review: no decision before the deadline (escalation chain ended)');
    const types = (await auditOf(approvalId)).map((event) => event.type);
    expect(types.filter((type) => type === 'approval.escalated')).toHaveLength(1);
    expect(types.filter((type) => type === 'approval.timed_out')).toHaveLength(1);
  });

  it('lets a reviewer delegate, and the delegate decides, on the record', async () => {
    const { actionId, approvalId } = await submitAndAnalyse();
    const delegated = await (
      await as('dave')
    )('POST', `/v1/approvals/${approvalId}/delegate`, {
      to: 'frank',
      note: 'frank owns checkout',
      step: 'tech-review',
    });
    expect(delegated.status, JSON.stringify(delegated.body)).toBe(200);
    const frankId = await userId('frank');
    expect(stepOf(delegated.body, 'tech-review').delegations).toEqual([
      expect.objectContaining({ from: await userId('dave'), to: frankId, note: 'frank owns checkout' }),
    ]);
    expect(delegated.body.approvers).toContain(frankId);
    // The delegator handed their seat on; the delegate may not pass it back.
    expect((await vote('dave', approvalId, { verdict: 'approve', step: 'tech-review' })).body.error.code).toBe('approval.not_eligible');
    const back = await (await as('frank'))('POST', `/v1/approvals/${approvalId}/delegate`, { to: 'dave', step: 'tech-review' });
    expect(back.body.error.code).toBe('approval.invalid_delegate');

    expect((await vote('frank', approvalId, { verdict: 'approve', step: 'tech-review', note: 'looks right' })).status).toBe(201);
    expect((await vote('bob', approvalId, { verdict: 'approve' })).status).toBe(201);
    await deploy(approvalId);
    expect((await agent('GET', `/v1/actions/${actionId}`)).body.status).toBe('executed');
    const events = await auditOf(approvalId);
    expect(events).toContainEqual(
      expect.objectContaining({
        type: 'approval.delegated',
        actor: `user:${await userId('dave')}`,
        data: expect.objectContaining({ to: frankId }),
      }),
    );
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'vote.cast', actor: `user:${frankId}`, data: expect.objectContaining({ step: 'tech-review' }) }),
    );
  });

  it('refuses modifications out of bounds, of other fields, or that policy would deny, and changes nothing', async () => {
    const { approvalId, digest } = await submitAndAnalyse();
    const before = await approval(approvalId);
    const refusals: [Record<string, unknown>, string][] = [
      [{ replicas: 0 }, '`replicas` may not go below 1 (asked 0)'],
      [{ replicas: 'many' }, '`replicas` must stay a number, not `many`'],
      [{ environment: 'staging' }, '`environment` is not modifiable: only `replicas` may be changed'],
      [{ replicas: 9 }, 'the policy would deny the modified action: no more than 8 replicas in production'],
    ];
    for (const [modifications, message] of refusals) {
      const refused = await vote('bob', approvalId, { verdict: 'approve', modifications });
      expect(refused.status, JSON.stringify(modifications)).toBe(400);
      expect(refused.body.error).toMatchObject({ code: 'approval.modification_refused', message });
    }
    const after = await approval(approvalId);
    expect(after.digest).toBe(digest);
    expect(after.action).toEqual(before.action);
    expect(after.votes).toEqual([]);
    expect(stepOf(after, 'security-review')).toMatchObject({ status: 'active', votes: [] });
    expect((await auditOf(approvalId)).map((event) => event.type)).not.toContain('action.modified');
    // End it so that no job of this request is left for later tests.
    expect((await vote('bob', approvalId, { verdict: 'deny', note: 'resubmit with fewer replicas' })).status).toBe(201);
  });

  it('lets a reviewer modify within limits: a new digest, and the deploy job and grant carry the modified action', async () => {
    const { actionId, approvalId, digest } = await submitAndAnalyse();
    const modified = await vote('bob', approvalId, { verdict: 'approve', modifications: { replicas: 6 }, note: 'six is enough', digest });
    expect(modified.status, JSON.stringify(modified.body)).toBe(201);
    expect(modified.body.action.replicas).toBe(6);
    expect(modified.body.digest).not.toBe(digest);
    const newDigest = modified.body.digest as string;
    expect(newDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    // A reviewer who looked at the old action must look again.
    const stale = await vote('alice', approvalId, { verdict: 'approve', digest });
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe('approval.stale_digest');
    expect((await vote('alice', approvalId, { verdict: 'approve', digest: newDigest })).status).toBe(201);

    const job = await deploy(approvalId);
    expect(job.action.replicas).toBe(6);
    expect(job.digest).toBe(newDigest);
    const seen = (await agent('GET', `/v1/actions/${actionId}`)).body;
    expect(seen.grant).toMatchObject({ digest: newDigest, token: job.grant, used: true });
    expect(seen.status).toBe('executed');
    const change = (await auditOf(approvalId)).find((event) => event.type === 'action.modified');
    expect(change?.data).toMatchObject({ step: 'security-review', changes: { replicas: 6 }, from_digest: digest, digest: newDigest });
  });

  it('counts one person once: a second vote, the requester and one person in two stages are refused', async () => {
    const scale = await agent('POST', '/v1/actions', {
      action_type: 'scale',
      environment: 'production',
      replicas: 12,
      requested_by: 'zoe',
    });
    expect(scale.body.approval).toMatchObject({ require: 2, approvers: ['tech-lead'] });
    const scaleId = scale.body.approval.id as string;
    expect((await vote('alice', scaleId, { verdict: 'approve' })).status).toBe(201);
    const twice = await vote('alice', scaleId, { verdict: 'approve' });
    expect([twice.status, twice.body.error.code]).toEqual([409, 'approval.already_voted']);
    const requester = await vote('zoe', scaleId, { verdict: 'approve' });
    expect([requester.status, requester.body.error.code]).toEqual([403, 'approval.self_approval']);
    const pending = await approval(scaleId);
    expect(pending.status).toBe('pending');
    expect(pending.votes).toHaveLength(1);
    expect((await vote('tom', scaleId, { verdict: 'approve' })).status).toBe(201);
    expect((await agent('GET', `/v1/actions/${scale.body.id}`)).body.status).toBe('approved');

    const { actionId, approvalId } = await submitAndAnalyse();
    // carol may decide either stage, so she must say which.
    expect((await vote('carol', approvalId, { verdict: 'approve' })).body.error.code).toBe('approval.step_required');
    expect((await vote('carol', approvalId, { verdict: 'approve', step: 'tech-review' })).status).toBe(201);
    const second = await vote('carol', approvalId, { verdict: 'approve', step: 'security-review' });
    expect([second.status, second.body.error.code]).toEqual([403, 'approval.separation_of_duties']);
    expect((await vote('zoe', approvalId, { verdict: 'approve', step: 'security-review' })).body.error.code).toBe('approval.self_approval');
    const unchanged = await approval(approvalId);
    expect(stepOf(unchanged, 'security-review')).toMatchObject({ status: 'active', votes: [] });
    expect(unchanged.votes).toHaveLength(1);

    const denied = await vote('bob', approvalId, { verdict: 'deny', note: 'no deploys during the freeze' });
    expect(denied.status).toBe(201);
    const seen = (await agent('GET', `/v1/actions/${actionId}`)).body;
    expect(seen.status).toBe('denied');
    expect(seen.approval.resolution).toBe('security-review: no deploys during the freeze');
  });

  it('offers a job whose lease ran out to another worker, and the first worker’s completion is refused', async () => {
    const submitted = await agent('POST', '/v1/actions', DEPLOY);
    const approvalId = submitted.body.approval.id as string;
    const first = await analyzer.take();
    expect(first).toMatchObject({ step: 'ai-analysis', approval_id: approvalId, attempt: 1 });
    // A heartbeat keeps the lease past its first 30 s.
    clock.advance(LEASE_MS - 5_000);
    expect((await analyzer.heartbeat(first.id)).status).toBe(200);
    clock.advance(LEASE_MS - 5_000);
    expect((await otherAnalyzer.poll(0)).status).toBe(204);
    // Without heartbeats the lease runs out and the job goes to the next worker that asks.
    clock.advance(LEASE_MS);
    const second = await otherAnalyzer.take();
    expect(second).toMatchObject({ id: first.id, attempt: 2 });
    const lost = await analyzer.complete(first.id, { risk: 'low' });
    expect([lost.status, lost.body.error.code]).toEqual([409, 'job.lease_lost']);
    expect((await analyzer.heartbeat(first.id)).body.error.code).toBe('job.lease_lost');
    expect(stepOf(await approval(approvalId), 'tech-review').status).toBe('waiting');
    expect((await otherAnalyzer.complete(second.id, { risk: 'medium' })).status).toBe(200);
    const view = await approval(approvalId);
    expect(view.context_package.analysis).toEqual({ 'ai-analysis': { risk: 'medium' } });
    expect(stepOf(view, 'tech-review').status).toBe('active');
    expect((await vote('bob', approvalId, { verdict: 'deny', note: 'not today' })).status).toBe(201);
  });

  it('offers a failed job again, and fails the request when its attempts run out', async () => {
    const submitted = await agent('POST', '/v1/actions', DEPLOY);
    const approvalId = submitted.body.approval.id as string;
    const verdict = watched(agent('GET', `/v1/actions/${submitted.body.id}?wait=60`));
    const workers = [analyzer, otherAnalyzer, analyzer];
    for (const [index, worker] of workers.entries()) {
      const job = await worker.take();
      expect(job).toMatchObject({ step: 'ai-analysis', approval_id: approvalId, attempt: index + 1 });
      const failed = await worker.fail(job.id, `analyzer crashed (${index + 1})`);
      expect(failed.body.status).toBe(index < 2 ? 'queued' : 'failed');
      if (index < 2) expect(verdict.settled()).toBe(false);
    }
    expect((await otherAnalyzer.poll(0)).status).toBe(204);
    const seen = (await verdict.promise).body;
    expect(seen.status).not.toBe('pending');
    expect(seen.approval.status).toBe('failed');
    expect(seen.approval.resolution).toBe('ai-analysis failed: analyzer crashed (3)');
    expect(seen.grant).toBeUndefined();
    const types = (await auditOf(approvalId)).map((event) => event.type);
    expect(types).toContain('approval.decided');
    const jobId = (await server.services.store.jobs.listByApproval('default', approvalId))[0]!.id;
    const jobEvents = (await auditOf(jobId)).map((event) => event.type).filter((type) => type === 'job.retried' || type === 'job.failed');
    expect(jobEvents).toEqual(['job.retried', 'job.retried', 'job.failed']);
  });

  // The grant is single-use: when the workflow's deploy step executes the action, the agent cannot
  // redeem the grant as well, so one approval is one execution.
  it('executes an approved action once when the agent redeems the grant the deploy job carries', async () => {
    const { actionId, approvalId } = await submitAndAnalyse();
    expect((await vote('alice', approvalId, { verdict: 'approve', step: 'tech-review' })).status).toBe(201);
    expect((await vote('bob', approvalId, { verdict: 'approve' })).status).toBe(201);
    const { grant } = (await agent('GET', `/v1/actions/${actionId}`)).body;
    const redeemed = await agent('POST', '/v1/grants/redeem', { grant: grant.token, digest: grant.digest });
    const job = await deployer.poll(0);
    const completed = job.status === 200 ? await deployer.complete(job.body.id, { rolled_out: true }) : undefined;
    const executions = [redeemed.status === 200, completed?.status === 200].filter(Boolean).length;
    expect(executions).toBe(1);
  });

  // A request whose analysis job fails for good is `cancelled` for the agent: no person denied it
  // (its approval says `failed`).
  it('does not report a worker step that failed for good as a denial', async () => {
    const submitted = await agent('POST', '/v1/actions', DEPLOY);
    const job = await analyzer.take();
    expect(job.approval_id).toBe(submitted.body.approval.id);
    expect((await analyzer.fail(job.id, 'analyzer out of memory', false)).body.status).toBe('failed');
    const seen = (await agent('GET', `/v1/actions/${submitted.body.id}`)).body;
    expect(seen.approval.status).toBe('failed');
    expect(seen.status).not.toBe('denied');
  });

  // Two worker processes sharing one API key tell their leases apart by `attempt`: the one whose
  // lease ran out cannot complete the job the other took.
  it('refuses the completion of a lost lease when both workers use the same key', async () => {
    const pool = http(server.url, (await server.services.auth.createWorkerKey('analyzer-pool', ['deployment-analyzer'])).secret);
    const [stale, fresh] = [new Worker(pool, 'deployment-analyzer'), new Worker(pool, 'deployment-analyzer')];
    const submitted = await agent('POST', '/v1/actions', DEPLOY);
    const first = await stale.take();
    expect(first.approval_id).toBe(submitted.body.approval.id);
    clock.advance(LEASE_MS + 1_000);
    const second = await fresh.take();
    expect(second).toMatchObject({ id: first.id, attempt: 2 });
    const lost = await stale.complete(first.id, { risk: 'from the stale worker' }, first.attempt);
    expect(lost.status).toBe(409);
    expect(lost.body.error.code).toBe('job.lease_lost');
    expect((await fresh.complete(second.id, { risk: 'low' }, second.attempt)).status).toBe(200);
  });

  // DESIGN §4: "groups come from `groups:` in the bundle or from the user directory": `rita`, a
  // member of `release-managers` in the policy's `groups:` block only, may decide.
  it('lets a member of a group defined in the policy’s groups: block decide', async () => {
    const rollback = await agent('POST', '/v1/actions', { action_type: 'rollback', environment: 'production' });
    expect(rollback.body.approval.approvers).toEqual(['release-managers']);
    const voted = await vote('rita', rollback.body.approval.id, { verdict: 'approve' });
    expect(voted.status, JSON.stringify(voted.body)).toBe(201);
  });
});
