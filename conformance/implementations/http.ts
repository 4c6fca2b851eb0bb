// The HTTP API: one in-process server on SQLite whose policy folder is rewritten for each case and
// reloaded with POST /v1/policy/reload; decisions come from POST /v1/actions, as an agent sends them.

import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, TestRunner } from 'vitest';
// The server has no library face of its own; these are the modules `tollgate serve` runs.
import { serveConfig } from '../../packages/server/dist/config/config.js';
import { startServer, type RunningServer } from '../../packages/server/dist/server/start.js';
import type { Implementation } from '../implementations.js';
import type { ConformanceCase } from '../loader.js';
import type { Outcome } from '../outcome.js';

/** The agent that sends actions which name none; the server fills `agent` in from the key. */
const DEFAULT_AGENT = 'conformance-agent';
/**
 * Given to actions without a type, since the API requires `action_type` and the kernel does not; only
 * when the policy never names `action`/`action_type`, so that no rule or exception can tell.
 */
const UNTYPED = 'conformance-untyped';
const AGENT_NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

interface Harness {
  server: RunningServer;
  dir: string;
  policyDir: string;
  adminToken: string;
  operatorToken: string;
  cases: number;
}

let harness: Promise<Harness> | undefined;
let queue: Promise<unknown> = Promise.resolve();

async function start(): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'tollgate-conformance-http-'));
  const policyDir = join(dir, 'policy');
  await mkdir(policyDir);
  await writeFile(join(policyDir, 'policy.yaml'), 'defaults: { decision: ALLOW }\n');
  const config = serveConfig({ db: join(dir, 'tollgate.db'), policy: policyDir, host: '127.0.0.1', port: 0, rateLimit: 0 }, {});
  const server = await startServer(config, { logger: false, watchPolicy: false });
  // Whatever holds the run open must not be this server.
  server.app.server.unref();
  await server.services.auth.addUser({ name: 'conformance-admin', password: 'conformance-admin', role: 'admin' });
  const session = await server.services.auth.login('conformance-admin', 'conformance-admin');
  // Each case runs in a tenant of its own, whose policy the operator pushes.
  await server.services.auth.addUser({ name: 'conformance-operator', password: 'conformance-operator', role: 'operator' });
  const operator = await server.services.auth.login('conformance-operator', 'conformance-operator');
  return { server, dir, policyDir, adminToken: session.token, operatorToken: operator.token, cases: 0 };
}

async function close(): Promise<void> {
  if (harness === undefined) return;
  const { server, dir } = await harness;
  harness = undefined;
  await server.close();
  await rm(dir, { recursive: true, force: true });
}

// Registered while the test file that lists the implementations is collected: one server for the run.
if (process.env.VITEST !== undefined) afterAll(close);

/** Marks the running test skipped, saying why the HTTP API cannot express the case. */
function skip(reason: string): never {
  const test = TestRunner.getCurrentTest();
  if (test === undefined) throw new Error(`http cannot run this case: ${reason}`);
  return test.context.skip(`http: ${reason}`);
}

async function call(url: string, token: string, path: string, body?: unknown, method = 'POST'): Promise<{ status: number; body: any }> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Why the HTTP API cannot send this case's action as the case means it, or undefined when it can. */
function inexpressible(testCase: ConformanceCase): string | undefined {
  if (testCase.expect.kind !== 'decision') return undefined;
  const { action, options, want } = testCase.expect;
  const given = Object.keys(options);
  if (given.length > 0) return `evaluate option ${given.map((o) => `\`${o}\``).join(', ')} is computed by the server, not sent`;
  const text = testCase.policy.map((file) => file.text).join('\n');
  if (/novelty:\s*true/.test(text)) return 'the server computes novelty from the agent’s history; the case cannot choose it';
  const rate = /audit_sample_rate:\s*([-+.\deE]+)/.exec(text);
  if (rate !== null && Number(rate[1]) > 0 && Number(rate[1]) < 1 && (want.decision === 'ALLOW' || want.decision === 'REVIEW')) {
    return 'the server samples by the id it gives each action, so whether this one is sampled is not the case’s to choose';
  }
  if (!isObject(action)) return undefined;
  if (action.agent !== undefined && (typeof action.agent !== 'string' || !AGENT_NAME.test(action.agent))) {
    return `the server takes \`agent\` from the API key, and no key can belong to ${JSON.stringify(action.agent)}`;
  }
  if (action.agent === undefined && /\bagent\b/.test(text)) {
    return 'the server sets `agent` from the API key, and this policy tests `agent` on an action that has none';
  }
  if (action.action_type === undefined && action.action === undefined && /\baction(_type)?\b/.test(text)) {
    return 'the API requires `action_type`, and this policy tests it on an action that has none';
  }
  return undefined;
}

/**
 * The HTTP equivalent of the kernel's DENY with reason `action.invalid`: the API refuses a
 * non-object action with 400 `action.invalid` and stores nothing, where the kernel decides DENY.
 */
const NOT_AN_OBJECT: Outcome = {
  kind: 'decision',
  decision: 'DENY',
  rules: [],
  reasons: ['action.invalid'],
  risk: null,
  missing: [],
  route: null,
  policyVersion: '',
};

async function runCase(testCase: ConformanceCase): Promise<Outcome> {
  const reason = inexpressible(testCase);
  if (reason !== undefined) skip(reason);
  harness ??= start();
  const h = await harness;
  const { url, services } = h.server;

  for (const name of await readdir(h.policyDir)) await rm(join(h.policyDir, name), { force: true });
  for (const file of testCase.policy) await writeFile(join(h.policyDir, file.path), file.text);
  const reload = await call(url, h.adminToken, '/v1/policy/reload');
  if (reload.status === 422 && reload.body.error.code === 'policy.invalid') {
    const diagnostics = (reload.body.error.details?.diagnostics ?? []) as {
      code: string;
      message: string;
      line?: number;
      column?: number;
    }[];
    return {
      kind: 'invalid',
      diagnostics: diagnostics.map(({ code, message, line, column }) => ({
        code,
        message,
        ...(line === undefined ? {} : { line }),
        ...(column === undefined ? {} : { column }),
      })),
    };
  }
  if (reload.status !== 200) throw new Error(`policy reload answered ${reload.status}: ${JSON.stringify(reload.body)}`);
  if (testCase.expect.kind === 'error') return { kind: 'valid' };

  // A tenant per case, so that no case sees another's history (idempotency keys, track records).
  h.cases += 1;
  const tenant = `case-${h.cases}`;
  const { action } = testCase.expect;
  let body: unknown = action;
  let agent = DEFAULT_AGENT;
  if (isObject(action)) {
    if (typeof action.agent === 'string') agent = action.agent;
    if (action.action_type === undefined && action.action === undefined) body = { ...action, action_type: UNTYPED };
  }
  const created = await call(url, h.operatorToken, '/v1/tenants', { id: tenant });
  if (created.status !== 201) throw new Error(`POST /v1/tenants answered ${created.status}: ${JSON.stringify(created.body)}`);
  const pushed = await call(url, h.operatorToken, `/v1/tenants/${tenant}/policy`, { files: testCase.policy }, 'PUT');
  if (pushed.status !== 200) throw new Error(`PUT /v1/tenants/${tenant}/policy answered ${pushed.status}: ${JSON.stringify(pushed.body)}`);
  const { secret } = await services.auth.createKey(agent, tenant);
  const reply = await call(url, secret, '/v1/actions', body);

  if (reply.status === 400) {
    const error = reply.body.error as { code: string; message: string; details?: { field?: string } };
    if (!isObject(action)) {
      if (error.code === 'action.invalid') return NOT_AN_OBJECT;
      // Known server bug (packages/server/test/bad-input.e2e.test.ts): the route's schema answers first.
      if (error.code === 'request.invalid' && error.details?.field === 'body') {
        skip('the server refuses a non-object action with `request.invalid`, not `action.invalid` (a known server bug)');
      }
    }
    if (error.code === 'action.invalid') skip(`the API refuses this action as bad input: ${error.message}`);
  }
  if (reply.status !== 201) throw new Error(`POST /v1/actions answered ${reply.status}: ${JSON.stringify(reply.body)}`);

  const view = reply.body as {
    decision: string;
    reasons: { kind: string; name: string }[];
    missing: { path: string }[];
    risk: string | null;
    policy_version: string;
    approval?: { workflow: string | null; approvers: string[]; require: number; criteria: string[]; modifiable: unknown };
  };
  if (view.policy_version !== reload.body.version) {
    throw new Error(`the action was decided by ${view.policy_version}, not the reloaded ${reload.body.version}`);
  }
  const approval = view.approval;
  return {
    kind: 'decision',
    decision: view.decision,
    rules: view.reasons.filter((r) => r.kind === 'rule').map((r) => r.name),
    reasons: view.reasons.map((r) => r.name),
    risk: view.risk,
    missing: view.missing.map((m) => m.path),
    // The route is what the approval request was opened with: who decides, how many, and by which workflow.
    route:
      view.decision !== 'REQUIRE_APPROVAL' || approval === undefined
        ? null
        : {
            ...(approval.workflow === null ? {} : { workflow: approval.workflow }),
            approvers: approval.approvers,
            require: approval.require,
            criteria: approval.criteria,
            ...(approval.modifiable === null ? {} : { modifiable: approval.modifiable }),
          },
    policyVersion: view.policy_version,
  };
}

export const http: Implementation & { close(): Promise<void> } = {
  name: 'http',
  run(testCase) {
    // One policy folder serves every case: cases take turns.
    const result = queue.then(() => runCase(testCase));
    queue = result.catch(() => undefined);
    return result;
  },
  close,
};
