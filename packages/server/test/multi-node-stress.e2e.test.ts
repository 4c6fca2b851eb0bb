// Several nodes on one PostgreSQL schema under load: 10,000 due deadlines swept by three nodes at
// once fire once each, concurrent votes spread over three nodes decide each request exactly once,
// and a node killed mid-vote loses no vote it answered and leaves no request half-decided.

import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextTimer, reduceWorkflow, singleStepWorkflow, type WorkflowEvent } from '@tollgate/core';
import { serveConfig } from '../src/config/config.js';
import { startServer, type RunningServer } from '../src/server/start.js';
import { appendAudit, type AuditDraft } from '../src/services/audit-chain.js';
import { AuthService } from '../src/services/auth-service.js';
import { actionDigest } from '../src/services/decision-service.js';
import { openStore } from '../src/stores/open-store.js';
import type { ApprovalRecord, AuditEvent } from '../src/stores/records.js';
import type { Store } from '../src/stores/store.js';
import { ManualClock, systemClock } from '../src/util/clock.js';
import { newId } from '../src/util/ids.js';
import { createTestDatabase, POSTGRES_URL, type TestDatabase } from './helpers/databases.js';
import { client, type Reply } from './helpers/http.js';
import { startTestServer, type TestServer } from './helpers/in-process.js';
import { startServerProcess, type ServerProcess } from './helpers/server-process.js';

const MINUTE = 60_000;
const TENANT = 'default';

function policyFolder(text: string): string {
  const folder = mkdtempSync(join(tmpdir(), 'tollgate-stress-'));
  writeFileSync(join(folder, 'policy.yaml'), text);
  return folder;
}

/** Every audit event of `type`, paged (the store answers at most 1,000 at a time). */
async function auditEvents(store: Store, type: string): Promise<AuditEvent[]> {
  const found: AuditEvent[] = [];
  for (;;) {
    const page = await store.audit.list(TENANT, { afterSeq: found.at(-1)?.seq ?? 0, limit: 1000, type });
    found.push(...page);
    if (page.length < 1000) return found;
  }
}

/** Events grouped by subject, each group in chain (commit) order. */
function bySubject(events: AuditEvent[]): Map<string, AuditEvent[]> {
  const groups = new Map<string, AuditEvent[]>();
  for (const event of events) groups.set(event.subject!, [...(groups.get(event.subject!) ?? []), event]);
  return groups;
}

/** Runs `work` on every item, `width` at a time. */
async function inParallel<T>(items: T[], width: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const index = next++;
        await work(items[index]!, index);
      }
    }),
  );
}

/**
 * Read-only counts straight from the schema. The store offers no count of grants or votes per
 * request, and a second grant row for one action is exactly the bug these tests must catch.
 */
async function countRows(url: string, query: string): Promise<Map<string, number>> {
  const schema = new URL(url).searchParams.get('schema')!;
  const connection = new pg.Client({ connectionString: POSTGRES_URL });
  await connection.connect();
  try {
    await connection.query(`set search_path to ${schema}`);
    const { rows } = await connection.query<{ key: string; n: string }>(query);
    return new Map(rows.map((row) => [row.key, Number(row.n)]));
  } finally {
    await connection.end();
  }
}
const votesPerRequest = (url: string) => countRows(url, 'select approval_id as key, count(*) as n from votes group by approval_id');
const grantsPerAction = (url: string) => countRows(url, 'select action_id as key, count(*) as n from grants group by action_id');

describe('three nodes sweeping 10,000 due deadlines on one PostgreSQL schema', () => {
  const TIMERS = 10_000;
  const ON_CALL = ['olive', 'oscar'];
  const onCallIds: string[] = [];
  /** Made over HTTP, one per node: the reference the bulk-made requests are checked against. */
  const OVER_HTTP = 3;
  /** Requests made in one transaction when seeding. */
  const PER_TRANSACTION = 500;
  // Two people are on call: each request is routed to one of them, and its timeout lowers that
  // person's open count. Concurrent sweeps on three nodes close requests of both in every order,
  // which deadlocked while each transaction moved the counts in its requests' order.
  const POLICY = `
defaults: { decision: ALLOW, timeout: 10m, on_timeout: deny }
rules:
  - name: production-scaling
    match: { environment: production, action_type: scale }
    decision: REQUIRE_APPROVAL
    approvers: [on-call]
`;
  const clock = new ManualClock(Date.UTC(2026, 10, 27, 9));
  let database: TestDatabase;
  let policy: string;
  let nodes: RunningServer[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    policy = policyFolder(POLICY);
    const config = serveConfig({ db: database.url, policy, port: 0, host: '127.0.0.1', rateLimit: 0 }, {});
    // Sweeping is left to the test (timerIntervalMs 0), so that the three sweeps start together.
    for (let i = 0; i < 3; i++) nodes.push(await startServer(config, { clock, logger: false, watchPolicy: false, timerIntervalMs: 0 }));
    for (const name of ON_CALL) {
      const user = await nodes[0]!.services.auth.addUser({ name, password: `${name}-password`, role: 'approver', groups: ['on-call'] });
      onCallIds.push(user.id);
    }
  }, 30_000);

  afterAll(async () => {
    for (const node of nodes) await node.close();
    nodes = [];
    await database?.drop();
    if (policy !== undefined) rmSync(policy, { recursive: true, force: true });
  }, 30_000);

  /**
   * Pending requests made in bulk, `PER_TRANSACTION` to a transaction, as the decision path makes
   * them (DecisionService.startApproval): the live policy decides the action, and the workflow
   * reducer's `start` gives the request its state and deadline. Submitting 10,000 over HTTP takes
   * about 40 s on PostgreSQL (docs/performance.md: 230–240 /s); this takes a few seconds.
   */
  async function seedPending(node: RunningServer, agent: string, from: number, count: number): Promise<string[]> {
    const { store, policies, clock: now } = node.services;
    const live = policies.for('default').current();
    const { timeout, on_timeout } = live.bundle.defaults;
    const at = now.now();
    const ids: string[] = [];
    await store.transaction(async (scope) => {
      const audit: AuditDraft[] = [];
      for (let n = from; n < from + count; n++) {
        const action = { action_type: 'scale', environment: 'production', replicas: n, agent };
        const id = newId('act', at);
        const digest = actionDigest(action);
        const evaluation = live.evaluate(action, { now: at, actionId: id });
        expect(evaluation.decision).toBe('REQUIRE_APPROVAL');
        const start: WorkflowEvent = {
          type: 'start',
          workflow: singleStepWorkflow(evaluation.route, live.bundle.defaults),
          action,
          digest,
          requester: null,
          defaults: { ...(timeout === undefined ? {} : { timeout }), ...(on_timeout === undefined ? {} : { on_timeout }) },
        };
        const started = reduceWorkflow(null, start, at);
        if (!started.ok) throw new Error(started.refusal.message);
        const approvalId = newId('apr', at);
        await scope.actions.insert({
          id,
          tenant_id: TENANT,
          agent,
          action_type: 'scale',
          environment: 'production',
          capability: null,
          payload: action,
          digest,
          idempotency_key: null,
          decision: evaluation.decision,
          status: 'pending',
          evaluation,
          risk: evaluation.risk,
          autonomy_level: evaluation.autonomy_level,
          policy_version: evaluation.policy_version,
          revision_of: null,
          created_at: at,
          decided_at: null,
          outcome: null,
        });
        await scope.approvals.insert({
          id: approvalId,
          tenant_id: TENANT,
          action_id: id,
          digest,
          policy_version: evaluation.policy_version,
          status: 'pending',
          approvers: evaluation.route?.approvers ?? [],
          require: evaluation.route?.require ?? 1,
          criteria: [],
          modifiable: null,
          workflow: null,
          requested_by: agent,
          created_at: at,
          // The request's next timer, as the workflow runner stores it: the stage's deadline.
          deadline: nextTimer(started.state),
          decided_at: null,
          resolution: null,
          version: 1,
          state: started.state,
        });
        await scope.approvalEvents.append({ approval_id: approvalId, seq: 1, tenant_id: TENANT, event: start, at });
        // Routed as the runner routes a stage: to the on-call people in turn.
        await scope.assignments.add([
          {
            approval_id: approvalId,
            step_id: started.state.steps[0]!.id,
            user_id: onCallIds[n % onCallIds.length]!,
            tenant_id: TENANT,
            assigned_at: at,
            closed_at: null,
          },
        ]);
        audit.push(
          { type: 'action.decided', actor: `agent:${agent}`, subject: id, data: { decision: evaluation.decision, digest } },
          { type: 'approval.requested', actor: 'system', subject: approvalId, data: { action_id: id, workflow: 'approval', digest } },
        );
        ids.push(approvalId);
      }
      await appendAudit(scope, TENANT, audit, at);
    });
    return ids;
  }

  it('fires each of 10,000 deadlines exactly once when all three sweep at the same time', { timeout: 60_000 }, async () => {
    const [first] = nodes as [RunningServer];
    const { secret } = await first.services.auth.createKey('scale-bot');
    const overHttp = await Promise.all(
      nodes.slice(0, OVER_HTTP).map(async (node, n) => {
        const reply = await client(node.url, secret)('POST', '/v1/actions', {
          action_type: 'scale',
          environment: 'production',
          replicas: n,
        });
        expect(reply.body.status).toBe('pending');
        return reply.body.approval.id as string;
      }),
    );

    const seeding = performance.now();
    const batches = Array.from({ length: Math.ceil((TIMERS - OVER_HTTP) / PER_TRANSACTION) }, (_, b) => OVER_HTTP + b * PER_TRANSACTION);
    const seeded: string[] = [];
    // Six transactions at once, about two on each node's pool.
    await inParallel(batches, 6, async (from, b) => {
      seeded.push(...(await seedPending(nodes[b % 3]!, 'scale-bot', from, Math.min(PER_TRANSACTION, TIMERS - from))));
    });
    const seededMs = performance.now() - seeding;
    const approvalIds = new Set([...overHttp, ...seeded]);
    expect(approvalIds.size).toBe(TIMERS);

    // A request made in bulk is stored as one made over HTTP is, but for its own ids and action.
    const { store } = first.services;
    const shape = (approval: ApprovalRecord | undefined) => ({
      ...approval!,
      id: undefined,
      action_id: undefined,
      digest: undefined,
      state: { ...approval!.state!, action: undefined, digest: undefined },
    });
    expect(shape(await store.approvals.get(TENANT, seeded[0]!))).toEqual(shape(await store.approvals.get(TENANT, overHttp[0]!)));

    // Nothing is due yet; then every deadline passes at once.
    expect(await Promise.all(nodes.map((node) => node.services.timers.sweep()))).toEqual([0, 0, 0]);
    clock.advance(11 * MINUTE);
    const sweeping = performance.now();
    const perNode = [0, 0, 0];
    for (let round = 0; ; round++) {
      expect(round, 'the sweeps did not settle').toBeLessThan(10);
      const fired = await Promise.all(nodes.map((node) => node.services.timers.sweep()));
      fired.forEach((count, i) => (perNode[i]! += count));
      if (fired.every((count) => count === 0)) break;
    }
    const sweptMs = performance.now() - sweeping;
    console.log(
      `10,000 due deadlines, three in-process nodes on one PostgreSQL schema: swept in ${Math.round(sweptMs)} ms ` +
        `(fired per node: ${perNode.join(', ')}; made in ${Math.round(seededMs)} ms)`,
    );
    expect(perNode.reduce((sum, count) => sum + count, 0)).toBe(TIMERS);
    // Every node took a share: the sweeps really ran side by side.
    expect(perNode.every((count) => count > 0)).toBe(true);

    // One timeout event per request, for exactly the requests made, each by the system.
    const timedOut = await auditEvents(store, 'approval.timed_out');
    expect(timedOut).toHaveLength(TIMERS);
    const subjects = new Set(timedOut.map((event) => event.subject));
    expect(subjects.size).toBe(TIMERS);
    expect([...approvalIds].filter((id) => !subjects.has(id))).toEqual([]);
    expect(timedOut.every((event) => event.actor === 'system' && event.data.status === 'timed_out')).toBe(true);

    // The policy's on_timeout is `deny`: each request and its action ended as timed out, no grant.
    const statuses = await countRows(database.url, 'select status as key, count(*) as n from approvals group by status');
    expect(Object.fromEntries(statuses)).toEqual({ timed_out: TIMERS });
    expect(await store.actions.count(TENANT, { status: ['timed_out'] })).toBe(TIMERS);
    expect(await store.actions.count(TENANT, { status: ['pending'] })).toBe(0);
    expect((await grantsPerAction(database.url)).size).toBe(0);

    // Both people had requests routed to them, and every one of those closed: no open load is left.
    const assigned = await countRows(database.url, 'select user_id as key, count(*) as n from assignments group by user_id');
    expect(assigned.size).toBe(ON_CALL.length);
    const loads = await countRows(database.url, 'select user_id as key, open_count as n from assignment_loads');
    expect([...loads.values()]).toEqual(ON_CALL.map(() => 0));

    const verified = await nodes[1]!.services.audit.verify(TENANT);
    expect(verified.problems).toEqual([]);
    expect(verified.ok).toBe(true);
  });
});

/** Production migrations need two people of `approvers`. */
const REQUIRE_TWO = `
defaults: { decision: ALLOW }
rules:
  - name: production-migrations
    match: { action_type: migrate, environment: production }
    decision: REQUIRE_APPROVAL
    approvers: [approvers]
    require: 2
`;

describe('concurrent votes on require-2 requests across three nodes', () => {
  const POLICY = REQUIRE_TWO;
  const APPROVERS = ['ann', 'ben', 'cat'];
  let database: TestDatabase;
  let nodes: TestServer[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    for (let i = 0; i < 3; i++) nodes.push(await startTestServer(database.url, { 'policy.yaml': POLICY }));
  }, 30_000);

  afterAll(async () => {
    for (const node of nodes) await node.close();
    nodes = [];
    await database?.drop();
  }, 30_000);

  type Case = 'two-approve' | 'three-approve' | 'deny-and-two-approve';
  interface Vote {
    request: number;
    voter: string;
    verdict: 'approve' | 'deny';
    reply?: Reply;
  }

  it('decides every request exactly once, whichever node each vote reaches', { timeout: 30_000 }, async () => {
    const [a, b, c] = nodes as [TestServer, TestServer, TestServer];
    // Sessions live in the database: a person signed in once is signed in on every node.
    const people = new Map<string, { id: string; token: string }>();
    for (const name of APPROVERS) {
      const signedIn = await a.person(name, 'approver', { groups: ['approvers'] });
      const user = await a.services.store.users.findByName(TENANT, name);
      people.set(name, { id: user!.id, token: signedIn.token });
    }
    const agent = await b.agent('migration-bot');

    // 14 + 13 + 13 requests: 28 + 39 + 39 = 106 votes.
    const cases: Case[] = Array.from({ length: 40 }, (_, i) =>
      i < 14 ? 'two-approve' : i < 27 ? 'three-approve' : 'deny-and-two-approve',
    );
    // One at a time: the votes are what this test races, not the submissions.
    const requests: { kind: Case; actionId: string; approvalId: string }[] = [];
    for (const [i, kind] of cases.entries()) {
      const submitted = await agent('POST', '/v1/actions', { action_type: 'migrate', environment: 'production', migration: i });
      expect(submitted.body.status).toBe('pending');
      requests.push({ kind, actionId: submitted.body.id as string, approvalId: submitted.body.approval.id as string });
    }
    const votes: Vote[] = requests.flatMap((request, i): Vote[] => {
      // Rotate who votes (and who denies), so that every pair of people races somewhere.
      const voters = [0, 1, 2].map((k) => APPROVERS[(i + k) % 3]!);
      if (request.kind === 'two-approve') return voters.slice(0, 2).map((voter) => ({ request: i, voter, verdict: 'approve' }));
      if (request.kind === 'three-approve') return voters.map((voter) => ({ request: i, voter, verdict: 'approve' }));
      return voters.map((voter, k) => ({ request: i, voter, verdict: k === i % 3 ? 'deny' : 'approve' }));
    });
    expect(votes.length).toBeGreaterThanOrEqual(100);

    // All at once, round-robin over the nodes: the votes of one request land on different nodes.
    await Promise.all(
      votes.map(async (vote, i) => {
        const { token } = people.get(vote.voter)!;
        vote.reply = await client(nodes[i % 3]!.url, token)('POST', `/v1/approvals/${requests[vote.request]!.approvalId}/votes`, {
          verdict: vote.verdict,
          ...(vote.verdict === 'deny' ? { note: 'not during the freeze' } : {}),
        });
      }),
    );

    // A vote is either taken (201) or refused because the request is decided already (409).
    for (const vote of votes) {
      expect([201, 409], JSON.stringify(vote.reply!.body)).toContain(vote.reply!.status);
      if (vote.reply!.status === 409) {
        expect(vote.reply!.body).toEqual({ error: { code: 'approval.closed', message: expect.any(String) } });
      }
    }

    const { store } = c.services;
    const voteRows = await votesPerRequest(database.url);
    const grants = await grantsPerAction(database.url);
    const cast = bySubject(await auditEvents(store, 'vote.cast'));
    const decided = bySubject(await auditEvents(store, 'approval.decided'));
    const issued = bySubject(await auditEvents(store, 'grant.issued'));
    const outcomes = { approved: 0, denied: 0 };

    for (const [i, request] of requests.entries()) {
      const mine = votes.filter((vote) => vote.request === i);
      const accepted = mine.filter((vote) => vote.reply!.status === 201);
      const approval = await store.approvals.get(TENANT, request.approvalId);
      const rows = await store.votes.listByApproval(TENANT, request.approvalId);
      const where = `${request.kind} request ${i} (${request.approvalId})`;

      // Every vote answered 201 is stored, and no refused vote is.
      expect(rows.map((row) => row.user_id).sort(), where).toEqual(accepted.map((vote) => people.get(vote.voter)!.id).sort());
      expect(voteRows.get(request.approvalId) ?? 0, where).toBe(accepted.length);

      // The votes in the order they committed (the audit chain is numbered at commit): the request
      // ends at the first deny, or at the second approval, and nothing is taken after that.
      const sequence = (cast.get(request.approvalId) ?? []).map((event) => event.data.verdict as string);
      expect(sequence, where).toHaveLength(accepted.length);
      let expected: 'approved' | 'denied' | 'pending' = 'pending';
      let decisive = -1;
      for (const [k, verdict] of sequence.entries()) {
        if (verdict === 'deny' || sequence.slice(0, k + 1).filter((v) => v === 'approve').length === 2) {
          expected = verdict === 'deny' ? 'denied' : 'approved';
          decisive = k;
          break;
        }
      }
      expect(decisive, `${where}: votes committed after the decision: ${sequence.join(', ')}`).toBe(sequence.length - 1);
      expect(approval!.status, where).toBe(expected);
      outcomes[expected as 'approved' | 'denied']++;

      // One decision per request, and a grant only for an approval: never both a grant and a denial.
      const decisions = decided.get(request.approvalId) ?? [];
      expect(decisions, where).toHaveLength(1);
      expect(decisions[0]!.data.status).toBe(expected === 'approved' ? 'completed' : 'denied');
      expect(grants.get(request.actionId) ?? 0, where).toBe(expected === 'approved' ? 1 : 0);
      expect(issued.get(request.actionId) ?? [], where).toHaveLength(expected === 'approved' ? 1 : 0);

      if (request.kind === 'two-approve') {
        expect(expected, where).toBe('approved');
        expect(accepted, where).toHaveLength(2);
      }
      if (request.kind === 'three-approve') {
        expect(expected, where).toBe('approved');
        expect(accepted, where).toHaveLength(2);
      }
      if (request.kind === 'deny-and-two-approve') {
        // Denied if the deny committed first or second; approved (the deny refused) if third.
        expect(accepted.length, where).toBe(expected === 'approved' ? 2 : sequence.indexOf('deny') + 1);
      }

      // The agent, asking any node, sees the outcome (and the grant when approved).
      const seen = await client(nodes[(i + 1) % 3]!.url, agent.token)('GET', `/v1/actions/${request.actionId}`);
      expect(seen.body.status, where).toBe(expected);
      if (expected === 'approved') expect(seen.body.grant).toMatchObject({ digest: seen.body.digest, used: false });
      else expect(seen.body.grant).toBeUndefined();
    }
    expect(outcomes.approved + outcomes.denied).toBe(requests.length);
    console.log(`106 concurrent votes on 40 requests over three nodes: ${outcomes.approved} approved, ${outcomes.denied} denied`);

    expect([...decided.keys()].sort()).toEqual(requests.map((request) => request.approvalId).sort());
    const verified = await a.services.audit.verify(TENANT);
    expect(verified.problems).toEqual([]);
    expect(verified.ok).toBe(true);
  });
});

describe('a node killed mid-vote (SIGKILL), two processes on one PostgreSQL schema', () => {
  const POLICY = REQUIRE_TWO;
  const APPROVERS = ['dan', 'eve', 'fay'];
  const REQUESTS = 120;
  /** Votes in flight at once, spread over both nodes. */
  const WIDTH = 16;
  /** The kill comes once this many votes were answered: about a third of the way. */
  const KILL_AFTER_ANSWERS = 80;

  let database: TestDatabase;
  let policy: string;
  let processes: ServerProcess[] = [];
  let observer: Store;
  const tokens = new Map<string, string>();
  const ids = new Map<string, string>();
  let agentKey: string;
  let adminPassword: string;

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    policy = policyFolder(POLICY);
    // People and the agent's key go straight into the database, as `tollgate users add` does.
    observer = await openStore(database.url);
    await observer.migrate();
    const auth = new AuthService({ store: observer, clock: systemClock });
    for (const name of APPROVERS) {
      const user = await auth.addUser({ name, password: `${name}-password`, role: 'approver', groups: ['approvers'] });
      ids.set(name, user.id);
    }
    adminPassword = 'ada-password';
    await auth.addUser({ name: 'ada', password: adminPassword, role: 'admin' });
    agentKey = (await auth.createKey('migration-bot')).secret;
    processes = await Promise.all([0, 1].map(() => startServerProcess({ db: database.url, policy })));
    for (const name of APPROVERS) {
      const session = await client(processes[0]!.url)('POST', '/v1/auth/login', { name, password: `${name}-password` });
      expect(session.status).toBe(200);
      tokens.set(name, session.body.token);
    }
  }, 30_000);

  afterAll(async () => {
    for (const server of processes) await server.stop('SIGKILL');
    processes = [];
    await observer?.close();
    await database?.drop();
    if (policy !== undefined) rmSync(policy, { recursive: true, force: true });
  }, 30_000);

  it('keeps every answered vote and leaves every request consistent', { timeout: 40_000 }, async () => {
    const [survivor, victim] = processes as [ServerProcess, ServerProcess];
    const agent = client(survivor.url, agentKey);
    // Submitted one at a time, alternately to both nodes; the votes are what this test races.
    const requests: { actionId: string; approvalId: string }[] = [];
    for (let i = 0; i < REQUESTS; i++) {
      const submitted = await client(processes[i % 2]!.url, agentKey)('POST', '/v1/actions', {
        action_type: 'migrate',
        environment: 'production',
        migration: i,
      });
      expect(submitted.body.status).toBe('pending');
      requests.push({ actionId: submitted.body.id as string, approvalId: submitted.body.approval.id as string });
    }
    // Two approvals per request, from a rotating pair, the two sent to different nodes at about
    // the same time (request-major order), so that many pairs race on one row across nodes.
    interface CastVote {
      request: number;
      voter: string;
      node: 0 | 1;
      status?: number;
      code?: string;
      failed?: string;
      afterKill: boolean;
    }
    const votes: CastVote[] = requests.flatMap((_, i) =>
      [0, 1].map((k) => ({ request: i, voter: APPROVERS[(i + k) % 3]!, node: ((i + k) % 2) as 0 | 1, afterKill: false })),
    );

    let answered = 0;
    let killed = false;
    const kill = (): void => {
      killed = true;
      victim.child.kill('SIGKILL');
    };
    await inParallel(votes, WIDTH, async (vote) => {
      vote.afterKill = killed;
      const url = processes[vote.node]!.url;
      try {
        const reply = await client(url, tokens.get(vote.voter))('POST', `/v1/approvals/${requests[vote.request]!.approvalId}/votes`, {
          verdict: 'approve',
        });
        vote.status = reply.status;
        vote.code = reply.body?.error?.code;
        if (++answered === KILL_AFTER_ANSWERS) kill();
      } catch (error) {
        // No answer: the node is gone (the connection was refused or cut).
        vote.failed = String((error as Error).cause ?? error);
      }
    });
    expect(killed).toBe(true);
    const [, signal] =
      victim.child.signalCode === null ? ((await once(victim.child, 'exit')) as [number | null, string]) : [0, victim.child.signalCode];
    expect(signal).toBe('SIGKILL');

    // Only the killed node may leave a vote unanswered; everything answered was a 201 (two
    // distinct people per request, so nothing is refused).
    expect(votes.filter((vote) => vote.failed !== undefined && vote.node === 0)).toEqual([]);
    expect(votes.filter((vote) => vote.status !== undefined && vote.status !== 201)).toEqual([]);
    const unanswered = votes.filter((vote) => vote.failed !== undefined);
    expect(unanswered.length).toBeGreaterThan(0);
    // The survivor went on answering after the kill.
    expect(votes.filter((vote) => vote.afterKill && vote.node === 0 && vote.status === 201).length).toBeGreaterThan(0);

    /** What the database holds for each request, read over the observer's own connections. */
    const stored = () =>
      Promise.all(
        requests.map(async (request) => ({
          voters: (await observer.votes.listByApproval(TENANT, request.approvalId)).map((row) => row.user_id),
          approval: (await observer.approvals.get(TENANT, request.approvalId))!.status,
          action: (await observer.actions.get(TENANT, request.actionId))!.status,
        })),
      );
    /** Checks every request against its stored votes and grants; returns what was stored. */
    const expectConsistent = async (): Promise<Awaited<ReturnType<typeof stored>>> => {
      const now = await stored();
      const grants = await grantsPerAction(database.url);
      for (const [i, request] of requests.entries()) {
        const where = `request ${i} (${request.approvalId})`;
        const { voters, approval, action } = now[i]!;
        // Every vote answered 201 is stored.
        for (const vote of votes.filter((v) => v.request === i && v.status === 201))
          expect(voters, `${where}: the answered vote of ${vote.voter} is lost`).toContain(ids.get(vote.voter));
        // Approved with exactly two votes and one grant, or still pending with fewer and none.
        if (voters.length === 2) {
          expect({ approval, action, grants: grants.get(request.actionId) }, where).toEqual({
            approval: 'approved',
            action: 'approved',
            grants: 1,
          });
        } else {
          expect(voters.length, where).toBeLessThan(2);
          expect({ approval, action, grants: grants.get(request.actionId) }, where).toEqual({
            approval: 'pending',
            action: 'pending',
            grants: undefined,
          });
        }
      }
      // Each stored vote has its audit event (one transaction), and no event lacks its vote.
      const cast = await auditEvents(observer, 'vote.cast');
      expect(cast).toHaveLength(now.reduce((sum, request) => sum + request.voters.length, 0));
      return now;
    };
    const atKill = await expectConsistent();

    // The people whose vote got no answer try again on the survivor. A vote that committed before
    // the kill is refused as a repeat (or, its request decided, as closed); any other is taken now.
    let committedUnanswered = 0;
    await inParallel(unanswered, 8, async (vote) => {
      const committed = atKill[vote.request]!.voters.includes(ids.get(vote.voter)!);
      if (committed) committedUnanswered++;
      const reply = await client(survivor.url, tokens.get(vote.voter))(
        'POST',
        `/v1/approvals/${requests[vote.request]!.approvalId}/votes`,
        { verdict: 'approve' },
      );
      if (committed) {
        expect(reply.status, JSON.stringify(reply.body)).toBe(409);
        expect(['approval.already_voted', 'approval.closed']).toContain(reply.body.error.code);
      } else {
        expect(reply.status, JSON.stringify(reply.body)).toBe(201);
      }
    });
    const settled = await expectConsistent();
    expect(settled.every((request) => request.approval === 'approved')).toBe(true);
    const approvedAtKill = atKill.filter((request) => request.approval === 'approved').length;
    console.log(
      `SIGKILL mid-vote: ${votes.length} votes over two processes, ${votes.length - unanswered.length} answered (all stored), ` +
        `${unanswered.length} unanswered (${committedUnanswered} of them had committed); ` +
        `${approvedAtKill} of ${REQUESTS} requests approved at the kill, all once retried on the survivor`,
    );
    const seen = await agent('GET', `/v1/actions/${requests.at(-1)!.actionId}`);
    expect(seen.body).toMatchObject({ status: 'approved', grant: { used: false } });

    // The killed node comes back on the same schema; the chain it and the survivor wrote holds.
    const restarted = await startServerProcess({ db: database.url, policy });
    processes[1] = restarted;
    const session = await client(restarted.url)('POST', '/v1/auth/login', { name: 'ada', password: adminPassword });
    const verified = await client(restarted.url, session.body.token)('GET', '/v1/audit/verify');
    expect(verified.status).toBe(200);
    expect(verified.body).toMatchObject({ ok: true, problems: [] });
    const again = await client(restarted.url, agentKey)('GET', `/v1/actions/${requests[0]!.actionId}`);
    expect(again.body.status).toBe('approved');
  });
});
