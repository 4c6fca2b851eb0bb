// Who may call what: every route the app serves × every kind of caller × own or another tenant's
// ids, against the table below. A route the table does not list fails the test, so a new route
// cannot ship without its row. One in-process server on SQLite; each cell is one request.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localOutbound } from '../helpers/local-outbound.js';
import { startReceiver, type Receiver } from '../helpers/vendor-stand-ins.js';
import { expectErrorShape, routesOf, securityPolicy, startHarness, type Answer, type Harness } from './harness.js';

const ROLES = ['anonymous', 'agent', 'worker', 'approver', 'auditor', 'admin', 'operator'] as const;
type Role = (typeof ROLES)[number];

/**
 * The expected outcome of each cell. `ok`: the caller gets past authorization (a 2xx, or one of
 * the row's business answers); `401`: no or unknown credentials; `403`: the wrong kind of caller.
 * Last column, the same request with another tenant's ids for every caller who gets past
 * authorization: `404` (not found, as if it did not exist), `hide` (answered, with none of the
 * other tenant's data), `-` (the route holds no tenant's data).
 */
// prettier-ignore
const MATRIX = [
  // route                                      anonymous agent worker approver auditor admin operator  another tenant
  'GET    /healthz                                    ok    ok     ok      ok     ok    ok       ok     -',
  'GET    /readyz                                     ok    ok     ok      ok     ok    ok       ok     -',
  'GET    /openapi.json                               ok    ok     ok      ok     ok    ok       ok     -',
  'POST   /v1/auth/login                              ok    ok     ok      ok     ok    ok       ok     -',
  'POST   /v1/auth/logout                            401   403    403      ok     ok    ok       ok     -',
  'GET    /v1/auth/me                                401   403    403      ok     ok    ok       ok     -',
  'PATCH  /v1/auth/me                                401   403    403      ok     ok    ok       ok     -',
  'POST   /v1/actions                                401    ok    403     403    403   403      403     hide',
  'GET    /v1/actions                                401   403    403      ok     ok    ok      403     hide',
  'GET    /v1/actions/:id                            401    ok    403      ok     ok    ok      403     404',
  'POST   /v1/actions/:id/outcome                    401    ok    403     403    403   403      403     404',
  'POST   /v1/actions/:id/elicited-vote              401    ok    403     403    403   403      403     404',
  'POST   /v1/actions/:id/review                     401   403    403      ok    403    ok      403     404',
  'POST   /v1/grants/redeem                          401    ok    403     403    403   403      403     404',
  'GET    /v1/approvals                              401   403    403      ok     ok    ok      403     hide',
  'GET    /v1/approvals/:id                          401   403    403      ok     ok    ok      403     404',
  'GET    /v1/approvals/:id/eligible                 401   403    403      ok     ok    ok      403     404',
  'POST   /v1/approvals/:id/votes                    401   403    403      ok    403    ok      403     404',
  'POST   /v1/approvals/:id/delegate                 401   403    403      ok    403    ok      403     404',
  'GET    /v1/standing-approvals                     401   403    403      ok     ok    ok      403     hide',
  'DELETE /v1/standing-approvals/:id                 401   403    403      ok    403    ok      403     404',
  'POST   /v1/questions                              401    ok    403     403    403   403      403     hide',
  'GET    /v1/questions                              401   403    403      ok     ok    ok      403     hide',
  'GET    /v1/questions/:id                          401    ok    403      ok     ok    ok      403     404',
  'POST   /v1/questions/:id/answers                  401   403    403      ok    403    ok      403     404',
  'GET    /v1/jobs/next                              401   403     ok     403    403   403      403     hide',
  'POST   /v1/jobs/:id/heartbeat                     401   403     ok     403    403   403      403     404',
  'POST   /v1/jobs/:id/complete                      401   403     ok     403    403   403      403     404',
  'POST   /v1/jobs/:id/fail                          401   403     ok     403    403   403      403     404',
  'GET    /v1/agents                                 401   403    403      ok     ok    ok      403     hide',
  'GET    /v1/agents/:id                             401   403    403      ok     ok    ok      403     404',
  'POST   /v1/agents/:id/level                       401   403    403     403    403    ok      403     404',
  'GET    /v1/reviews                                401   403    403      ok     ok    ok      403     hide',
  'GET    /v1/webhooks/secret                        401   403    403     403    403    ok      403     -',
  'GET    /v1/audit                                  401   403    403     403     ok    ok      403     hide',
  'GET    /v1/audit/verify                           401   403    403     403     ok    ok      403     -',
  'GET    /v1/audit/export                           401   403    403     403     ok    ok      403     -',
  'GET    /v1/audit/public-key                       401   403    403     403     ok    ok      403     -',
  'GET    /v1/events                                 401   403    403      ok     ok    ok      403     -',
  'GET    /v1/policy                                 401   403    403      ok     ok    ok      403     -',
  'POST   /v1/policy/reload                          401   403    403     403    403    ok      403     -',
  'POST   /v1/policy/simulate                        401   403    403     403    403    ok      403     -',
  'GET    /v1/policy/shadow                          401   403    403      ok     ok    ok      403     -',
  'PUT    /v1/policy/shadow                          401   403    403     403    403    ok      403     -',
  'DELETE /v1/policy/shadow                          401   403    403     403    403    ok      403     -',
  'POST   /v1/policy/shadow/promote                  401   403    403     403    403    ok      403     -',
  'GET    /v1/metrics                                401   403    403      ok     ok    ok      403     -',
  'GET    /v1/metrics/series                         401   403    403      ok     ok    ok      403     -',
  'GET    /metrics                                   401   403    403     403     ok    ok      403     -',
  'GET    /v1/notifications                          401   403    403     403     ok    ok      403     hide',
  'POST   /v1/notifications/:id/redrive              401   403    403     403    403    ok      403     404',
  'GET    /v1/settings/outbound                      401   403    403     403     ok    ok      403     hide',
  'PUT    /v1/settings/outbound                      401   403    403     403    403    ok      403     -',
  'POST   /v1/integrations/slack/interactivity        ok    ok     ok      ok     ok    ok       ok     -',
  'GET    /v1/tenants                                401   403    403     403    403   403       ok     -',
  'POST   /v1/tenants                                401   403    403     403    403   403       ok     -',
  'PUT    /v1/tenants/:tenant/policy                 401   403    403     403    403    ok       ok     404',
  'GET    /v1/settings/server                        401   403    403     403    403   403       ok     -',
  'GET    /v1/integrations/links/:token               ok    ok     ok      ok     ok    ok       ok     -',
  'POST   /v1/integrations/links/:token               ok    ok     ok      ok     ok    ok       ok     -',
  'POST   /v1/integrations/jira/:tenant/:channel      ok    ok     ok      ok     ok    ok       ok     -',
  'POST   /v1/integrations/servicenow/:tenant/:channel ok   ok     ok      ok     ok    ok       ok     -',
];

type Cell = 'ok' | 401 | 403;
type Foreign = 404 | 'hide' | '-';
interface Row {
  route: string;
  cells: Record<Role, Cell>;
  foreign: Foreign;
}

const ROWS: Row[] = MATRIX.map((line) => {
  const [method, path, ...rest] = line.trim().split(/\s+/);
  const cells = Object.fromEntries(ROLES.map((role, i) => [role, rest[i] === 'ok' ? 'ok' : Number(rest[i])])) as Record<Role, Cell>;
  const last = rest[ROLES.length]!;
  return { route: `${method} ${path}`, cells, foreign: last === '404' ? 404 : (last as Foreign) };
});

/** A request: path (with ids filled in), optional JSON or form body, optional headers. */
interface Request {
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
}

interface Tenant {
  name: string;
  tokens: Record<Exclude<Role, 'anonymous' | 'operator'>, string>;
  passwords: Record<'approver' | 'auditor' | 'admin', { name: string; password: string }>;
}

describe('authorization matrix', () => {
  let server: Harness;
  let receiver: Receiver;
  /** The operator: server-wide, in no tenant's decisions (a person of the default tenant). */
  let operator: { token: string; password: string };
  const north = { name: 'north' } as Tenant;
  const south = { name: 'south' } as Tenant;
  /** Ids, names and secrets of the south tenant: no answer to a north caller may contain one. */
  const southSecrets = new Set<string>();
  let southIds: {
    actionId: string;
    approvalId: string;
    sharedKeyActionId: string;
    grant: { grant: string; digest: string };
    jobId: string;
    queuedJobActionId: string;
    executedId: string;
    notificationId: string;
    standingId: string;
    questionId: string;
  };
  const shadowFiles = () => [{ path: 'policy.yaml', text: securityPolicy(receiver.url) }];

  const send = (method: string, path: string, token?: string, body?: unknown, headers?: Record<string, string>) =>
    server.send(method, path, {
      ...(token === undefined ? {} : { token }),
      ...(body === undefined ? {} : { body }),
      ...(headers ? { headers } : {}),
    });

  async function submit(tenant: Tenant, action: Record<string, unknown>): Promise<any> {
    const answer = await send('POST', '/v1/actions', tenant.tokens.agent, action);
    expect(answer.status, answer.text).toBe(201);
    return answer.body;
  }
  const pending = async (tenant: Tenant) => {
    const body = await submit(tenant, { action_type: 'deploy', environment: 'production', summary: `deploy ${Math.random()}` });
    return { actionId: body.id as string, approvalId: body.approval.id as string };
  };
  const allowed = async (tenant: Tenant) => (await submit(tenant, { action_type: 'deploy', environment: 'staging' })).id as string;
  async function executed(tenant: Tenant): Promise<string> {
    const { id } = await submit(tenant, { action_type: 'task', summary: 'tidy up' });
    const outcome = await send('POST', `/v1/actions/${id}/outcome`, tenant.tokens.agent, { status: 'succeeded' });
    expect(outcome.status, outcome.text).toBe(200);
    return id;
  }
  async function grant(tenant: Tenant): Promise<{ grant: string; digest: string }> {
    const { actionId, approvalId } = await pending(tenant);
    const vote = await send('POST', `/v1/approvals/${approvalId}/votes`, tenant.tokens.approver, { verdict: 'approve' });
    expect(vote.status, vote.text).toBe(201);
    const action = await send('GET', `/v1/actions/${actionId}`, tenant.tokens.agent);
    return { grant: action.body.grant.token, digest: action.body.grant.digest };
  }
  /** A standing approval of the tenant's approver, with a constraint that no other request here meets. */
  async function standing(tenant: Tenant): Promise<string> {
    const { approvalId } = await pending(tenant);
    const vote = await send('POST', `/v1/approvals/${approvalId}/votes`, tenant.tokens.approver, {
      verdict: 'approve',
      standing: { for: '1h', uses: 5, constraints: { summary: 'no request of this test says this' } },
    });
    expect(vote.status, vote.text).toBe(201);
    return vote.body.standing_approval.id;
  }
  async function leased(tenant: Tenant): Promise<{ id: string; attempt: number; actionId: string }> {
    const { id: actionId } = await submit(tenant, { action_type: 'migrate', summary: `add a column ${Math.random()}` });
    const job = await send('GET', '/v1/jobs/next?capability=analyzer', tenant.tokens.worker);
    expect(job.status, job.text).toBe(200);
    expect(job.body.action_id).toBe(actionId);
    return { id: job.body.id, attempt: job.body.attempt, actionId };
  }
  const ask = async (tenant: Tenant) => {
    const answer = await send('POST', '/v1/questions', tenant.tokens.agent, {
      question: `which region? ${Math.random()}`,
      choices: ['eu', 'us'],
    });
    expect(answer.status, answer.text).toBe(201);
    return answer.body.id as string;
  };
  async function notification(tenant: Tenant): Promise<string> {
    const list = await server.services.notifications.list(tenant.name, { limit: 1 });
    expect(list.length).toBeGreaterThan(0);
    return list[0]!.id;
  }

  /** The request each route gets: own builds one with the caller's tenant's ids, foreign with south's. */
  const REQUESTS: Record<
    string,
    { own: (role: Role) => Promise<Request> | Request; foreign?: () => Request; accept?: (string | number)[] }
  > = {
    'GET /healthz': { own: () => ({ path: '/healthz' }) },
    'GET /readyz': { own: () => ({ path: '/readyz' }) },
    'GET /openapi.json': { own: () => ({ path: '/openapi.json' }) },
    'POST /v1/auth/login': {
      own: () => ({ path: '/v1/auth/login', body: { ...north.passwords.approver, tenant: north.name } }),
    },
    'POST /v1/auth/logout': { own: () => ({ path: '/v1/auth/logout' }) },
    'GET /v1/auth/me': { own: () => ({ path: '/v1/auth/me' }) },
    'PATCH /v1/auth/me': { own: () => ({ path: '/v1/auth/me', body: { out_of_office: false } }) },
    'POST /v1/actions': {
      own: () => ({ path: '/v1/actions', body: { action_type: 'deploy', environment: 'staging' } }),
      // The other tenant used this idempotency key: here it names a new action, not theirs.
      foreign: () => ({ path: '/v1/actions', body: { action_type: 'deploy', environment: 'staging', idempotency_key: 'shared-key' } }),
    },
    'GET /v1/actions': {
      own: () => ({ path: '/v1/actions?limit=1000' }),
      foreign: () => ({ path: '/v1/actions?agent=south-only-bot&limit=1000' }),
    },
    'GET /v1/actions/:id': {
      own: async () => ({ path: `/v1/actions/${await allowed(north)}` }),
      foreign: () => ({ path: `/v1/actions/${southIds.actionId}` }),
    },
    'POST /v1/actions/:id/outcome': {
      own: async () => ({ path: `/v1/actions/${await allowed(north)}/outcome`, body: { status: 'succeeded' } }),
      foreign: () => ({ path: `/v1/actions/${southIds.sharedKeyActionId}/outcome`, body: { status: 'succeeded' } }),
    },
    // The security policy allows no elicitation: the agent gets past authorization to the policy's refusal.
    'POST /v1/actions/:id/elicited-vote': {
      own: async () => ({
        path: `/v1/actions/${(await pending(north)).actionId}/elicited-vote`,
        body: { verdict: 'approve', digest: 'sha256:0', user: 'dev' },
      }),
      foreign: () => ({
        path: `/v1/actions/${southIds.actionId}/elicited-vote`,
        body: { verdict: 'approve', digest: 'sha256:0', user: 'dev' },
      }),
      accept: ['approval.elicitation_not_allowed'],
    },
    'POST /v1/actions/:id/review': {
      own: async () => ({ path: `/v1/actions/${await executed(north)}/review`, body: { verdict: 'ok' } }),
      foreign: () => ({ path: `/v1/actions/${southIds.executedId}/review`, body: { verdict: 'ok' } }),
    },
    'POST /v1/grants/redeem': {
      own: async () => ({ path: '/v1/grants/redeem', body: await grant(north) }),
      foreign: () => ({ path: '/v1/grants/redeem', body: southIds.grant }),
    },
    'GET /v1/approvals': {
      own: () => ({ path: '/v1/approvals?limit=1000' }),
      foreign: () => ({ path: '/v1/approvals?status=pending,approved&limit=1000' }),
    },
    'GET /v1/approvals/:id': {
      own: async () => ({ path: `/v1/approvals/${(await pending(north)).approvalId}` }),
      foreign: () => ({ path: `/v1/approvals/${southIds.approvalId}` }),
    },
    'GET /v1/approvals/:id/eligible': {
      own: async () => ({ path: `/v1/approvals/${(await pending(north)).approvalId}/eligible` }),
      foreign: () => ({ path: `/v1/approvals/${southIds.approvalId}/eligible` }),
      // An auditor may look but holds no stage to hand on.
      accept: ['approval.not_eligible', 'approval.invalid_delegate'],
    },
    'POST /v1/approvals/:id/votes': {
      own: async () => ({ path: `/v1/approvals/${(await pending(north)).approvalId}/votes`, body: { verdict: 'approve' } }),
      foreign: () => ({ path: `/v1/approvals/${southIds.approvalId}/votes`, body: { verdict: 'approve' } }),
    },
    'POST /v1/approvals/:id/delegate': {
      own: async () => ({ path: `/v1/approvals/${(await pending(north)).approvalId}/delegate`, body: { to: 'bob' } }),
      foreign: () => ({ path: `/v1/approvals/${southIds.approvalId}/delegate`, body: { to: 'south-alice' } }),
    },
    'GET /v1/standing-approvals': {
      own: () => ({ path: '/v1/standing-approvals?limit=1000' }),
      foreign: () => ({ path: '/v1/standing-approvals?limit=1000' }),
    },
    'DELETE /v1/standing-approvals/:id': {
      own: async () => ({ path: `/v1/standing-approvals/${await standing(north)}` }),
      foreign: () => ({ path: `/v1/standing-approvals/${southIds.standingId}` }),
    },
    'POST /v1/questions': {
      own: () => ({ path: '/v1/questions', body: { question: 'Which region?' } }),
      foreign: () => ({ path: '/v1/questions', body: { question: 'Which region?' } }),
    },
    'GET /v1/questions': { own: () => ({ path: '/v1/questions' }), foreign: () => ({ path: '/v1/questions?limit=1000' }) },
    'GET /v1/questions/:id': {
      own: async () => ({ path: `/v1/questions/${await ask(north)}` }),
      foreign: () => ({ path: `/v1/questions/${southIds.questionId}` }),
    },
    'POST /v1/questions/:id/answers': {
      own: async () => ({ path: `/v1/questions/${await ask(north)}/answers`, body: { choice: 'eu' } }),
      foreign: () => ({ path: `/v1/questions/${southIds.questionId}/answers`, body: { choice: 'eu' } }),
    },
    'GET /v1/jobs/next': {
      own: () => ({ path: '/v1/jobs/next?capability=analyzer' }),
      // The other tenant has a job of this capability waiting; it must not be handed out here.
      foreign: () => ({ path: '/v1/jobs/next?capability=analyzer' }),
    },
    'POST /v1/jobs/:id/heartbeat': {
      own: async (role) => {
        const job = role === 'worker' ? await leased(north) : { id: 'job_unleased', attempt: 1 };
        return { path: `/v1/jobs/${job.id}/heartbeat?attempt=${job.attempt}` };
      },
      foreign: () => ({ path: `/v1/jobs/${southIds.jobId}/heartbeat` }),
    },
    'POST /v1/jobs/:id/complete': {
      own: async (role) => {
        const job = role === 'worker' ? await leased(north) : { id: 'job_unleased', attempt: 1 };
        return { path: `/v1/jobs/${job.id}/complete`, body: { output: { ok: true }, attempt: job.attempt } };
      },
      foreign: () => ({ path: `/v1/jobs/${southIds.jobId}/complete`, body: { output: { ok: true } } }),
    },
    'POST /v1/jobs/:id/fail': {
      own: async (role) => {
        const job = role === 'worker' ? await leased(north) : { id: 'job_unleased', attempt: 1 };
        return { path: `/v1/jobs/${job.id}/fail`, body: { error: 'analysis crashed', attempt: job.attempt } };
      },
      foreign: () => ({ path: `/v1/jobs/${southIds.jobId}/fail`, body: { error: 'analysis crashed' } }),
    },
    'GET /v1/agents': { own: () => ({ path: '/v1/agents' }), foreign: () => ({ path: '/v1/agents' }) },
    'GET /v1/agents/:id': {
      own: () => ({ path: '/v1/agents/deploy-bot' }),
      foreign: () => ({ path: '/v1/agents/south-only-bot' }),
    },
    'POST /v1/agents/:id/level': {
      own: () => ({ path: '/v1/agents/deploy-bot/level', body: { level: 1, reason: 'trusted for staging' } }),
      foreign: () => ({ path: '/v1/agents/south-only-bot/level', body: { level: 1, reason: 'trusted for staging' } }),
    },
    'GET /v1/reviews': {
      own: () => ({ path: '/v1/reviews?status=pending,ok,flagged' }),
      foreign: () => ({ path: '/v1/reviews?status=pending,ok,flagged,reversing,reversed&limit=1000' }),
    },
    'GET /v1/webhooks/secret': { own: () => ({ path: '/v1/webhooks/secret' }) },
    'GET /v1/audit': {
      own: () => ({ path: '/v1/audit?limit=1000' }),
      foreign: () => ({ path: `/v1/audit?subject=${southIds.actionId}` }),
    },
    'GET /v1/audit/verify': { own: () => ({ path: '/v1/audit/verify' }) },
    'GET /v1/audit/export': { own: () => ({ path: '/v1/audit/export?format=csv' }) },
    'GET /v1/audit/public-key': { own: () => ({ path: '/v1/audit/public-key' }) },
    'GET /v1/events': { own: () => ({ path: '/v1/events' }) },
    'GET /v1/policy': { own: () => ({ path: '/v1/policy' }) },
    'POST /v1/policy/reload': { own: () => ({ path: '/v1/policy/reload' }) },
    'POST /v1/policy/simulate': { own: () => ({ path: '/v1/policy/simulate', body: { files: shadowFiles(), since: '1d' } }) },
    'GET /v1/policy/shadow': { own: () => ({ path: '/v1/policy/shadow' }), accept: ['shadow.not_set'] },
    'PUT /v1/policy/shadow': { own: () => ({ path: '/v1/policy/shadow', body: { files: shadowFiles() } }) },
    'DELETE /v1/policy/shadow': {
      own: async () => {
        await server.services.shadow.set(shadowFiles(), north.name, 'test');
        return { path: '/v1/policy/shadow' };
      },
    },
    'POST /v1/policy/shadow/promote': {
      own: async () => {
        await server.services.shadow.set(shadowFiles(), north.name, 'test');
        return { path: '/v1/policy/shadow/promote' };
      },
    },
    'GET /v1/metrics': { own: () => ({ path: '/v1/metrics?window=7d' }) },
    'GET /v1/metrics/series': { own: () => ({ path: '/v1/metrics/series?window=7d&bucket=hour' }) },
    'GET /metrics': { own: () => ({ path: '/metrics' }) },
    'GET /v1/notifications': {
      own: () => ({ path: '/v1/notifications?limit=1000' }),
      foreign: () => ({ path: `/v1/notifications?approval_id=${southIds.approvalId}` }),
    },
    'GET /v1/settings/outbound': { own: () => ({ path: '/v1/settings/outbound' }), foreign: () => ({ path: '/v1/settings/outbound' }) },
    'PUT /v1/settings/outbound': { own: () => ({ path: '/v1/settings/outbound', body: { allow_hosts: ['hooks.example.com'] } }) },
    'POST /v1/notifications/:id/redrive': {
      own: async () => ({ path: `/v1/notifications/${await notification(north)}/redrive` }),
      foreign: () => ({ path: `/v1/notifications/${southIds.notificationId}/redrive` }),
      // Messages are not dead here (nothing is sent in this test), and only dead ones are re-driven.
      accept: ['notify.not_dead'],
    },
    'POST /v1/integrations/slack/interactivity': {
      own: () => ({
        path: '/v1/integrations/slack/interactivity',
        body: 'payload=%7B%7D',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': '1', 'x-slack-signature': 'v0=00' },
      }),
      // Verified by Slack's signature, not by our credentials; no Slack channel is configured here.
      accept: ['notify.not_configured'],
    },
    // Verified by the channel's secret, not by our credentials; no such channel is configured here.
    'POST /v1/integrations/jira/:tenant/:channel': {
      own: () => ({
        path: `/v1/integrations/jira/${north.name}/ops-jira`,
        body: { timestamp: 1 },
        headers: { 'x-hub-signature': 'sha256=00' },
      }),
      accept: ['notify.bad_signature'],
    },
    'POST /v1/integrations/servicenow/:tenant/:channel': {
      own: () => ({
        path: `/v1/integrations/servicenow/${north.name}/ops-snow`,
        body: { state: 'approved' },
        headers: { 'webhook-id': 'msg_1', 'webhook-timestamp': '1', 'webhook-signature': 'v1,AAAA' },
      }),
      accept: ['notify.bad_signature'],
    },
    'GET /v1/tenants': { own: () => ({ path: '/v1/tenants' }) },
    'POST /v1/tenants': { own: () => ({ path: '/v1/tenants', body: { id: `t-${Math.random().toString(36).slice(2, 10)}` } }) },
    'PUT /v1/tenants/:tenant/policy': {
      own: () => ({ path: `/v1/tenants/${north.name}/policy`, body: { files: shadowFiles() } }),
      foreign: () => ({
        path: `/v1/tenants/${south.name}/policy`,
        body: { files: [{ path: 'p.yaml', text: 'defaults: { decision: ALLOW }\n' }] },
      }),
    },
    'GET /v1/settings/server': { own: () => ({ path: '/v1/settings/server' }) },
    'GET /v1/integrations/links/:token': { own: () => ({ path: '/v1/integrations/links/lnk_unknown.sig' }), accept: [404] },
    'POST /v1/integrations/links/:token': {
      own: () => ({
        path: '/v1/integrations/links/lnk_unknown.sig',
        body: 'note=ok',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      }),
      // The one-click link is the credential: an unknown one is a 404 page for anyone.
      accept: [404],
    },
  };

  /** One cell: the request as the role, its answer checked for shape and for south's data. */
  async function call(row: Row, role: Role, request: Request): Promise<Answer> {
    const [method] = row.route.split(' ') as [string];
    let token: string | undefined = role === 'anonymous' ? undefined : role === 'operator' ? operator.token : north.tokens[role];
    // Signing out ends the session: each caller signs out of a session of its own.
    if (row.route === 'POST /v1/auth/logout' && (role === 'approver' || role === 'auditor' || role === 'admin')) {
      token = (await server.services.auth.login(north.passwords[role].name, north.passwords[role].password, north.name)).token;
    }
    if (row.route === 'POST /v1/auth/logout' && role === 'operator')
      token = (await server.services.auth.login('ops', operator.password, 'default')).token;
    let answer: Answer;
    if (row.route === 'GET /v1/events') {
      // A live stream never ends: the status and type of its first bytes are the answer.
      const controller = new AbortController();
      const response = await fetch(`${server.url}${request.path}`, {
        headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
        signal: controller.signal,
      });
      const streaming = response.headers.get('content-type')?.startsWith('text/event-stream') === true;
      const text = streaming ? '' : await response.text();
      controller.abort();
      answer = { status: response.status, body: text === '' ? undefined : JSON.parse(text), text, headers: response.headers };
    } else {
      answer = await server.send(method, request.path, {
        ...(token === undefined ? {} : { token }),
        ...(request.body === undefined ? {} : { body: request.body }),
        ...(request.headers === undefined ? {} : { headers: request.headers }),
      });
    }
    const where = `${row.route} as ${role} (${request.path})`;
    expect(answer.status, `${where}: ${answer.text.slice(0, 300)}`).toBeLessThan(500);
    const html = answer.headers.get('content-type')?.startsWith('text/html') === true;
    if (answer.status >= 400 && !html) expectErrorShape(answer, where);
    // What the request itself named may come back in a not-found message; nothing else of south's may.
    const sent = `${request.path} ${JSON.stringify(request.body ?? '')}`;
    for (const secret of southSecrets) {
      if (!sent.includes(secret)) expect(answer.text.includes(secret), `${where} answered with south's \`${secret}\``).toBe(false);
    }
    return answer;
  }

  function expectCell(row: Row, role: Role, answer: Answer): void {
    const expected = row.cells[role];
    const where = `${row.route} as ${role}: ${answer.status} ${answer.text.slice(0, 300)}`;
    const code: string | undefined = answer.body?.error?.code;
    if (expected === 401) {
      expect(answer.status, where).toBe(401);
      expect(['auth.required', 'auth.invalid_key'], where).toContain(code);
    } else if (expected === 403) {
      expect(answer.status, where).toBe(403);
      expect(code, where).toBe('auth.forbidden');
    } else {
      const accept = REQUESTS[row.route]?.accept ?? [];
      const fine =
        (answer.status >= 200 && answer.status < 300) || accept.includes(answer.status) || (code !== undefined && accept.includes(code));
      expect(fine, where).toBe(true);
    }
  }

  beforeAll(async () => {
    receiver = await startReceiver();
    server = await startHarness(securityPolicy(receiver.url), { settings: localOutbound(), tenants: [north.name, south.name] });
    operator = await server.person('ops', 'operator');
    for (const [tenant, prefix] of [
      [north, ''],
      [south, 'south-'],
    ] as const) {
      const admin = await server.person(`${prefix}admin`, 'admin', { tenant: tenant.name, groups: ['approvers'] });
      const alice = await server.person(`${prefix}alice`, 'approver', { tenant: tenant.name, groups: ['approvers'] });
      await server.person(`${prefix}bob`, 'approver', { tenant: tenant.name, groups: ['approvers'] });
      const audrey = await server.person(`${prefix}audrey`, 'auditor', { tenant: tenant.name });
      const bot = await server.agent(prefix === '' ? 'deploy-bot' : 'south-only-bot', tenant.name);
      const worker = await server.worker(`${prefix}analyzer-1`, ['analyzer'], tenant.name);
      tenant.tokens = { agent: bot.token, worker: worker.token, approver: alice.token, auditor: audrey.token, admin: admin.token };
      tenant.passwords = {
        approver: { name: `${prefix}alice`, password: alice.password },
        auditor: { name: `${prefix}audrey`, password: audrey.password },
        admin: { name: `${prefix}admin`, password: admin.password },
      };
      if (tenant === south) {
        for (const secret of [
          bot.token,
          bot.keyId,
          worker.token,
          worker.keyId,
          alice.token,
          admin.token,
          audrey.token,
          alice.id,
          admin.id,
          audrey.id,
        ])
          southSecrets.add(secret);
        for (const person of Object.values(tenant.passwords)) southSecrets.add(person.password);
      }
    }
    // South's records, every kind a route can name.
    const { actionId, approvalId } = await pending(south);
    const shared = await submit(south, { action_type: 'deploy', environment: 'staging', idempotency_key: 'shared-key' });
    const southGrant = await grant(south);
    const job = await leased(south);
    const queued = await submit(south, { action_type: 'migrate', summary: 'a job only south may take' });
    southIds = {
      actionId,
      approvalId,
      sharedKeyActionId: shared.id,
      grant: southGrant,
      jobId: job.id,
      queuedJobActionId: queued.id,
      executedId: await executed(south),
      notificationId: await notification(south),
      standingId: await standing(south),
      questionId: await ask(south),
    };
    for (const value of [
      actionId,
      approvalId,
      shared.id,
      southGrant.grant,
      job.id,
      job.actionId,
      queued.id,
      southIds.executedId,
      southIds.notificationId,
      southIds.standingId,
      southIds.questionId,
    ])
      southSecrets.add(value);
    for (const name of ['south-admin', 'south-alice', 'south-bob', 'south-audrey', 'south-only-bot', 'south-analyzer-1'])
      southSecrets.add(name);
    // Each tenant signs its webhooks with its own secret: north's admin must not be able to sign as south.
    southSecrets.add(await server.services.webhookSecret(south.name));
    // South's admin allows a host of its own: north must not see it.
    const southHosts = await server.send('PUT', '/v1/settings/outbound', {
      token: south.tokens.admin,
      body: { allow_hosts: ['south-only.example.com'] },
    });
    expect(southHosts.status).toBe(200);
    southSecrets.add('south-only.example.com');
    // North: a notification to re-drive, and nothing left in the job queue.
    await pending(north);
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    await receiver?.close();
  });

  it('has a row for every route the server serves, and no row for a route it does not', () => {
    const served = routesOf(server.app);
    expect(served.length).toBeGreaterThan(40);
    const listed = ROWS.map((row) => row.route).sort();
    expect(
      served.filter((route) => !listed.includes(route)),
      'routes without a row in MATRIX',
    ).toEqual([]);
    expect(
      listed.filter((route) => !served.includes(route)),
      'rows for routes that do not exist',
    ).toEqual([]);
    expect(Object.keys(REQUESTS).sort()).toEqual(listed);
  });

  it('answers each kind of caller as the table says, with the own tenant’s ids', async () => {
    for (const row of ROWS) {
      for (const role of ROLES) {
        const request = await REQUESTS[row.route]!.own(role);
        expectCell(row, role, await call(row, role, request));
      }
    }
  });

  it('answers another tenant’s ids as if they did not exist, to every caller', async () => {
    let checked = 0;
    for (const row of ROWS.filter((r) => r.foreign !== '-')) {
      const build = REQUESTS[row.route]!.foreign;
      expect(build, `${row.route} needs a request with another tenant’s ids`).toBeDefined();
      // The operator belongs to no tenant, so no tenant is another's to them.
      for (const role of ROLES.filter((r) => r !== 'operator')) {
        const answer = await call(row, role, build!());
        if (row.cells[role] !== 'ok') {
          expectCell(row, role, answer);
          continue;
        }
        const where = `${row.route} as ${role} with south's ids: ${answer.status} ${answer.text.slice(0, 300)}`;
        if (row.foreign === 404) {
          expect(answer.status, where).toBe(404);
          expect(answer.body.error.code, where).toMatch(/\.not_found$/);
        } else {
          expect(answer.status, where).toBeGreaterThanOrEqual(200);
          expect(answer.status, where).toBeLessThan(300);
        }
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThan(40);
    // South's queued job is still there for south's own worker.
    const job = await send('GET', '/v1/jobs/next?capability=analyzer', south.tokens.worker);
    expect(job.status).toBe(200);
    expect(job.body.action_id).toBe(southIds.queuedJobActionId);
  });

  it('refuses HEAD as it refuses GET', async () => {
    for (const row of ROWS.filter((r) => r.route.startsWith('GET ') && r.cells.anonymous === 401)) {
      const { path } = await REQUESTS[row.route]!.own('anonymous');
      const anonymous = await fetch(`${server.url}${path}`, { method: 'HEAD' });
      expect(anonymous.status, `HEAD ${path}`).toBe(401);
      if (row.cells.agent === 403) {
        const agent = await fetch(`${server.url}${path}`, { method: 'HEAD', headers: { authorization: `Bearer ${north.tokens.agent}` } });
        expect(agent.status, `HEAD ${path} as agent`).toBe(403);
      }
    }
  });
});
