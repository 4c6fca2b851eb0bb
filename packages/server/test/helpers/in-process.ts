// A real server on a free port inside the test process, over real HTTP, with its services at
// hand for setting up people and keys, and a policy folder the test writes.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serveConfig } from '../../src/config/config.js';
import { startServer, type RunningServer } from '../../src/server/start.js';
import type { Role } from '../../src/stores/records.js';
import type { Clock } from '../../src/util/clock.js';
import { client } from './http.js';

export type Client = ReturnType<typeof client>;
/** A client that also shows the token it sends. */
export type Authed = Client & { token: string };

export interface TestServer {
  url: string;
  services: RunningServer['services'];
  /** The folder the policy is read from; rewrite its files and POST /v1/policy/reload. */
  policyDir: string;
  /** A client for a new person, signed in (by token). */
  person(name: string, role: Role, options?: { groups?: string[]; tenant?: string }): Promise<Authed>;
  /** A client for a new API key of `agent`. */
  agent(agent: string, tenant?: string): Promise<Authed & { keyId: string }>;
  close(): Promise<void>;
}

/**
 * Starts a server on `db` with the policy files given (name → YAML text), served to the default
 * tenant and to each of `tenants` (as an operator maps tenants to a policy folder).
 */
export async function startTestServer(
  db: string,
  policy: Record<string, string>,
  options: { tenants?: string[]; clock?: Clock } = {},
): Promise<TestServer> {
  const policyDir = mkdtempSync(join(tmpdir(), 'tollgate-policy-'));
  for (const [name, text] of Object.entries(policy)) writeFileSync(join(policyDir, name), text);
  const config = serveConfig({ db, policy: policyDir, port: 0, host: '127.0.0.1', rateLimit: 0 }, {});
  for (const tenant of options.tenants ?? [])
    config.settings.tenants[tenant] = { policy: policyDir, secrets: { names: [] }, outbound: { allow_hosts: [] } };
  const running = await startServer(config, {
    logger: false,
    watchPolicy: false,
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  });
  const { url, services } = running;
  return {
    url,
    services,
    policyDir,
    async person(name, role, options = {}) {
      const password = `${name}-password`;
      await services.auth.addUser({
        name,
        password,
        role,
        groups: options.groups ?? [],
        ...(options.tenant ? { tenant: options.tenant } : {}),
      });
      const session = await services.auth.login(name, password, options.tenant);
      return Object.assign(client(url, session.token), { token: session.token });
    },
    async agent(agent, tenant) {
      const { key, secret } = await services.auth.createKey(agent, tenant);
      return Object.assign(client(url, secret), { token: secret, keyId: key.id });
    },
    async close() {
      await running.close();
      rmSync(policyDir, { recursive: true, force: true });
    },
  };
}
