// Routing inside a group over real HTTP: each new request goes to the least-loaded member,
// people out of office are skipped, and a delegation routes the stage to the delegate.

import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveConfig } from '../src/config/config.js';
import { startServer, type RunningServer } from '../src/server/start.js';
import { ManualClock } from '../src/util/clock.js';
import { client } from './helpers/http.js';

const POLICY = `
defaults: { decision: ALLOW }
rules:
  - name: payments
    match: { action_type: pay }
    decision: REQUIRE_APPROVAL
    approvers: [finance]
    criteria: [the invoice matches the amount]
`;

describe('routing inside a group', () => {
  let server: RunningServer;
  let agent: ReturnType<typeof client>;
  const people: Record<string, { http: ReturnType<typeof client>; id: string }> = {};

  beforeAll(async () => {
    const folder = mkdtempSync(join(tmpdir(), 'tollgate-routing-'));
    mkdirSync(join(folder, 'policy'));
    writeFileSync(join(folder, 'policy', 'policy.yaml'), POLICY);
    const config = serveConfig({ db: join(folder, 'tollgate.db'), policy: join(folder, 'policy'), port: 0, rateLimit: 0 }, {});
    server = await startServer(config, { clock: new ManualClock(), logger: false, watchPolicy: false, timerIntervalMs: 0 });
    for (const name of ['ann', 'ben', 'cat', 'dan']) {
      const user = await server.services.auth.addUser({
        name,
        password: `${name}-password`,
        role: 'approver',
        groups: name === 'dan' ? ['treasury'] : ['finance'],
      });
      const login = await client(server.url)('POST', '/v1/auth/login', { name, password: `${name}-password` });
      people[name] = { http: client(server.url, login.body.token), id: user.id };
    }
    agent = client(server.url, (await server.services.auth.createKey('billing-bot')).secret);
  });

  afterAll(async () => {
    await server?.close();
  });

  let payments = 0;
  /** A new request: numbered, since a payment identical to a pending one is answered with that one. */
  const request = async (): Promise<{ approvalId: string; assignees: string[] }> => {
    const submitted = await agent('POST', '/v1/actions', { action_type: 'pay', amount_usd: 100, payment: ++payments });
    const approval = await people.ann!.http('GET', `/v1/approvals/${submitted.body.approval.id}`);
    return { approvalId: approval.body.id, assignees: approval.body.steps[0].assignees };
  };

  it('spreads requests across the group by open load and lists them per person', async () => {
    const first = await request();
    const second = await request();
    const third = await request();
    const assigned = [first, second, third].flatMap((r) => r.assignees);
    expect(new Set(assigned)).toEqual(new Set([people.ann!.id, people.ben!.id, people.cat!.id]));
    const mine = await people.ben!.http('GET', '/v1/approvals?assigned=me');
    expect(mine.body.approvals).toHaveLength(1);
    // Deciding closes the assignment, so the next request goes back to whoever is free.
    const benRequest = [first, second, third].find((r) => r.assignees.includes(people.ben!.id))!;
    await people.ben!.http('POST', `/v1/approvals/${benRequest.approvalId}/votes`, { verdict: 'approve' });
    expect((await people.ben!.http('GET', '/v1/approvals?assigned=me')).body.approvals).toHaveLength(0);
    expect((await request()).assignees).toEqual([people.ben!.id]);
  });

  it('skips people who are out of office', async () => {
    for (const name of ['ann', 'ben'])
      expect((await people[name]!.http('PATCH', '/v1/auth/me', { out_of_office: true })).body.out_of_office).toBe(true);
    for (let i = 0; i < 3; i++) expect((await request()).assignees).toEqual([people.cat!.id]);
    for (const name of ['ann', 'ben']) await people[name]!.http('PATCH', '/v1/auth/me', { out_of_office: false });
  });

  it('routes a delegated stage to the delegate, who may then decide it', async () => {
    const { approvalId, assignees } = await request();
    const holder = Object.values(people).find((person) => person.id === assignees[0])!;
    const delegated = await holder.http('POST', `/v1/approvals/${approvalId}/delegate`, { to: 'dan', note: 'on leave tomorrow' });
    expect(delegated.status).toBe(200);
    expect(delegated.body.steps[0].assignees).toContain(people.dan!.id);
    expect(delegated.body.steps[0].assignees).not.toContain(holder.id);
    expect((await holder.http('POST', `/v1/approvals/${approvalId}/votes`, { verdict: 'approve' })).body.error.code).toBe(
      'approval.not_eligible',
    );
    expect((await people.dan!.http('POST', `/v1/approvals/${approvalId}/votes`, { verdict: 'approve' })).body.status).toBe('approved');
    const audit = await people.ann!.http('GET', `/v1/audit?subject=${approvalId}`);
    expect(audit.status).toBe(403);
  });
});
