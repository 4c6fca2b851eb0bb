// A real `tollgate serve` process (the server as shipped, serving the built dashboard) on a fresh
// SQLite file and a policy folder the test writes; people and keys are made with the real CLI.
// It can be restarted on the same database with its clock set back, to record history on earlier
// days through the real API. `startDemo` runs the real `tollgate demo` the same way.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

export const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
const BIN = join(REPO, 'packages/server/bin/tollgate.js');
const exec = promisify(execFile);
const SHIFTED_CLOCK = pathToFileURL(fileURLToPath(new URL('./shifted-clock.js', import.meta.url))).href;

export interface StartOptions {
  /** Runs the server as if its clock were this far behind (ms); its records are stamped that long ago. */
  clockShiftMs?: number;
}

export interface Tollgate {
  /** The server's address now: a restart moves it to a new port. */
  readonly url: string;
  /** Stops the server and starts it again on the same database and policy, with these options. */
  restart(options?: StartOptions): Promise<void>;
  /** A person made with `tollgate users add`; the password is `<name>-password`. */
  person(name: string, role: 'admin' | 'approver' | 'auditor', groups?: string[]): Promise<void>;
  /** A fetch-based client signed in as `name` by token (a session lasts 12 h of the server's clock). */
  as(name: string): Promise<Api>;
  /** A client for a new API key of `agent`. */
  agent(agent: string): Promise<Api>;
  /** A new API key of `agent` itself, for the SDK. */
  agentKey(agent: string): Promise<string>;
  /** A client for a new worker key named `worker` serving `capability`. */
  worker(worker: string, capability: string): Promise<Api>;
  close(): Promise<void>;
}

export type Api = <T = any>(method: string, path: string, body?: unknown) => Promise<{ status: number; body: T }>;

/** A client for `token`; `url` is asked on every call, so it follows the server across restarts. */
export function api(url: () => string, token: string): Api {
  return async (method, path, body) => {
    const response = await fetch(`${url()}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
  };
}

export async function startTollgate(policy: Record<string, string>, options: StartOptions = {}): Promise<Tollgate> {
  if (!existsSync(join(REPO, 'packages/dashboard/dist/index.html')))
    throw new Error('the dashboard is not built: run `npm run build` before these tests');
  const folder = mkdtempSync(join(tmpdir(), 'tollgate-dashboard-'));
  const db = join(folder, 'tollgate.db');
  const policyDir = join(folder, 'policy');
  await exec('mkdir', ['-p', policyDir]);
  for (const [name, text] of Object.entries(policy)) writeFileSync(join(policyDir, name), text);
  // The suites' receivers listen on 127.0.0.1 over plain http, which the operator must allow.
  const settings = join(folder, 'settings.yaml');
  writeFileSync(
    settings,
    JSON.stringify({ outbound: { allow_http: true, allow_addresses: ['127.0.0.1/32'], allow_hosts: ['127.0.0.1'] } }),
  );
  const serve = async (start: StartOptions): Promise<{ child: ChildProcess; url: string }> => {
    const shift = start.clockShiftMs ?? 0;
    const child = spawn(
      process.execPath,
      [
        ...(shift === 0 ? [] : ['--import', SHIFTED_CLOCK]),
        BIN,
        'serve',
        '--db',
        db,
        '--policy',
        policyDir,
        '--port',
        '0',
        '--rate-limit',
        '0',
        '--log-level',
        'warn',
        '--settings',
        settings,
      ],
      { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TOLLGATE_TEST_CLOCK_SHIFT_MS: String(shift) } },
    );
    const output = await started(child);
    return { child, url: /serving at (http:\/\/\S+)/.exec(output)![1]! };
  };
  const stop = async (child: ChildProcess): Promise<void> => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  };
  let running = await serve(options);
  const url = (): string => running.url;
  const cli = (...args: string[]) => exec(process.execPath, [BIN, ...args, '--db', db], { cwd: REPO });
  return {
    get url() {
      return running.url;
    },
    async restart(next = {}) {
      await stop(running.child);
      running = await serve(next);
    },
    async person(name, role, groups = []) {
      await cli('users', 'add', '--name', name, '--password', `${name}-password`, '--role', role, ...groups.flatMap((g) => ['--group', g]));
    },
    async as(name) {
      return api(url, await signIn(url(), name, `${name}-password`));
    },
    async agent(agent) {
      const { stdout } = await cli('keys', 'create', '--agent', agent);
      return api(url, stdout.trim());
    },
    async agentKey(agent) {
      const { stdout } = await cli('keys', 'create', '--agent', agent);
      return stdout.trim();
    },
    async worker(worker, capability) {
      const { stdout } = await cli('keys', 'create', '--worker', worker, '--capability', capability);
      return api(url, stdout.trim());
    },
    async close() {
      await stop(running.child);
      rmSync(folder, { recursive: true, force: true });
    },
  };
}

/** A session token for `name`, signed in over the API. */
async function signIn(url: string, name: string, password: string): Promise<string> {
  const response = await fetch(`${url}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, password }),
  });
  const body = (await response.json()) as { token?: string };
  if (body.token === undefined) throw new Error(`login of ${name} failed: ${JSON.stringify(body)}`);
  return body.token;
}

function started(child: ChildProcess): Promise<string> {
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tollgate serve did not start:\n${output}`)), 20_000);
    const read = (chunk: Buffer): void => {
      output += chunk.toString();
      if (/serving at http:\/\/\S+/.test(output)) {
        clearTimeout(timer);
        resolve(output);
      }
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`tollgate serve exited with ${code}:\n${output}`));
    });
  });
}

export interface Demo {
  url: string;
  /** The first admin's password, as the demo printed it. */
  adminPassword: string;
  /** A client signed in by token as `name` with `password`. */
  as(name: string, password: string): Promise<Api>;
  close(): Promise<void>;
}

/**
 * A real `tollgate demo` on a fresh SQLite file: it records `history` days of its simulated team
 * first, then runs live (an action every `intervalMs` on average) until closed.
 */
export async function startDemo(options: { history: number; intervalMs?: number }): Promise<Demo> {
  if (!existsSync(join(REPO, 'packages/dashboard/dist/index.html')))
    throw new Error('the dashboard is not built: run `npm run build` before these tests');
  const folder = mkdtempSync(join(tmpdir(), 'tollgate-demo-'));
  const child = spawn(
    process.execPath,
    [
      BIN,
      'demo',
      '--db',
      join(folder, 'demo.db'),
      '--port',
      '0',
      '--log-level',
      'warn',
      '--history',
      String(options.history),
      '--interval',
      String(options.intervalMs ?? 2000),
    ],
    { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const printed = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tollgate demo did not start:\n${output}`)), 180_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (/demo at http:\/\/\S+[\s\S]*password: \S+[\s\S]*password: \S+/.test(output)) {
        clearTimeout(timer);
        resolve(output);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`tollgate demo exited with ${code}:\n${output}`));
    });
  });
  const url = /demo at (http:\/\/\S+)/.exec(printed)![1]!;
  return {
    url,
    adminPassword: /admin login — name: admin {2}password: (\S+)/.exec(printed)![1]!,
    async as(name, password) {
      return api(() => url, await signIn(url, name, password));
    },
    async close() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
      rmSync(folder, { recursive: true, force: true });
    },
  };
}
