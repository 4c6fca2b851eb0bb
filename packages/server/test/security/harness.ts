// The security suites' server: one in-process `startServer` on a fresh SQLite file, with its app
// and services at hand, people, agents and workers in any tenant, and requests with exactly the headers given.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { serveConfig, type ServeOptions } from '../../src/config/config.js';
import { tenantSettings, type ServerSettings } from '../../src/config/server-settings.js';
import { startServer, type RunningServer } from '../../src/server/start.js';
import type { Role } from '../../src/stores/records.js';
import type { Clock } from '../../src/util/clock.js';

/**
 * The suites' policy: every kind of decision, an approval workflow with a worker step, and (given
 * a URL) a webhook channel that every notification goes to.
 */
export function securityPolicy(hookUrl?: string): string {
  const notifications =
    hookUrl === undefined
      ? ''
      : `notifications:
  channels:
    hook: { type: webhook, url: "${hookUrl}" }
  routes:
    - { channel: hook }
`;
  return `
defaults: { decision: ALLOW }
rules:
  - name: production-deploys
    match: { action_type: deploy, environment: production }
    decision: REQUIRE_APPROVAL
    approvers: [approvers]
    standing: { max_for: 8h, max_uses: 50 }
  - name: analysed-migrations
    match: { action_type: migrate }
    decision: REQUIRE_APPROVAL
    workflow: analysed
  - name: reviewed-tasks
    match: { action_type: task }
    decision: REVIEW
workflows:
  analysed:
    steps:
      - { id: analysis, type: worker, config: { capability: analyzer } }
      - { id: approval, type: approval, depends_on: [analysis], config: { approvers: [approvers] } }
${notifications}`;
}

/**
 * Production deploys wait for the `ops` group, and each request goes to a Teams channel (its
 * webhook URL in the environment variable `urlEnv`), whose cards carry one-click links that ask
 * who is deciding: a name and password.
 */
export function teamsLinkPolicy(urlEnv: string): string {
  return `
defaults: { decision: ALLOW }
rules:
  - name: production-deploys
    match: { action_type: deploy, environment: production }
    decision: REQUIRE_APPROVAL
    approvers: [ops]
notifications:
  channels:
    ops-teams: { type: teams, webhook_url_env: ${urlEnv} }
  routes:
    - { channel: ops-teams, events: [requested] }
`;
}

export interface Answer {
  status: number;
  /** Parsed JSON when the body is JSON, else the text. */
  body: any;
  text: string;
  headers: Headers;
}

export interface Harness {
  url: string;
  app: RunningServer['app'];
  services: RunningServer['services'];
  policyDir: string;
  /** A person in `tenant` (default `default`), signed in: the session token. */
  person(
    name: string,
    role: Role,
    options?: { tenant?: string; groups?: string[] },
  ): Promise<{ token: string; id: string; password: string }>;
  /** A new API key for `agent` in `tenant`. */
  agent(agent: string, tenant?: string): Promise<{ token: string; keyId: string }>;
  /** A new worker key named `worker` serving `capabilities`, in `tenant`. */
  worker(worker: string, capabilities: string[], tenant?: string): Promise<{ token: string; keyId: string }>;
  /** Sends a request with exactly these headers; `body` objects are sent as JSON. */
  send(method: string, path: string, options?: { token?: string; body?: unknown; headers?: Record<string, string> }): Promise<Answer>;
  close(): Promise<void>;
}

export async function startHarness(
  policy: string,
  options: {
    serve?: Partial<ServeOptions>;
    clock?: Clock;
    env?: Record<string, string>;
    settings?: ServerSettings;
    /** Tenants the operator serves from the same policy folder as the default tenant. */
    tenants?: string[];
  } = {},
): Promise<Harness> {
  const folder = mkdtempSync(join(tmpdir(), 'tollgate-security-'));
  const policyDir = join(folder, 'policy');
  mkdirSync(policyDir);
  writeFileSync(join(policyDir, 'policy.yaml'), policy);
  const config = {
    ...serveConfig(
      { db: join(folder, 'tollgate.db'), policy: policyDir, port: 0, host: '127.0.0.1', rateLimit: 0, ...options.serve },
      options.env ?? {},
    ),
    ...(options.settings === undefined ? {} : { settings: options.settings }),
  };
  for (const tenant of options.tenants ?? [])
    config.settings.tenants[tenant] = { ...tenantSettings(config.settings, tenant), policy: policyDir };
  const running = await startServer(config, {
    logger: false,
    watchPolicy: false,
    timerIntervalMs: 0,
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  });
  const { services, url, app } = running;

  async function send(
    method: string,
    path: string,
    { token, body, headers = {} }: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<Answer> {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: {
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
        ...(body === undefined || typeof body === 'string' ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, body: parsed, text, headers: response.headers };
  }

  return {
    url,
    app,
    services,
    policyDir,
    async person(name, role, { tenant = 'default', groups = [] } = {}) {
      const password = `${name}-pass-${Math.random().toString(36).slice(2, 10)}`;
      const user = await services.auth.addUser({ name, password, role, groups, tenant });
      const session = await services.auth.login(name, password, tenant);
      return { token: session.token, id: user.id, password };
    },
    async agent(agent, tenant = 'default') {
      const { key, secret } = await services.auth.createKey(agent, tenant);
      return { token: secret, keyId: key.id };
    },
    async worker(worker, capabilities, tenant = 'default') {
      const { key, secret } = await services.auth.createWorkerKey(worker, capabilities, tenant);
      return { token: secret, keyId: key.id };
    },
    send,
    async close() {
      await running.close();
      rmSync(folder, { recursive: true, force: true });
    },
  };
}

/** The API's error shape: `{ error: { code, message } }` with a dotted code and a non-empty message. */
export function expectErrorShape(answer: Answer, context = ''): void {
  expect(answer.body, `${context} ${answer.status} ${answer.text.slice(0, 300)}`).toMatchObject({
    error: { code: expect.stringMatching(/^[a-z_]+\.[a-z_]+$/), message: expect.any(String) },
  });
  expect((answer.body as { error: { message: string } }).error.message.length, context).toBeGreaterThan(0);
}

/**
 * Every route the app serves, as `METHOD /path` with Fastify's `:param` names, read from the
 * router itself (not from /openapi.json, which a route can hide from). HEAD routes Fastify adds
 * for GET are left out; they run the GET route's hooks.
 */
export function routesOf(app: RunningServer['app']): string[] {
  const tree = app.printRoutes({ commonPrefix: false });
  const stack: string[] = [];
  const routes: string[] = [];
  for (const line of tree.split('\n')) {
    const match = /^((?:│ {3}| {4})*)(?:├── |└── )(\S+)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (match === null) continue;
    const depth = match[1]!.length / 4;
    stack.length = depth;
    stack.push(match[2]!);
    if (match[3] === undefined) continue;
    const path = stack.join('');
    for (const method of match[3].split(',').map((m) => m.trim())) if (method !== 'HEAD') routes.push(`${method} ${path}`);
  }
  return routes.sort();
}
