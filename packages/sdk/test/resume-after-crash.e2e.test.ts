// A run interrupted while waiting (its process killed) resumes by action id and executes at most
// once: the grant is redeemed before the function runs, so no second attempt can run it again.

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { ActionAlreadyRun, Tollgate } from '@tollgate/sdk';
import { startTollgate, type Approver, type TollgateServer } from './helpers/tollgate-server.js';
import { POLICY } from './policy.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/wait-for-approval.ts', import.meta.url));

let server: TollgateServer;
let tollgate: Tollgate;
let apiKey: string;
let alice: Approver;

beforeAll(async () => {
  server = await startTollgate(POLICY);
  apiKey = await server.key('deploy-bot');
  tollgate = new Tollgate({ baseUrl: server.url, apiKey });
  alice = await server.approver('alice');
});
afterAll(() => server?.close());

/** Starts an agent process, waits until its action is pending, and kills it without warning. */
async function crashWhileWaiting(marker: string): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, server.url, apiKey, marker], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const id = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /pending (\S+)/.exec(output);
      if (match !== null) resolve(match[1]!);
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`the agent exited (${code}) before its action was pending:\n${output}`)));
  });
  child.kill('SIGKILL');
  await new Promise((resolve) => child.once('exit', resolve));
  return id;
}

it('resumes an action whose agent crashed while waiting, and runs it exactly once', async () => {
  const marker = join(mkdtempSync(join(tmpdir(), 'tollgate-crash-')), 'executed.log');
  const id = await crashWhileWaiting(marker);
  const view = await tollgate.get(id);
  expect(view.status).toBe('pending');
  await alice.approve(view.approval!.id, 'go ahead');

  // Two restarted agents race to resume the same action: one runs it, the other is refused.
  const fn = vi.fn(async (action: Record<string, unknown>) => `deployed ${String(action.summary)}`);
  const results = await Promise.allSettled([tollgate.run({ resume: id }, fn), tollgate.run({ resume: id }, fn)]);
  expect(fn).toHaveBeenCalledTimes(1);
  expect(results.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<string>).value)).toEqual([
    'deployed deploy checkout v9',
  ]);
  const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
  expect(refused.reason).toBeInstanceOf(ActionAlreadyRun);
  expect(existsSync(marker)).toBe(false);
  expect((await server.action(id)).status).toBe('executed');
});

it('does not run when the grant was redeemed before a crash, even though no outcome was reported', async () => {
  const marker = join(mkdtempSync(join(tmpdir(), 'tollgate-crash-')), 'executed.log');
  const id = await crashWhileWaiting(marker);
  await alice.approve((await tollgate.get(id)).approval!.id);
  // The crashed process got as far as redeeming the grant: whether it ran cannot be known.
  await tollgate.redeem(await tollgate.get(id));
  const fn = vi.fn();
  const error = await tollgate.run({ resume: id }, fn).catch((e: unknown) => e);
  expect(error).toMatchObject({ code: 'sdk.already_run', reason: 'grant_used' });
  expect(fn).not.toHaveBeenCalled();
  expect(existsSync(marker) ? readFileSync(marker, 'utf8') : '').toBe('');
});
