// What a new user meets in the first hour at the shell, run through the real `tollgate` command:
// a port already taken, output into a pipe whose reader has gone, a restart that must say how to sign in,
// and a first start on the starter policy, whose groups name people who have no account yet.

import { execFile, spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { once } from 'node:events';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli-process.js';
import { createTestDatabase, DATABASES, type TestDatabase } from './helpers/databases.js';
import { client } from './helpers/http.js';
import { startTestServer } from './helpers/in-process.js';
import { BIN, printedLogin, REPO, startServerProcess } from './helpers/server-process.js';

/** A stack trace line, as Node prints one: what a user must never see for an ordinary mistake. */
const STACK = /^\s+at /m;

describe('a port already in use', { timeout: 60_000 }, () => {
  let holder: Server;
  let port: number;
  beforeAll(async () => {
    holder = createServer();
    holder.listen(0, '127.0.0.1');
    await once(holder, 'listening');
    port = (holder.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => holder.close(() => resolve())));

  describe.each(DATABASES)('on %s', (kind) => {
    let database: TestDatabase;
    beforeAll(async () => {
      database = await createTestDatabase(kind);
    });
    afterAll(() => database.drop());

    it.each(['serve', 'demo'])('`tollgate %s` ends at once with one line naming --port', async (command) => {
      const run = await runCli([command, '--db', database.url, '--port', String(port), '--log-level', 'warn']);
      expect(run.code, `still running at the limit:\n${run.stderr}`).not.toBeNull();
      expect(run.code).toBe(1);
      expect(run.stderr.trim()).toBe(`error: port ${port} on 127.0.0.1 is already in use; choose another with --port`);
      expect(run.stderr).not.toMatch(STACK);
      expect(run.stdout).toBe('');
    });
  });
});

describe('output into a pipe whose reader has gone', { timeout: 60_000 }, () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    // More trail than a pipe holds (64 KiB), so that the export is still writing when `head` leaves.
    const server = await startTestServer(database.url, { 'policy.yaml': 'defaults: { decision: ALLOW }\n' });
    const bot = await server.agent('deploy-bot');
    for (let i = 0; i < 400; i++) {
      const reply = await bot('POST', '/v1/actions', { action_type: 'deploy', environment: 'staging', summary: `deploy build ${i}` });
      expect(reply.status).toBe(201);
    }
    await server.close();
  });
  afterAll(() => database.drop());

  it('`audit export --format csv | head -3` prints three lines and ends quietly', async () => {
    const script = `set -o pipefail; "${process.execPath}" "${BIN}" audit export --format csv --db "${database.url}" | head -3`;
    const { stdout, stderr } = await promisify(execFile)('bash', ['-c', script], { cwd: REPO });
    expect(stdout).toMatch(/^seq,id,created_at,type/);
    expect(stdout.trimEnd().split('\n')).toHaveLength(3);
    expect(stderr).toBe('');
  });

  it.each([
    ['audit export --format csv', ['audit', 'export', '--format', 'csv']],
    ['audit export', ['audit', 'export']],
    ['--help', ['--help']],
  ])('`%s` into a reader that closed before the first line exits 0 without a stack', async (_name, args) => {
    const child = spawn(process.execPath, [BIN, ...args, ...(args[0] === 'audit' ? ['--db', database.url] : [])], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, 'close')) as [number | null];
    expect(stderr).not.toMatch(STACK);
    expect(stderr).not.toContain('EPIPE');
    expect(code).toBe(0);
  });
});

describe('a restart on a database that has people', { timeout: 60_000 }, () => {
  it('says in one line how to sign in and how to set a password, and prints no password', async () => {
    const database = await createTestDatabase('sqlite');
    const first = await startServerProcess({ db: database.url, policy: 'examples/guide' });
    const { password } = printedLogin(first.output());
    await first.stop();
    const again = await startServerProcess({ db: database.url, policy: 'examples/guide' });
    await again.stop();
    const lines = again.output().split('\n');
    const serving = lines.findIndex((line) => line.includes('serving at'));
    expect(lines[serving + 1]).toBe(
      `Sign in as admin admin; to set a new password: \`tollgate users set-password --name admin --password NEW --db ${database.url}\``,
    );
    expect(again.output()).not.toContain(password);
    expect(again.output()).not.toContain('First login');
  });
});

describe('`npm start` on the starter policy, on a fresh database', { timeout: 60_000 }, () => {
  it('puts the first admin in the groups the policy routes to and says how to add the people it names', async () => {
    const database = await createTestDatabase('sqlite');
    const server = await startServerProcess({ db: database.url, policy: 'examples/starter' });
    try {
      const lines = server.output().split('\n');
      const serving = lines.findIndex((line) => line.includes('serving at'));
      expect(lines[serving + 2]).toBe(
        'admin decides in the groups the policy routes to: oncall, finance, data-owners, tech-lead, senior-engineer, security-team',
      );
      expect(lines[serving + 3]).toBe(
        `The policy's groups name alice, bob, frank, grace, henry, erin, dana, who have no account yet; add each with \`tollgate users add --name alice --password PASSWORD --role approver --db ${database.url}\``,
      );
      // So the printed login can decide at once: a payment the policy sends to finance.
      const { password } = printedLogin(server.output());
      const admin = client(server.url, (await client(server.url)('POST', '/v1/auth/login', { name: 'admin', password })).body.token);
      const key = await runCli(['keys', 'create', '--agent', 'billing-bot', '--db', database.url]);
      const bot = client(server.url, key.stdout.trim());
      const payment = await bot('POST', '/v1/actions', {
        action_type: 'transfer',
        capability: 'payment',
        amount_usd: 48_000,
        environment: 'production',
      });
      expect(payment.body.decision).toBe('REQUIRE_APPROVAL');
      expect((await admin('POST', `/v1/approvals/${payment.body.approval.id}/votes`, { verdict: 'approve' })).status).toBe(201);
    } finally {
      await server.stop();
    }
    // The command it printed works, and the next start names only the people still missing.
    const added = await runCli([
      'users',
      'add',
      '--name',
      'alice',
      '--password',
      'alice-password',
      '--role',
      'approver',
      '--db',
      database.url,
    ]);
    expect(added.code).toBe(0);
    const again = await startServerProcess({ db: database.url, policy: 'examples/starter' });
    await again.stop();
    expect(again.output()).toContain("The policy's groups name bob, frank, grace, henry, erin, dana, who have no account yet");
  });
});
