// Approval timers across restarts and nodes: deadlines of a multi-stage workflow that pass while the
// server is down fire once after it starts again, and two nodes on one PostgreSQL schema fire each once.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveConfig } from '../src/config/config.js';
import { startServer, type RunningServer } from '../src/server/start.js';
import { ManualClock } from '../src/util/clock.js';
import { createTestDatabase, DATABASES, type TestDatabase } from './helpers/databases.js';
import { client } from './helpers/http.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const POLICY = `
defaults: { decision: ALLOW, timeout: 10m, on_timeout: deny }
rules:
  - name: production-deploys
    match: { environment: production, action_type: deploy }
    decision: REQUIRE_APPROVAL
    workflow: production-deploy
  - name: production-scaling
    match: { environment: production, action_type: scale }
    decision: REQUIRE_APPROVAL
    approvers: [tech-lead]
`;

/** The guide's workflow, with the escalation target its `on_timeout: escalate` needs. */
function workflow(): string {
  const guide = readFileSync(new URL('../../../examples/guide/workflow-production-deploy.yaml', import.meta.url), 'utf8');
  const edited = guide.replace('      on_timeout: escalate\n', '      on_timeout: escalate\n      escalate_to: [engineering-managers]\n');
  if (edited === guide) throw new Error('the guide’s workflow file changed shape');
  return edited;
}

function policyFolder(): string {
  const folder = mkdtempSync(join(tmpdir(), 'tollgate-timers-'));
  writeFileSync(join(folder, 'workflow-production-deploy.yaml'), workflow());
  writeFileSync(join(folder, 'policy.yaml'), POLICY);
  return folder;
}

function start(db: string, policy: string, clock: ManualClock, timerIntervalMs = 0): Promise<RunningServer> {
  const config = serveConfig({ db, policy, port: 0, host: '127.0.0.1', rateLimit: 0 }, {});
  return startServer(config, { clock, logger: false, watchPolicy: false, timerIntervalMs });
}

/** How many events of `type` the audit trail holds about `subject`. */
async function countAudit(server: RunningServer, type: string, subject?: string): Promise<number> {
  const events = await server.services.store.audit.list('default', { afterSeq: 0, limit: 100_000, type, ...(subject ? { subject } : {}) });
  return events.length;
}

describe.each(DATABASES)('workflow timers across a restart on %s', (kind) => {
  const clock = new ManualClock(Date.UTC(2026, 10, 25, 9));
  let database: TestDatabase;
  let policy: string;
  let server: RunningServer;
  let agentKey: string;
  let analyzerKey: string;

  const agent = () => client(server.url, agentKey);
  const person = async (name: string) => client(server.url, (await server.services.auth.login(name, `${name}-password`)).token);

  /** Submits a production deploy, runs its analysis and returns the request with both reviews open. */
  async function openDeploy(): Promise<{ actionId: string; approvalId: string }> {
    const submitted = await agent()('POST', '/v1/actions', { action_type: 'deploy', environment: 'production', replicas: 3 });
    expect(submitted.body.status).toBe('pending');
    const analyzer = client(server.url, analyzerKey);
    const job = await analyzer('GET', '/v1/jobs/next?capability=deployment-analyzer&wait=0');
    expect(job.body).toMatchObject({ step: 'ai-analysis', approval_id: submitted.body.approval.id });
    expect((await analyzer('POST', `/v1/jobs/${job.body.id}/complete`, { output: { risk: 'low' } })).status).toBe(200);
    return { actionId: submitted.body.id, approvalId: submitted.body.approval.id };
  }

  async function restart(advanceMs: number, timerIntervalMs = 0): Promise<void> {
    await server.close();
    clock.advance(advanceMs);
    server = await start(database.url, policy, clock, timerIntervalMs);
  }

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    policy = policyFolder();
    server = await start(database.url, policy, clock);
    const people: [string, string][] = [
      ['alice', 'tech-lead'],
      ['bob', 'security-team'],
      ['erin', 'engineering-managers'],
    ];
    for (const [name, group] of people) {
      await server.services.auth.addUser({ name, password: `${name}-password`, role: 'approver', groups: [group] });
    }
    agentKey = (await server.services.auth.createKey('deploy-bot')).secret;
    analyzerKey = (await server.services.auth.createWorkerKey('analyzer', ['deployment-analyzer'])).secret;
  });

  afterAll(async () => {
    await server?.close();
    await database?.drop();
    if (policy !== undefined) rmSync(policy, { recursive: true, force: true });
  });

  it('fires a stage’s deadline that passed while the server was down once, from its own sweep loop', async () => {
    const { actionId, approvalId } = await openDeploy();
    expect((await (await person('alice'))('POST', `/v1/approvals/${approvalId}/votes`, { verdict: 'approve' })).status).toBe(201);
    clock.advance(7 * HOUR);
    expect(await server.services.timers.sweep()).toBe(0);
    // Down from 7 h to 9 h: the security review's 8 h deadline passes while nothing runs.
    await restart(2 * HOUR, 20);
    const fired = AbortSignal.timeout(10_000);
    while ((await countAudit(server, 'approval.timed_out', approvalId)) === 0) {
      expect(fired.aborted, 'the restarted server’s sweep loop did not fire the deadline').toBe(false);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    // The loop's sweep may still be finishing (its commit is visible first): a call now shares it.
    await server.services.timers.sweep();
    expect(await server.services.timers.sweep()).toBe(0);
    await restart(HOUR);
    expect(await server.services.timers.sweep()).toBe(0);

    const seen = (await agent()('GET', `/v1/actions/${actionId}`)).body;
    expect(seen.status).toBe('timed_out');
    expect(seen.approval.resolution).toMatch(/^security-review: no decision before the deadline/);
    expect(seen.approval.votes).toHaveLength(1);
    expect(await countAudit(server, 'approval.timed_out', approvalId)).toBe(1);
  });

  it('escalates across one restart and times out across the next, each once', async () => {
    const start = clock.now();
    const { actionId, approvalId } = await openDeploy();
    expect((await (await person('bob'))('POST', `/v1/approvals/${approvalId}/votes`, { verdict: 'approve' })).status).toBe(201);
    await restart(4 * HOUR + MINUTE);
    expect(await server.services.timers.sweep()).toBe(1);
    expect(await server.services.timers.sweep()).toBe(0);
    const escalated = (await server.services.approvals.get('default', approvalId)).steps.find((step) => step.id === 'tech-review')!;
    expect(escalated).toMatchObject({ status: 'active', approvers: ['engineering-managers'], escalations: 1 });
    expect(escalated.deadline).toBe(new Date(start + 8 * HOUR + MINUTE).toISOString());

    await restart(3 * HOUR);
    expect(await server.services.timers.sweep()).toBe(0);
    await restart(2 * HOUR);
    expect(await server.services.timers.sweep()).toBe(1);
    expect(await server.services.timers.sweep()).toBe(0);
    const seen = (await agent()('GET', `/v1/actions/${actionId}`)).body;
    expect(seen.status).toBe('timed_out');
    expect(seen.approval.resolution).toBe('tech-review: no decision before the deadline (escalation chain ended)');
    expect(await countAudit(server, 'approval.escalated', approvalId)).toBe(1);
    expect(await countAudit(server, 'approval.timed_out', approvalId)).toBe(1);
  });
});

describe('two nodes sweeping one PostgreSQL schema', () => {
  const clock = new ManualClock(Date.UTC(2026, 10, 26, 9));
  let database: TestDatabase;
  let policy: string;
  let nodes: RunningServer[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    policy = policyFolder();
    nodes = [await start(database.url, policy, clock), await start(database.url, policy, clock)];
  });

  afterAll(async () => {
    for (const node of nodes) await node.close();
    await database?.drop();
    if (policy !== undefined) rmSync(policy, { recursive: true, force: true });
  });

  it('fires each due timer exactly once when both sweep at the same time', { timeout: 60_000 }, async () => {
    const [a, b] = nodes as [RunningServer, RunningServer];
    const keys = [(await a.services.auth.createKey('scale-bot')).secret, (await b.services.auth.createKey('scale-bot')).secret];
    let total = 0;
    for (const round of [1, 2, 3]) {
      // More requests than one sweep batch (200), submitted through both nodes.
      const count = 250;
      const submitted = await Promise.all(
        Array.from({ length: count }, (_, i) =>
          client(nodes[i % 2]!.url, keys[i % 2])('POST', '/v1/actions', {
            action_type: 'scale',
            environment: 'production',
            replicas: i,
            round,
          }),
        ),
      );
      expect(submitted.every((reply) => reply.body.status === 'pending')).toBe(true);
      clock.advance(11 * MINUTE);
      const sweeps = await Promise.allSettled([a.services.timers.sweep(), b.services.timers.sweep()]);
      expect(sweeps.map((sweep) => sweep.status)).toEqual(['fulfilled', 'fulfilled']);
      const fired = sweeps.reduce((sum, sweep) => sum + (sweep.status === 'fulfilled' ? sweep.value : 0), 0);
      expect(fired).toBe(count);
      expect(await Promise.all([a.services.timers.sweep(), b.services.timers.sweep()])).toEqual([0, 0]);
      total += count;
      expect(await countAudit(a, 'approval.timed_out')).toBe(total);
    }
    const timedOut = await a.services.store.audit.list('default', { afterSeq: 0, limit: 100_000, type: 'approval.timed_out' });
    expect(new Set(timedOut.map((event) => event.subject)).size).toBe(total);
    expect(timedOut.every((event) => event.actor === 'system')).toBe(true);
    expect((await a.services.audit.verify('default')).ok).toBe(true);
  });
});
