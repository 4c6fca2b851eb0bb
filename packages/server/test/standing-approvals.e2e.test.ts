// Standing approvals over real HTTP on SQLite and PostgreSQL: an approver's bounded yes covers
// exactly its agent, action type and constraints, for its time and uses, within the policy's bound;
// revoked or outside it, an action is a new request; racing uses (on two nodes too) never exceed it.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveConfig } from '../src/config/config.js';
import { startServer, type RunningServer } from '../src/server/start.js';
import { ManualClock } from '../src/util/clock.js';
import { createTestDatabase, DATABASES, type TestDatabase } from './helpers/databases.js';
import { runCli } from './helpers/cli-process.js';
import { client } from './helpers/http.js';
import { startTestServer, type Authed, type TestServer } from './helpers/in-process.js';

const POLICY = `
defaults:
  decision: ALLOW
  approvers: [ops]
rules:
  - name: scaling
    match: { action_type: scale }
    decision: REQUIRE_APPROVAL
    standing: { max_for: 8h, max_uses: 50 }
  - name: refunds
    match: { action_type: refund }
    decision: REQUIRE_APPROVAL
    standing: false
  - name: deploys
    match: { action_type: deploy }
    decision: REQUIRE_APPROVAL
    require: 2
    standing: { max_for: 8h }
  - name: no-drops
    match: { action_type: drop_database }
    decision: DENY
`;

const HOUR = 3_600_000;
let tickets = 0;
/** A scale action nobody has asked for before (a new ticket, so a new digest). */
const scale = (fields: Record<string, unknown> = {}) => {
  const ticket = ++tickets;
  // Replicas of its own unless given, so that no earlier standing approval covers it by chance.
  return { action_type: 'scale', environment: 'staging', replicas: 1000 + ticket, ticket, ...fields };
};

describe.each(DATABASES)('standing approvals on %s', (kind) => {
  let database: TestDatabase;
  let server: TestServer;
  let bot: Authed;
  let otherBot: Authed;
  let alice: Authed;
  let bob: Authed;
  let auditor: Authed;
  let admin: Authed;
  const clock = new ManualClock(Date.UTC(2026, 5, 1));

  /** Submits an action, has alice approve it with `standing`, and answers the vote. */
  async function grant(standing: Record<string, unknown>, action = scale()) {
    const submitted = await bot('POST', '/v1/actions', action);
    expect(submitted.body.status).toBe('pending');
    const voted = await alice('POST', `/v1/approvals/${submitted.body.approval.id}/votes`, { verdict: 'approve', standing });
    expect(voted.status, JSON.stringify(voted.body)).toBe(201);
    return { submitted, voted, standing: voted.body.standing_approval as { id: string; uses_left: number | null; approver_id: string } };
  }

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    server = await startTestServer(database.url, { 'policy.yaml': POLICY }, { clock });
    bot = await server.agent('scale-bot');
    otherBot = await server.agent('other-bot');
    alice = await server.person('alice', 'approver', { groups: ['ops'] });
    bob = await server.person('bob', 'approver', { groups: ['ops'] });
    auditor = await server.person('audrey', 'auditor');
    admin = await server.person('ada', 'admin');
  });
  afterAll(async () => {
    await server?.close();
    await database?.drop();
  });

  it('approves an action inside its constraints at once, with its own grant and digest', async () => {
    const { submitted, standing } = await grant({ for: '2h', uses: 3, constraints: { environment: 'staging', replicas: { lte: 8 } } });
    expect(standing).toMatchObject({ agent: 'scale-bot', action_type: 'scale', gate: 'scaling', uses: 3, uses_left: 3, active: true });

    const covered = await bot('POST', '/v1/actions', scale({ replicas: 8 }));
    expect(covered.status).toBe(201);
    expect(covered.body).toMatchObject({ decision: 'REQUIRE_APPROVAL', status: 'approved', standing_approval: standing.id });
    expect(covered.body.approval).toBeUndefined();
    expect(covered.body.grant.digest).toBe(covered.body.digest);
    expect(covered.body.digest).not.toBe(submitted.body.digest);
    // Its grant is its own: it runs exactly this action, once.
    const redeemed = await bot('POST', '/v1/grants/redeem', { grant: covered.body.grant.token, digest: covered.body.digest });
    expect(redeemed.status).toBe(200);
    expect((await bot('GET', `/v1/actions/${covered.body.id}`)).body.standing_approval).toBe(standing.id);

    const used = await admin('GET', `/v1/audit?type=standing.used&subject=${covered.body.id}`);
    expect(used.body.events).toHaveLength(1);
    expect(used.body.events[0]).toMatchObject({ actor: 'user:' + standing.approver_id, data: { standing_approval: standing.id } });
    const listed = (await alice('GET', '/v1/standing-approvals')).body.standing_approvals as { id: string; uses_left: number }[];
    expect(listed.find((s) => s.id === standing.id)?.uses_left).toBe(2);
  });

  it('says on the request what standing approval a vote may grant there, and names the approver in the list', async () => {
    const offer = async (action: Record<string, unknown>) => {
      const submitted = await bot('POST', '/v1/actions', action);
      return (await alice('GET', `/v1/approvals/${submitted.body.approval.id}`)).body.decision.standing;
    };
    expect(await offer(scale())).toEqual({ max_for: 8 * HOUR, max_uses: 50 });
    // `standing: false`, and a request two people approve: no vote grants one, so none is offered.
    expect(await offer({ action_type: 'refund', ticket: ++tickets })).toBeNull();
    expect(await offer({ action_type: 'deploy', ticket: ++tickets })).toBeNull();

    const { standing } = await grant({ for: '1h', uses: 2, constraints: { replicas: 105 } });
    const listed = (await bob('GET', '/v1/standing-approvals')).body.standing_approvals as { id: string; approver_name: string }[];
    expect(listed.find((s) => s.id === standing.id)?.approver_name).toBe('alice');
  });

  it('leaves outside its constraints, another agent and another action type to a new request', async () => {
    await grant({ for: '2h', uses: 10, constraints: { environment: 'staging', replicas: { lte: 8 } } });
    for (const [agent, action] of [
      [bot, scale({ replicas: 9 })],
      [bot, scale({ environment: 'production' })],
      [bot, { action_type: 'scale', ticket: ++tickets }],
      [otherBot, scale()],
      [bot, { action_type: 'refund', environment: 'staging', replicas: 1, ticket: ++tickets }],
    ] as const) {
      const reply = await agent('POST', '/v1/actions', action);
      expect(reply.body.status, JSON.stringify(action)).toBe('pending');
      expect(reply.body.standing_approval).toBeUndefined();
    }
    // Never for what the policy denies.
    expect((await bot('POST', '/v1/actions', { action_type: 'drop_database', ticket: ++tickets })).body.status).toBe('denied');
  });

  it('covers no more than its uses, even when they race', async () => {
    const { standing } = await grant({ for: '2h', uses: 4, constraints: { replicas: 100 } });
    const replies = await Promise.all(Array.from({ length: 10 }, () => bot('POST', '/v1/actions', scale({ replicas: 100 }))));
    const covered = replies.filter((reply) => reply.body.standing_approval === standing.id);
    expect(covered).toHaveLength(4);
    expect(replies.filter((reply) => reply.body.status === 'pending')).toHaveLength(6);
    const after = (await alice('GET', '/v1/standing-approvals')).body.standing_approvals.find((s: { id: string }) => s.id === standing.id);
    expect(after).toMatchObject({ uses_left: 0, active: false });
    expect(
      (await alice('GET', '/v1/standing-approvals?active=true')).body.standing_approvals.map((s: { id: string }) => s.id),
    ).not.toContain(standing.id);
  });

  it('ends when its time is up', async () => {
    const { standing } = await grant({ for: '1h', uses: 10, constraints: { replicas: 101 } });
    clock.advance(HOUR - 1);
    expect((await bot('POST', '/v1/actions', scale({ replicas: 101 }))).body.standing_approval).toBe(standing.id);
    clock.advance(1);
    expect((await bot('POST', '/v1/actions', scale({ replicas: 101 }))).body.status).toBe('pending');
  });

  it('covers nothing once revoked, and says who revoked it on the trail', async () => {
    const { standing } = await grant({ for: '2h', uses: 10, constraints: { replicas: 102 } });
    // An auditor reads the list but may not revoke; another tenant's id is unknown.
    expect((await auditor('GET', '/v1/standing-approvals')).status).toBe(200);
    expect((await auditor('DELETE', `/v1/standing-approvals/${standing.id}`)).status).toBe(403);
    expect((await bob('DELETE', '/v1/standing-approvals/sta_unknown')).body.error.code).toBe('standing.not_found');
    const revoked = await bob('DELETE', `/v1/standing-approvals/${standing.id}`);
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ id: standing.id, active: false, revoked_by: expect.any(String) });
    expect((await bot('POST', '/v1/actions', scale({ replicas: 102 }))).body.status).toBe('pending');
    const trail = await admin('GET', `/v1/audit?type=standing.revoked&subject=${standing.id}`);
    expect(trail.body.events).toHaveLength(1);
  });

  it.runIf(kind === 'sqlite')('lists and revokes from the command line', { timeout: 60_000 }, async () => {
    const { standing } = await grant({ for: '2h', uses: 10, constraints: { replicas: 104 } });
    const tollgate = (args: string[]) =>
      runCli([...args, '--server', server.url], {
        env: { TOLLGATE_TOKEN: bob.token, TOLLGATE_URL: undefined, TOLLGATE_SERVER: undefined },
      });
    const listed = await tollgate(['approvals', 'standing', 'list', '--active']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toContain(`${standing.id}  active  scale-bot scale (scaling)  10 uses left`);
    expect(listed.stdout).toContain('where replicas eq 104');
    const revoked = await tollgate(['approvals', 'standing', 'revoke', standing.id]);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout.trim()).toBe(`${standing.id}: revoked`);
    expect((await tollgate(['approvals', 'standing', 'list', '--active'])).stdout).not.toContain(standing.id);
    expect((await bot('POST', '/v1/actions', scale({ replicas: 104 }))).body.status).toBe('pending');
  });

  it('refuses a standing approval wider than the policy allows, with its code, and changes nothing', async () => {
    const pendingScale = await bot('POST', '/v1/actions', scale());
    const vote = (body: Record<string, unknown>, id = pendingScale.body.approval.id) => alice('POST', `/v1/approvals/${id}/votes`, body);
    const refusals: [Record<string, unknown>, string, string][] = [
      [{ verdict: 'approve', standing: { for: '9h', uses: 5 } }, 'standing.too_wide', 'standing.for'],
      [{ verdict: 'approve', standing: { for: '1h', uses: 51 } }, 'standing.too_wide', 'standing.uses'],
      [{ verdict: 'approve', standing: { for: '1h' } }, 'standing.too_wide', 'standing.uses'],
      [
        { verdict: 'approve', standing: { for: '1h', uses: 2, constraints: { agent: 'other-bot' } } },
        'standing.across_agents',
        'standing.constraints.agent',
      ],
      [{ verdict: 'deny', note: 'no', standing: { for: '1h', uses: 2 } }, 'standing.approve_only', 'standing'],
      [{ verdict: 'approve', standing: { for: '1h', uses: 2, always: true } }, 'vote.invalid', 'standing.always'],
      [
        { verdict: 'approve', standing: { for: '1h', uses: 2, constraints: { replicas: { under: 3 } } } },
        'vote.invalid',
        'standing.constraints.replicas.under',
      ],
    ];
    for (const [body, code, field] of refusals) {
      const reply = await vote(body);
      expect(reply.status, JSON.stringify(body)).toBe(400);
      expect(reply.body.error).toMatchObject({ code, details: { field } });
    }
    const still = await alice('GET', `/v1/approvals/${pendingScale.body.approval.id}`);
    expect(still.body).toMatchObject({ status: 'pending', votes: [] });

    const refund = await bot('POST', '/v1/actions', { action_type: 'refund', ticket: ++tickets });
    expect((await vote({ verdict: 'approve', standing: { for: '1h' } }, refund.body.approval.id)).body.error.code).toBe(
      'standing.not_allowed',
    );
    // Two approvers decide a deploy: no single vote is the whole yes, so none grants a standing approval.
    const deploy = await bot('POST', '/v1/actions', { action_type: 'deploy', ticket: ++tickets });
    expect((await vote({ verdict: 'approve', standing: { for: '1h' } }, deploy.body.approval.id)).body.error.code).toBe(
      'standing.not_allowed',
    );
    expect(
      (await alice('GET', '/v1/standing-approvals')).body.standing_approvals.every((s: { gate: string }) => s.gate === 'scaling'),
    ).toBe(true);
  });

  it('ends standing approvals that a new policy version would not allow', async () => {
    const { standing } = await grant({ for: '2h', uses: 20, constraints: { replicas: 103 } });
    expect((await bot('POST', '/v1/actions', scale({ replicas: 103 }))).body.standing_approval).toBe(standing.id);
    writeFileSync(join(server.policyDir, 'policy.yaml'), POLICY.replace('max_uses: 50', 'max_uses: 10'));
    expect((await admin('POST', '/v1/policy/reload')).status).toBe(200);
    try {
      expect((await bot('POST', '/v1/actions', scale({ replicas: 103 }))).body.status).toBe('pending');
    } finally {
      writeFileSync(join(server.policyDir, 'policy.yaml'), POLICY);
      await admin('POST', '/v1/policy/reload');
    }
  });
});

describe('standing approval uses racing on two nodes of one PostgreSQL', () => {
  let database: TestDatabase;
  let a: RunningServer;
  let b: RunningServer;

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    const policyDir = (await import('node:fs')).mkdtempSync(join((await import('node:os')).tmpdir(), 'tollgate-standing-'));
    writeFileSync(join(policyDir, 'policy.yaml'), POLICY);
    const config = serveConfig({ db: database.url, policy: policyDir, port: 0, rateLimit: 0 }, { TOLLGATE_SECRET: 'shared-secret' });
    a = await startServer(config, { logger: false, watchPolicy: false, timerIntervalMs: 0 });
    b = await startServer(config, { logger: false, watchPolicy: false, timerIntervalMs: 0 });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await database?.drop();
  });

  it('never covers more actions than its uses', async () => {
    await a.services.auth.addUser({ name: 'alice', password: 'alice-password', role: 'approver', groups: ['ops'] });
    const alice = client(a.url, (await a.services.auth.login('alice', 'alice-password')).token);
    const secret = (await a.services.auth.createKey('scale-bot')).secret;
    const onA = client(a.url, secret);
    const onB = client(b.url, secret);
    const first = await onA('POST', '/v1/actions', scale());
    const voted = await alice('POST', `/v1/approvals/${first.body.approval.id}/votes`, {
      verdict: 'approve',
      standing: { for: '1h', uses: 5, constraints: { replicas: 7 } },
    });
    expect(voted.status).toBe(201);
    const replies = await Promise.all(
      Array.from({ length: 16 }, (_, i) => (i % 2 === 0 ? onA : onB)('POST', '/v1/actions', scale({ replicas: 7 }))),
    );
    expect(replies.every((reply) => reply.status === 201)).toBe(true);
    expect(replies.filter((reply) => reply.body.standing_approval === voted.body.standing_approval.id)).toHaveLength(5);
    expect(replies.filter((reply) => reply.body.status === 'pending')).toHaveLength(11);
  });
});
