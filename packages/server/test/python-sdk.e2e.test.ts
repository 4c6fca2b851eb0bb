// The Python SDK (sdk/python) against a real server: its `python3 -m unittest` suite runs with the
// server's address, an agent key, a worker key and an approver's token in the environment, and
// this test fails when any of its cases fails.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/in-process.js';

const SDK = resolve(dirname(fileURLToPath(import.meta.url)), '../../../sdk/python');

const POLICY = `
defaults: { decision: ALLOW, approvers: [ops] }
rules:
  - name: no-drops
    match: { action_type: drop_table }
    decision: DENY
    reason: dropping tables is never allowed
  - name: deploys
    match: { action_type: deploy }
    decision: REQUIRE_APPROVAL
    approvers: [ops]
  - name: checked-deploys
    match: { action_type: checked_deploy }
    decision: REQUIRE_APPROVAL
    workflow: checked
workflows:
  checked:
    steps:
      - id: analysis
        type: worker
        config: { capability: analyzer }
      - id: review
        type: approval
        depends_on: [analysis]
        config: { approvers: [ops] }
questions:
  approvers: [ops]
`;

// Python 3.9+ is a requirement of the test run, like PostgreSQL: without it this fails, never skips.
const python = spawnSync('python3', ['--version'], { encoding: 'utf8' });

/** Runs a command to its end without blocking the event loop (the server answers in this process). */
function run(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }) {
  return new Promise<{ code: number | null; output: string }>((done, fail) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code, output }));
  });
}

describe(`the Python SDK (${python.stdout?.trim() || 'python3 absent'})`, () => {
  it('has python3 to run it with', () => {
    expect(python.status, 'python3 is needed for the Python SDK tests: install Python 3.9 or newer').toBe(0);
  });

  let server: TestServer;
  let folder: string;

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'tollgate-python-sdk-'));
    server = await startTestServer(join(folder, 'tollgate.db'), { 'policy.yaml': POLICY });
  });

  afterAll(async () => {
    await server?.close();
    if (folder !== undefined) rmSync(folder, { recursive: true, force: true });
  });

  it('passes its unittest suite against this server', { timeout: 180_000 }, async () => {
    const agent = await server.agent('py-agent');
    const worker = await server.services.auth.createWorkerKey('analyzer-1', ['analyzer']);
    const olga = await server.person('olga', 'approver', { groups: ['ops'] });
    const { code, output } = await run('python3', ['-m', 'unittest', 'discover', '-v', '-s', 'tests', '-t', '.'], {
      cwd: SDK,
      env: {
        ...process.env,
        PYTHONPATH: join(SDK, 'src'),
        PYTHONDONTWRITEBYTECODE: '1',
        TOLLGATE_URL: server.url,
        TOLLGATE_API_KEY: agent.token,
        TOLLGATE_WORKER_KEY: worker.secret,
        TOLLGATE_PERSON_TOKEN: olga.token,
      },
    });
    expect(code, output).toBe(0);
    // Every live case ran: none skipped for want of a server.
    expect(output, output).not.toMatch(/skipped/);
    expect(output).toMatch(/Ran \d+ tests/);
  });
});
