// A standing approval is one approver's yes for one agent in one tenant: another agent, the same
// agent name in another tenant, or an action on the approver's own behalf never rides on it, and
// another tenant can neither see nor revoke it.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { securityPolicy, startHarness, type Harness } from './harness.js';

describe("using someone else's standing approval", () => {
  let server: Harness;
  let alice: { token: string; id: string };
  let southAlice: { token: string };
  let northBot: string;
  let otherBot: string;
  let southBot: string;
  let standingId: string;
  let deploys = 0;
  /** A production deploy of `search`, inside the standing approval's constraints, never seen before. */
  const deploy = (fields: Record<string, unknown> = {}) => ({
    action_type: 'deploy',
    environment: 'production',
    service: 'search',
    build: ++deploys,
    ...fields,
  });
  const submit = (token: string, action: Record<string, unknown>) => server.send('POST', '/v1/actions', { token, body: action });

  beforeAll(async () => {
    server = await startHarness(securityPolicy(), { tenants: ['north', 'south'] });
    alice = await server.person('alice', 'approver', { tenant: 'north', groups: ['approvers'] });
    southAlice = await server.person('south-alice', 'approver', { tenant: 'south', groups: ['approvers'] });
    northBot = (await server.agent('deploy-bot', 'north')).token;
    otherBot = (await server.agent('other-bot', 'north')).token;
    // The same agent name in another tenant is another agent.
    southBot = (await server.agent('deploy-bot', 'south')).token;
    const first = await submit(northBot, deploy());
    const vote = await server.send('POST', `/v1/approvals/${first.body.approval.id}/votes`, {
      token: alice.token,
      body: { verdict: 'approve', standing: { for: '1h', uses: 20, constraints: { service: 'search' } } },
    });
    expect(vote.status, vote.text).toBe(201);
    standingId = vote.body.standing_approval.id;
    // It does cover its own agent's action, so that what follows tests the boundary, not a failure.
    expect((await submit(northBot, deploy())).body.standing_approval).toBe(standingId);
  });
  afterAll(() => server?.close());

  it('does not cover another agent of the tenant', async () => {
    const reply = await submit(otherBot, deploy());
    expect(reply.body.status).toBe('pending');
    expect(reply.body.standing_approval).toBeUndefined();
  });

  it('does not cover the same agent name in another tenant', async () => {
    const reply = await submit(southBot, deploy());
    expect(reply.body.status).toBe('pending');
    expect(reply.body.standing_approval).toBeUndefined();
  });

  it("does not cover an action on the approver's own behalf", async () => {
    expect((await submit(northBot, deploy({ requested_by: 'alice' }))).body.status).toBe('pending');
  });

  it('cannot be widened to another agent by its constraints', async () => {
    const pending = await submit(northBot, deploy({ service: 'billing' }));
    const vote = await server.send('POST', `/v1/approvals/${pending.body.approval.id}/votes`, {
      token: alice.token,
      body: { verdict: 'approve', standing: { for: '1h', uses: 2, constraints: { agent: 'other-bot' } } },
    });
    expect(vote.body.error.code).toBe('standing.across_agents');
    expect((await submit(otherBot, deploy({ service: 'billing' }))).body.status).toBe('pending');
  });

  it('is neither listed nor revocable in another tenant, and still covers after the attempt', async () => {
    const listed = await server.send('GET', '/v1/standing-approvals', { token: southAlice.token });
    expect(listed.status).toBe(200);
    expect(listed.text).not.toContain(standingId);
    const revoke = await server.send('DELETE', `/v1/standing-approvals/${standingId}`, { token: southAlice.token });
    expect(revoke.status).toBe(404);
    expect(revoke.body.error.code).toBe('standing.not_found');
    // An agent key cannot revoke it either.
    expect((await server.send('DELETE', `/v1/standing-approvals/${standingId}`, { token: northBot })).status).toBe(403);
    expect((await submit(northBot, deploy())).body.standing_approval).toBe(standingId);
  });
});
