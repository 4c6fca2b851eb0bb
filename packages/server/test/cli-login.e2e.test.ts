// `tollgate login` and `tollgate logout` through the real command against real servers, with a
// temporary home: the token kept per server in a file only its owner reads, and used by `approvals`.

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli-process.js';
import { createTestDatabase, type TestDatabase } from './helpers/databases.js';
import { client } from './helpers/http.js';
import { startTestServer, type TestServer } from './helpers/in-process.js';
import { DEPLOY_GATE } from './helpers/policies.js';
import { BIN, REPO } from './helpers/server-process.js';

const PASSWORD = 'alice-password';

// Each test runs the command several times, and each run starts a Node process: give them room on a busy machine.
describe('tollgate login and logout', { timeout: 120_000 }, () => {
  const databases: TestDatabase[] = [];
  let server: TestServer;
  let other: TestServer;
  let approvalId: string;
  let home: string;
  let env: Record<string, string | undefined>;

  beforeAll(async () => {
    for (let i = 0; i < 2; i++) databases.push(await createTestDatabase('sqlite'));
    server = await startTestServer(databases[0]!.url, { 'policy.yaml': DEPLOY_GATE });
    other = await startTestServer(databases[1]!.url, { 'policy.yaml': DEPLOY_GATE });
    for (const each of [server, other]) await each.person('alice', 'approver', { groups: ['approvers'] });
    const bot = await server.agent('deploy-bot');
    const sent = await bot('POST', '/v1/actions', { action_type: 'deploy', environment: 'production', summary: 'deploy v2.3.1' });
    expect(sent.status).toBe(201);
    approvalId = sent.body.approval.id;
  });
  afterAll(async () => {
    await server.close();
    await other.close();
  });
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'tollgate-home-'));
    // No variable of the machine running the tests may choose the server or the token.
    env = {
      HOME: home,
      XDG_CONFIG_HOME: join(home, 'config'),
      TOLLGATE_URL: undefined,
      TOLLGATE_SERVER: undefined,
      TOLLGATE_TOKEN: undefined,
    };
  });

  const tollgate = (args: string[], input?: string, extra: Record<string, string | undefined> = {}) =>
    runCli(args, { env: { ...env, ...extra }, ...(input === undefined ? {} : { input }) });
  const credentials = (): string => join(home, 'config', 'tollgate', 'credentials.json');
  const stored = (): Record<string, { token: string; name: string; tenant: string; expires_at: string }> =>
    (JSON.parse(readFileSync(credentials(), 'utf8')) as { servers: never }).servers;

  it('takes --name and the password from standard input, and keeps the token in a file only its owner reads', async () => {
    const run = await tollgate(['login', '--server', `${server.url}/`, '--name', 'alice'], `${PASSWORD}\n`);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`signed in to ${server.url} as alice`);
    const servers = stored();
    expect(Object.keys(servers)).toEqual([server.url]);
    const login = servers[server.url]!;
    expect(login).toMatchObject({ name: 'alice', tenant: 'default' });
    expect(run.stdout).not.toContain(login.token);
    expect(run.stdout).not.toContain(PASSWORD);
    expect(statSync(credentials()).mode & 0o777).toBe(0o600);
    expect(statSync(join(home, 'config', 'tollgate')).mode & 0o777).toBe(0o700);
    // The stored token is a live session on that server.
    expect((await client(server.url, login.token)('GET', '/v1/approvals')).status).toBe(200);
  });

  it('keeps the file under ~/.config/tollgate without XDG_CONFIG_HOME, and --password-stdin says where the password is', async () => {
    const run = await tollgate(['login', '--server', server.url, '--name', 'alice', '--password-stdin'], PASSWORD, {
      XDG_CONFIG_HOME: undefined,
    });
    expect(run.code, run.stderr).toBe(0);
    const file = join(home, '.config', 'tollgate', 'credentials.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(Object.keys((JSON.parse(readFileSync(file, 'utf8')) as { servers: object }).servers)).toEqual([server.url]);
  });

  it('is what `approvals list|show|approve` use when no --token or TOLLGATE_TOKEN is given, for that server only', async () => {
    expect((await tollgate(['login', '--server', server.url, '--name', 'alice'], PASSWORD)).code).toBe(0);
    const list = await tollgate(['approvals', 'list', '--json'], undefined, { TOLLGATE_URL: server.url });
    expect(list.stderr).toBe('');
    expect((JSON.parse(list.stdout) as Array<{ id: string }>).map((approval) => approval.id)).toContain(approvalId);
    // TOLLGATE_SERVER, the older name, still chooses the server.
    const show = await tollgate(['approvals', 'show', approvalId], undefined, { TOLLGATE_SERVER: server.url });
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain(approvalId);
    // Another server's commands do not get this server's token.
    const elsewhere = await tollgate(['approvals', 'list', '--server', other.url]);
    expect(elsewhere.code).toBe(2);
    expect(elsewhere.stderr).toContain(`sign in first: run \`tollgate login --server ${other.url}\``);
    // A token given explicitly wins over the stored one.
    const explicit = await tollgate(['approvals', 'list', '--server', server.url], undefined, { TOLLGATE_TOKEN: 'tg_ses_not_a_session' });
    expect(explicit.code).toBe(1);
    expect(explicit.stderr).toMatch(/^error: auth\./);
    const approve = await tollgate(['approvals', 'approve', approvalId, '--server', server.url]);
    expect(approve.stderr).toBe('');
    expect(approve.stdout.trim()).toBe(`${approvalId}: approved`);
  });

  it('keeps one token per server, and logout ends that session on its server and forgets only it', async () => {
    expect((await tollgate(['login', '--server', server.url, '--name', 'alice'], PASSWORD)).code).toBe(0);
    expect((await tollgate(['login', '--server', other.url, '--name', 'alice'], PASSWORD)).code).toBe(0);
    const before = stored();
    expect(Object.keys(before).sort()).toEqual([server.url, other.url].sort());
    const token = before[server.url]!.token;

    const run = await tollgate(['logout', '--server', server.url]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`signed out of ${server.url}`);
    expect((await client(server.url, token)('GET', '/v1/approvals')).status).toBe(401);
    expect(Object.keys(stored())).toEqual([other.url]);
    expect((await client(other.url, before[other.url]!.token)('GET', '/v1/approvals')).status).toBe(200);

    const again = await tollgate(['logout', '--server', server.url]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`not signed in to ${server.url}`);
    expect((await tollgate(['logout', '--server', other.url])).code).toBe(0);
    expect(existsSync(credentials())).toBe(false);
  });

  it('stores nothing for a wrong password, or without a name when it cannot ask', async () => {
    const wrong = await tollgate(['login', '--server', server.url, '--name', 'alice'], 'not-the-password\n');
    expect(wrong.code).toBe(1);
    expect(wrong.stderr.trim()).toBe('error: auth.invalid_credentials: wrong name or password');
    const nameless = await tollgate(['login', '--server', server.url], PASSWORD);
    expect(nameless.code).toBe(2);
    expect(nameless.stderr).toContain('--name is required');
    const empty = await tollgate(['login', '--server', server.url, '--name', 'alice'], '');
    expect(empty.code).toBe(2);
    expect(existsSync(credentials())).toBe(false);
  });

  it('says to sign in again once the stored session has ended', async () => {
    expect((await tollgate(['login', '--server', server.url, '--name', 'alice'], PASSWORD)).code).toBe(0);
    await server.services.auth.logout(stored()[server.url]!.token);
    const run = await tollgate(['approvals', 'list', '--server', server.url]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('run `tollgate login` again');
  });

  it('asks for the name and, without echoing it, the password at a terminal', async () => {
    // `script` gives the command a terminal of its own, as a person's shell would.
    const child = spawn('script', ['-qec', `"${process.execPath}" "${BIN}" login --server ${server.url}`, '/dev/null'], {
      cwd: REPO,
      env: { ...process.env, ...env } as NodeJS.ProcessEnv,
    });
    let screen = '';
    let step = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      screen += chunk.toString();
      if (step === 0 && screen.includes('name: ')) {
        step = 1;
        child.stdin.write('alice\r');
      }
      if (step === 1 && screen.includes('password: ')) {
        step = 2;
        child.stdin.write(`${PASSWORD}\r`);
      }
    });
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    expect(code, screen).toBe(0);
    expect(screen).toContain('alice');
    expect(screen).toContain(`signed in to ${server.url} as alice`);
    expect(screen).not.toContain(PASSWORD);
    expect(stored()[server.url]?.name).toBe('alice');
  });
});
