// The endpoints the dashboard's delegate picker and out-of-office switch use, over real HTTP on
// SQLite and PostgreSQL: who a stage may be handed to (the same people the delegation accepts,
// never the requester, a voter, an auditor or someone out of office, never another tenant's), and
// reading and setting one's own out-of-office flag, where bad input changes nothing.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, DATABASES, type TestDatabase } from './helpers/databases.js';
import { client } from './helpers/http.js';
import { startTestServer, type Authed, type TestServer } from './helpers/in-process.js';

const POLICY = `
defaults: { decision: ALLOW }
groups:
  tech: [gina]
rules:
  - name: production-deploys
    match: { action_type: deploy, environment: production }
    decision: REQUIRE_APPROVAL
    workflow: two-reviews
`;
const WORKFLOW = `
workflow: two-reviews
steps:
  - id: tech-review
    type: approval
    config: { approvers: [tech], require: 2 }
  - id: security-review
    type: approval
    depends_on: [tech-review]
    config: { approvers: [security], require: 1 }
`;
const DEPLOY = { action_type: 'deploy', environment: 'production', summary: 'deploy checkout v3.1.0', requested_by: 'rex' };

interface Eligible {
  approval_id: string;
  step: string | null;
  people: { id: string; name: string; role: string; groups: string[]; open_assignments: number; approver: boolean }[];
  out_of_office: { name: string }[];
}

const names = (list: { name: string }[]): string[] => list.map((person) => person.name);

describe.each(DATABASES)('the dashboard’s people endpoints on %s', (kind) => {
  let database: TestDatabase;
  let server: TestServer;
  let bot: Authed;
  let southBot: Authed;
  const people: Record<string, Authed> = {};

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    server = await startTestServer(database.url, { 'policy.yaml': POLICY, 'two-reviews.yaml': WORKFLOW }, { tenants: ['south'] });
    const north: [string, 'admin' | 'approver' | 'auditor', string[]][] = [
      ['ann', 'approver', ['tech']],
      ['ben', 'approver', ['tech']],
      ['cat', 'approver', ['tech']],
      ['dan', 'approver', ['security']],
      ['eve', 'admin', []],
      ['fay', 'auditor', ['tech']],
      // In `tech` only by the policy bundle's `groups:` block.
      ['gina', 'approver', []],
      ['hal', 'approver', ['tech']],
      // The person the agent acts for: never a decider of their own request.
      ['rex', 'approver', ['tech']],
    ];
    for (const [name, role, groups] of north) people[name] = await server.person(name, role, { groups });
    people.sam = await server.person('sam', 'approver', { groups: ['tech'], tenant: 'south' });
    people.sue = await server.person('sue', 'admin', { tenant: 'south' });
    bot = await server.agent('deploy-bot');
    southBot = await server.agent('deploy-bot', 'south');
    expect((await people.hal!('PATCH', '/v1/auth/me', { out_of_office: true })).status).toBe(200);
  });

  afterAll(async () => {
    await server?.close();
    await database?.drop();
  });

  /** A deploy waiting on its first stage, which ben has voted on (one of the two votes it needs). */
  let requests = 0;
  async function halfReviewed(): Promise<string> {
    // Numbered: a deploy identical to one still pending would be that one again.
    const submitted = await bot('POST', '/v1/actions', { ...DEPLOY, request: ++requests });
    expect(submitted.body.status).toBe('pending');
    const id = submitted.body.approval.id as string;
    expect((await people.ben!('POST', `/v1/approvals/${id}/votes`, { verdict: 'approve' })).status).toBe(201);
    return id;
  }

  it('lists who may take the stage: approvers first, then others, never the requester, a voter, an auditor or the caller', async () => {
    const id = await halfReviewed();
    const reply = await people.ann!<Eligible>('GET', `/v1/approvals/${id}/eligible`);
    expect(reply.status).toBe(200);
    expect(reply.body.step).toBe('tech-review');
    expect(reply.body.approval_id).toBe(id);
    // cat and gina decide tech reviews already; dan and eve may take it only by this delegation.
    expect(reply.body.people.map((p) => [p.name, p.approver])).toEqual([
      ['cat', true],
      ['gina', true],
      ['dan', false],
      ['eve', false],
    ]);
    expect(names(reply.body.out_of_office)).toEqual(['hal']);
    const gina = reply.body.people.find((p) => p.name === 'gina')!;
    expect(gina).toMatchObject({ role: 'approver', groups: ['tech'] });
    expect(reply.body.people.find((p) => p.name === 'dan')!.groups).toEqual(['security']);
    // Routing put the stage in two inboxes: the list shows each person's load as their inbox does.
    const assigned = (await people.ann!('GET', `/v1/approvals/${id}`)).body.steps[0].assignees as string[];
    expect(assigned).toHaveLength(2);
    for (const person of reply.body.people) {
      const inbox = await people[person.name]!('GET', '/v1/approvals?assigned=me');
      expect(person.open_assignments, person.name).toBe(inbox.body.approvals.length);
    }
    expect(reply.body.people.reduce((sum, person) => sum + person.open_assignments, 0)).toBe(
      assigned.filter((userId) => reply.body.people.some((person) => person.id === userId)).length,
    );

    // An auditor may read the list (as they may read the request); the caller is left out of it.
    const seenByAuditor = await people.fay!<Eligible>('GET', `/v1/approvals/${id}/eligible`);
    expect(seenByAuditor.status).toBe(200);
    expect(names(seenByAuditor.body.people)).toEqual(['ann', 'cat', 'gina', 'dan', 'eve']);
  });

  it('agrees with the delegation: everyone listed is accepted, everyone else refused with its error', async () => {
    const listed = await people.ann!<Eligible>('GET', `/v1/approvals/${await halfReviewed()}/eligible`);
    for (const name of ['ann', 'ben', 'fay', 'hal', 'rex', 'sam', 'nobody']) {
      const id = await halfReviewed();
      const refused = await people.ann!('POST', `/v1/approvals/${id}/delegate`, { to: name });
      expect(refused.status, name).toBe(400);
      expect(refused.body.error).toMatchObject({ code: 'approval.invalid_delegate', details: { field: 'to' } });
      expect((await people.ann!('GET', `/v1/approvals/${id}`)).body.steps[0].delegations).toEqual([]);
    }
    for (const person of listed.body.people) {
      const id = await halfReviewed();
      const handed = await people.ann!('POST', `/v1/approvals/${id}/delegate`, { to: person.name });
      expect(handed.status, person.name).toBe(200);
      const inbox = await people[person.name]!('GET', '/v1/approvals?assigned=me');
      expect(inbox.body.approvals.map((a: { id: string }) => a.id)).toContain(id);
      // Whoever handed the stage on is no longer eligible for it; the delegate now decides it.
      const after = await people.eve!<Eligible>('GET', `/v1/approvals/${id}/eligible`);
      expect(names(after.body.people)).not.toContain('ann');
      if (person.name !== 'eve') expect(after.body.people.find((p) => p.name === person.name)?.approver).toBe(true);
    }
  });

  it('keeps separation of duties into the next stage and lists nobody once the request is decided', async () => {
    const id = await halfReviewed();
    expect((await people.cat!('POST', `/v1/approvals/${id}/votes`, { verdict: 'approve' })).status).toBe(201);
    const second = await people.dan!<Eligible>('GET', `/v1/approvals/${id}/eligible`);
    expect(second.body.step).toBe('security-review');
    // ben and cat decided the tech review: one person counts once per request.
    expect(second.body.people.map((p) => [p.name, p.approver])).toEqual([
      ['ann', false],
      ['eve', false],
      ['gina', false],
    ]);
    const named = await people.dan!<Eligible>('GET', `/v1/approvals/${id}/eligible?step=tech-review`);
    expect(named.status).toBe(409);
    expect(named.body).toMatchObject({ error: { code: 'approval.step_not_active', details: { field: 'querystring.step' } } });
    const unknown = await people.dan!('GET', `/v1/approvals/${id}/eligible?step=deploy`);
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.code).toBe('approval.unknown_step');
    const extra = await people.dan!('GET', `/v1/approvals/${id}/eligible?who=all`);
    expect(extra.status).toBe(400);
    expect(extra.body.error.details.field).toBe('querystring.who');

    expect((await people.dan!('POST', `/v1/approvals/${id}/votes`, { verdict: 'approve' })).status).toBe(201);
    const decided = await people.dan!<Eligible>('GET', `/v1/approvals/${id}/eligible`);
    expect(decided.body).toEqual({ approval_id: id, step: null, people: [], out_of_office: [] });
  });

  it('answers only signed-in people of the request’s tenant', async () => {
    const id = await halfReviewed();
    const other = await people.sam!('GET', `/v1/approvals/${id}/eligible`);
    expect(other.status).toBe(404);
    expect(other.body.error.code).toBe('approval.not_found');
    const south = await southBot('POST', '/v1/actions', DEPLOY);
    const southId = south.body.approval.id as string;
    expect((await people.ann!('GET', `/v1/approvals/${southId}/eligible`)).status).toBe(404);
    // South's own list holds south's people only.
    const own = await people.sue!<Eligible>('GET', `/v1/approvals/${southId}/eligible`);
    expect(own.body).toMatchObject({ step: 'tech-review', out_of_office: [] });
    expect(own.body.people.map((p) => [p.name, p.approver])).toEqual([['sam', true]]);
    expect((await bot('GET', `/v1/approvals/${id}/eligible`)).status).toBe(403);
    expect((await client(server.url)('GET', `/v1/approvals/${id}/eligible`)).status).toBe(401);
  });

  it('is described in /openapi.json', async () => {
    const openapi = await client(server.url)('GET', '/openapi.json');
    const operation = openapi.body.paths['/v1/approvals/{id}/eligible'].get;
    expect(operation.tags).toEqual(['approvals']);
    const schema = operation.responses['200'].content['application/json'].schema;
    expect(Object.keys(schema.properties)).toEqual(['approval_id', 'step', 'people', 'out_of_office']);
    expect(Object.keys(schema.properties.people.items.properties)).toEqual(
      expect.arrayContaining(['name', 'groups', 'open_assignments', 'approver']),
    );
  });

  it('reads and sets the caller’s own out-of-office flag, audited, with the CSRF header for cookies', async () => {
    const cat = people.cat!;
    expect((await cat('GET', '/v1/auth/me')).body).toMatchObject({ name: 'cat', out_of_office: false });
    const cookie = { cookie: `tollgate_session=${cat.token}` };
    const browser = client(server.url);
    const forged = await browser('PATCH', '/v1/auth/me', { out_of_office: true }, cookie);
    expect(forged.status).toBe(403);
    expect((await cat('GET', '/v1/auth/me')).body.out_of_office).toBe(false);

    const set = await browser('PATCH', '/v1/auth/me', { out_of_office: true }, { ...cookie, 'x-tollgate-csrf': '1' });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ name: 'cat', out_of_office: true });
    expect((await browser('GET', '/v1/auth/me', undefined, cookie)).body.out_of_office).toBe(true);
    const audit = await people.eve!('GET', `/v1/audit?type=user.out_of_office&subject=${set.body.id}`);
    expect(audit.body.events.map((e: { actor: string }) => e.actor)).toEqual([`user:${set.body.id}`]);

    // Out of office, cat is no longer offered; back, cat is again.
    const id = await halfReviewed();
    let listed = await people.ann!<Eligible>('GET', `/v1/approvals/${id}/eligible`);
    expect(names(listed.body.people)).not.toContain('cat');
    expect(names(listed.body.out_of_office)).toEqual(['cat', 'hal']);
    expect((await cat('PATCH', '/v1/auth/me', { out_of_office: false })).body.out_of_office).toBe(false);
    listed = await people.ann!<Eligible>('GET', `/v1/approvals/${id}/eligible`);
    expect(names(listed.body.people)).toContain('cat');
  });

  it('refuses a bad out-of-office body with the field named, and changes nothing', async () => {
    const dan = people.dan!;
    const me = (await dan('GET', '/v1/auth/me')).body;
    const before = (await people.eve!('GET', `/v1/audit?subject=${me.id}`)).body.events.length;
    const cases: [unknown, string, RegExp][] = [
      [{ out_of_office: 'yes' }, 'body.out_of_office', /boolean/],
      [{}, 'body.out_of_office', /required/],
      [{ out_of_office: true, until: 'monday' }, 'body.until', /unknown field `until`/],
      [[true], 'body', /object/],
    ];
    for (const [body, field, message] of cases) {
      const reply = await dan('PATCH', '/v1/auth/me', body);
      expect(reply.status, JSON.stringify(body)).toBe(400);
      expect(reply.body.error.code).toBe('request.invalid');
      expect(reply.body.error.details.field).toBe(field);
      expect(reply.body.error.message).toMatch(message);
    }
    expect((await dan('GET', '/v1/auth/me')).body.out_of_office).toBe(false);
    expect((await people.eve!('GET', `/v1/audit?subject=${me.id}`)).body.events).toHaveLength(before);
  });
});
