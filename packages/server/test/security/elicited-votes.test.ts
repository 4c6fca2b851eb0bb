// An agent key may record its MCP client's user's answer (an elicited vote) only on its own
// pending request, only where the live policy says `elicitation: allowed` for the rule and risk,
// and only for the digest of the action as it stands; the vote never wears a person's identity.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startHarness, type Harness } from './harness.js';

const POLICY = (restart: string) => `
defaults: { decision: ALLOW, approvers: [approvers] }
rules:
  - name: restarts
    match: { action_type: restart }
    decision: REQUIRE_APPROVAL
    risk: low
    ${restart}
  - name: production-deploys
    match: { action_type: deploy, environment: production }
    decision: REQUIRE_APPROVAL
  - name: table-drops
    match: { action_type: drop_table }
    decision: REQUIRE_APPROVAL
    risk: high
    elicitation: { allowed: true, max_risk: medium }
`;

describe('elicited votes from an agent key', () => {
  let server: Harness;
  let bot: string;
  let otherBot: string;
  let southBot: string;
  let alice: string;

  const submit = async (token: string, action: Record<string, unknown>) => {
    const answer = await server.send('POST', '/v1/actions', { token, body: action });
    expect(answer.status, answer.text).toBe(201);
    return answer.body as { id: string; digest: string; elicitation?: string; approval: { id: string } };
  };
  const elicit = (token: string, id: string, body: Record<string, unknown>) =>
    server.send('POST', `/v1/actions/${id}/elicited-vote`, { token, body: { verdict: 'approve', user: 'dev', ...body } });
  const statusOf = async (id: string) => (await server.send('GET', `/v1/actions/${id}`, { token: bot })).body.status as string;

  beforeAll(async () => {
    server = await startHarness(POLICY('elicitation: allowed'), { tenants: ['south'] });
    bot = (await server.agent('ops-bot')).token;
    otherBot = (await server.agent('other-bot')).token;
    southBot = (await server.agent('ops-bot', 'south')).token;
    alice = (await server.person('alice', 'approver', { groups: ['approvers'] })).token;
  });
  afterAll(() => server?.close());

  it('records it where the rule allows it, as `elicited:<agent>`, and the request is decided', async () => {
    const action = await submit(bot, { action_type: 'restart', summary: 'restart web' });
    expect(action.elicitation).toBe('allowed');
    const answer = await elicit(bot, action.id, { digest: action.digest });
    expect(answer.status, answer.text).toBe(201);
    expect(await statusOf(action.id)).toBe('approved');
    const vote = answer.body.steps[0].votes[0];
    expect(vote.user_id).toBe('elicited:ops-bot');
    expect(vote.user_id).not.toBe((await server.send('GET', '/v1/auth/me', { token: alice })).body.id);
  });

  it('refuses a gate whose rule does not allow it, and one whose risk is above max_risk', async () => {
    for (const action of [
      await submit(bot, { action_type: 'deploy', environment: 'production' }),
      await submit(bot, { action_type: 'drop_table', table: 'users' }),
    ]) {
      expect(action.elicitation).toBeUndefined();
      const answer = await elicit(bot, action.id, { digest: action.digest });
      expect(answer.status, answer.text).toBe(403);
      expect(answer.body.error.code).toBe('approval.elicitation_not_allowed');
      expect(await statusOf(action.id)).toBe('pending');
    }
  });

  it("refuses another tenant's request and another agent's, as if they did not exist", async () => {
    const south = await submit(southBot, { action_type: 'restart', summary: 'south' });
    const fromNorth = await elicit(bot, south.id, { digest: south.digest });
    expect(fromNorth.status).toBe(404);
    const mine = await submit(bot, { action_type: 'restart', summary: 'mine' });
    const fromOther = await elicit(otherBot, mine.id, { digest: mine.digest });
    expect(fromOther.status).toBe(404);
    expect(await statusOf(mine.id)).toBe('pending');
  });

  it('refuses a wrong digest, and a vote without one', async () => {
    const action = await submit(bot, { action_type: 'restart', summary: 'digest' });
    const wrong = await elicit(bot, action.id, { digest: `sha256:${'0'.repeat(64)}` });
    expect(wrong.status).toBe(409);
    expect(wrong.body.error.code).toBe('approval.stale_digest');
    const none = await server.send('POST', `/v1/actions/${action.id}/elicited-vote`, {
      token: bot,
      body: { verdict: 'approve', user: 'dev' },
    });
    expect(none.status).toBe(400);
    expect(await statusOf(action.id)).toBe('pending');
  });

  it('follows the live policy: a request opened while elicitation was allowed is refused once the policy says otherwise', async () => {
    const action = await submit(bot, { action_type: 'restart', summary: 'before the change' });
    writeFileSync(join(server.policyDir, 'policy.yaml'), POLICY(''));
    const reload = await server.send('POST', '/v1/policy/reload', { token: (await server.person('root', 'admin')).token });
    expect(reload.status, reload.text).toBeLessThan(300);
    const answer = await elicit(bot, action.id, { digest: action.digest });
    expect(answer.status).toBe(403);
    expect(answer.body.error.code).toBe('approval.elicitation_not_allowed');
  });
});
