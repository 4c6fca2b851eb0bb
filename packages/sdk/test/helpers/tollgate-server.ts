// A real `tollgate serve` process on a fresh SQLite file and a policy the test writes, with agent
// and worker keys and approvers made by the real CLI, so the SDK is tested against the server as shipped.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
export const TOLLGATE_BIN = join(REPO, 'packages/server/bin/tollgate.js');
const exec = promisify(execFile);

export interface Approver {
  name: string;
  /** Approves, changing the action's `modifications` (fields the policy lets an approver change). */
  approve(approvalId: string, note?: string, modifications?: Record<string, unknown>): Promise<void>;
  deny(approvalId: string, note: string): Promise<void>;
  requestChanges(approvalId: string, note: string): Promise<void>;
  /** The questions waiting for this person, newest first. */
  questions(): Promise<{ id: string; question: string }[]>;
  /** Answers a question (`{ choice }`, `{ choices }`, `{ text }`). */
  answer(questionId: string, answer: Record<string, unknown>): Promise<void>;
}

export interface TollgateServer {
  url: string;
  db: string;
  /** A new API key for `agent`, made with `tollgate keys create`. */
  key(agent: string): Promise<string>;
  /** A new worker key named `worker` serving `capabilities`, made with `tollgate keys create --worker`. */
  workerKey(worker: string, ...capabilities: string[]): Promise<string>;
  /** A person in the `approvers` group, signed in. */
  approver(name: string): Promise<Approver>;
  /** Reads an action as the server's admin sees it. */
  action(id: string): Promise<Record<string, any>>;
  /** The actions of `agent`, oldest first, each as the server's admin reads it. */
  actions(agent: string): Promise<Record<string, any>[]>;
  /** Waits for an approval request to be pending and answers the oldest one. */
  pendingApproval(): Promise<{ id: string; action_id: string }>;
  close(): Promise<void>;
}

export function tollgateCli(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return exec(process.execPath, [TOLLGATE_BIN, ...args], { cwd: REPO });
}

/** Starts a server with the policy text given, or the policy at `{ path }` (relative to the repository). */
export async function startTollgate(policy: string | { path: string }): Promise<TollgateServer> {
  const folder = mkdtempSync(join(tmpdir(), 'tollgate-sdk-'));
  const db = join(folder, 'tollgate.db');
  let policyFile = join(folder, 'policy.yaml');
  if (typeof policy === 'string') writeFileSync(policyFile, policy);
  else policyFile = join(REPO, policy.path);
  const child = spawn(
    process.execPath,
    [TOLLGATE_BIN, 'serve', '--db', db, '--policy', policyFile, '--port', '0', '--rate-limit', '0', '--log-level', 'warn'],
    { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const output = await started(child);
  const url = /serving at (http:\/\/\S+)/.exec(output)![1]!;
  const admin = /name: (\S+)\s+password: (\S+)/.exec(output)!;
  const adminToken = await login(url, admin[1]!, admin[2]!);
  const readAction = async (id: string): Promise<Record<string, any>> => {
    const response = await fetch(`${url}/v1/actions/${id}`, { headers: { authorization: `Bearer ${adminToken}` } });
    return (await response.json()) as Record<string, any>;
  };

  return {
    url,
    db,
    async key(agent) {
      const { stdout } = await tollgateCli('keys', 'create', '--db', db, '--agent', agent);
      return stdout.trim();
    },
    async workerKey(worker, ...capabilities) {
      const { stdout } = await tollgateCli(
        'keys',
        'create',
        '--db',
        db,
        '--worker',
        worker,
        ...capabilities.flatMap((c) => ['--capability', c]),
      );
      return stdout.trim();
    },
    async approver(name) {
      const password = `${name}-password`;
      await tollgateCli('users', 'add', '--db', db, '--name', name, '--password', password, '--role', 'approver', '--group', 'approvers');
      const token = await login(url, name, password);
      const vote = async (approvalId: string, verdict: string, note?: string, modifications?: Record<string, unknown>): Promise<void> => {
        const response = await fetch(`${url}/v1/approvals/${approvalId}/votes`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({
            verdict,
            ...(note === undefined ? {} : { note }),
            ...(modifications === undefined ? {} : { modifications }),
          }),
        });
        if (response.status !== 201) throw new Error(`vote ${verdict} answered ${response.status}: ${await response.text()}`);
      };
      return {
        name,
        approve: (id, note, modifications) => vote(id, 'approve', note, modifications),
        deny: (id, note) => vote(id, 'deny', note),
        requestChanges: (id, note) => vote(id, 'request_changes', note),
        async questions() {
          const response = await fetch(`${url}/v1/questions`, { headers: { authorization: `Bearer ${token}` } });
          return ((await response.json()) as { questions: { id: string; question: string }[] }).questions;
        },
        async answer(questionId, answer) {
          const response = await fetch(`${url}/v1/questions/${questionId}/answers`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            body: JSON.stringify(answer),
          });
          if (response.status !== 201) throw new Error(`answer answered ${response.status}: ${await response.text()}`);
        },
      };
    },
    action: readAction,
    async actions(agent) {
      const response = await fetch(`${url}/v1/actions?agent=${encodeURIComponent(agent)}`, {
        headers: { authorization: `Bearer ${adminToken}` },
      });
      const { actions } = (await response.json()) as { actions: { id: string }[] };
      return Promise.all(actions.reverse().map((action) => readAction(action.id)));
    },
    pendingApproval() {
      return eventually(async () => {
        const response = await fetch(`${url}/v1/approvals?status=pending`, { headers: { authorization: `Bearer ${adminToken}` } });
        const { approvals } = (await response.json()) as { approvals: { id: string; action_id: string; created_at: string }[] };
        return [...approvals].sort((a, b) => a.created_at.localeCompare(b.created_at))[0];
      }, 'a pending approval request');
    },
    async close() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

async function login(url: string, name: string, password: string): Promise<string> {
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
    const timer = setTimeout(() => reject(new Error(`tollgate serve did not start:\n${output}`)), 15_000);
    const read = (chunk: Buffer): void => {
      output += chunk.toString();
      if (/serving at http:\/\/\S+/.test(output) && /password: \S+/.test(output)) {
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

/** Polls until `read` answers something other than undefined (for states another process reaches). */
export async function eventually<T>(read: () => Promise<T | undefined>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
