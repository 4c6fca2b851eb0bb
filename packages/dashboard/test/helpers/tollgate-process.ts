// A real `tollgate serve` process (the server as shipped, serving the built dashboard) on a fresh
// SQLite file and a policy folder the test writes; people and keys are made with the real CLI.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
const BIN = join(REPO, 'packages/server/bin/tollgate.js');
const exec = promisify(execFile);

export interface Tollgate {
  url: string;
  /** A person made with `tollgate users add`; the password is `<name>-password`. */
  person(name: string, role: 'admin' | 'approver' | 'auditor', groups?: string[]): Promise<void>;
  /** A fetch-based client signed in as `name` by token. */
  as(name: string): Promise<Api>;
  /** A client for a new API key of `agent`. */
  agent(agent: string): Promise<Api>;
  close(): Promise<void>;
}

export type Api = <T = any>(method: string, path: string, body?: unknown) => Promise<{ status: number; body: T }>;

export function api(url: string, token: string): Api {
  return async (method, path, body) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
  };
}

export async function startTollgate(policy: Record<string, string>): Promise<Tollgate> {
  if (!existsSync(join(REPO, 'packages/dashboard/dist/index.html')))
    throw new Error('the dashboard is not built: run `npm run build` before these tests');
  const folder = mkdtempSync(join(tmpdir(), 'tollgate-dashboard-'));
  const db = join(folder, 'tollgate.db');
  const policyDir = join(folder, 'policy');
  await exec('mkdir', ['-p', policyDir]);
  for (const [name, text] of Object.entries(policy)) writeFileSync(join(policyDir, name), text);
  const child = spawn(
    process.execPath,
    [BIN, 'serve', '--db', db, '--policy', policyDir, '--port', '0', '--rate-limit', '0', '--log-level', 'warn'],
    { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const output = await started(child);
  const url = /serving at (http:\/\/\S+)/.exec(output)![1]!;
  const cli = (...args: string[]) => exec(process.execPath, [BIN, ...args, '--db', db], { cwd: REPO });
  return {
    url,
    async person(name, role, groups = []) {
      await cli('users', 'add', '--name', name, '--password', `${name}-password`, '--role', role, ...groups.flatMap((g) => ['--group', g]));
    },
    async as(name) {
      const response = await fetch(`${url}/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name, password: `${name}-password` }),
      });
      const body = (await response.json()) as { token?: string };
      if (body.token === undefined) throw new Error(`login of ${name} failed: ${JSON.stringify(body)}`);
      return api(url, body.token);
    },
    async agent(agent) {
      const { stdout } = await cli('keys', 'create', '--agent', agent);
      return api(url, stdout.trim());
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
