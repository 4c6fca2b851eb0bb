// Claude Code itself (`@anthropic-ai/claude-code`, `claude -p`) with the hook installed by
// `tollgate init claude-code`, driven by a scripted local stand-in for the Anthropic API (no
// network): what runs, what Claude is told, what Tollgate records. The payloads the hook receives
// are recorded, and the hook's fixtures (src/hooks/testdata) must carry every field they have.

import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStandIn, type Step } from './helpers/anthropic-stand-in.js';
import { startTestServer, type Client, type TestServer } from './helpers/in-process.js';
import { BIN } from './helpers/server-process.js';

const require = createRequire(import.meta.url);
/** The wrapper finds the platform's binary, whether or not the package's install script ran. */
const CLAUDE = join(dirname(require.resolve('@anthropic-ai/claude-code/package.json')), 'cli-wrapper.cjs');
const FILESYSTEM_SERVER = require.resolve('@modelcontextprotocol/server-filesystem/dist/index.js');
const FIXTURES = new URL('../src/hooks/testdata/', import.meta.url);
const RECORDER = new URL('./helpers/record-hook.sh', import.meta.url);

const POLICY = `
rules:
  - name: deploys
    match: { action_type: Bash, command: { prefix: ./deploy.sh } }
    decision: REQUIRE_APPROVAL
    modifiable: [command]
    reason: deploys need a person
  - name: no-secrets-through-files
    match: { capability: mcp, server: files, action_type: read_text_file, arguments.path: { contains: secret } }
    decision: DENY
    reason: secrets are not read by agents
defaults:
  decision: ALLOW
  approvers: [approvers]
`;

interface Project {
  dir: string;
  home: string;
  payloads: string;
}

let server: TestServer;
let alice: Client;
let key: string;

/** A project folder with a deploy script, its own home, and where the hook's payloads are recorded. */
function project(): Project {
  const root = mkdtempSync(join(tmpdir(), 'tollgate-claude-code-'));
  const dir = join(root, 'project');
  mkdirSync(join(dir, 'data'), { recursive: true });
  mkdirSync(join(root, 'home'));
  writeFileSync(join(dir, 'deploy.sh'), '#!/bin/sh\necho "$1" > deployed.txt\n', { mode: 0o755 });
  writeFileSync(join(dir, 'data', 'secret.txt'), 'the secret\n');
  writeFileSync(join(dir, 'data', 'notes.txt'), 'just notes\n');
  return { dir, home: join(root, 'home'), payloads: join(root, 'payloads.jsonl') };
}

function run(
  command: string,
  args: string[],
  where: Project,
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: where.dir,
      env: { PATH: process.env.PATH ?? '', HOME: where.home, TOLLGATE_TEST_PAYLOADS: where.payloads, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** Installs the hook as the docs say, recording each payload on its way in. */
async function install(where: Project, args: string[]): Promise<void> {
  const command = `sh ${new URL(RECORDER).pathname} node ${BIN}`;
  const result = await run(process.execPath, [BIN, 'init', 'claude-code', '--server', server.url, '--command', command, ...args], where);
  expect(result.code, result.stderr).toBe(0);
}

/** `claude -p` in the project against the stand-in playing `script`. */
async function claude(where: Project, script: Step[], extra: string[] = []) {
  const api = await startStandIn(script);
  try {
    const result = await run(process.execPath, [CLAUDE, '-p', 'go ahead', '--output-format', 'json', ...extra], where, {
      ANTHROPIC_BASE_URL: api.url,
      ANTHROPIC_API_KEY: 'sk-ant-test',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      DISABLE_AUTOUPDATER: '1',
      TOLLGATE_API_KEY: key,
    });
    expect(result.code, result.stderr).toBe(0);
    return { results: api.results, output: JSON.parse(result.stdout) as { result: string } };
  } finally {
    await api.close();
  }
}

const recorded = (where: Project): Record<string, any>[] =>
  readFileSync(where.payloads, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, any>);

/** The request waiting for people about the action of `type` whose `field` contains `text`. */
async function pending(type: string, text: string): Promise<{ id: string; action_id: string }> {
  const { approvals } = (await alice('GET', '/v1/approvals?status=pending')).body as { approvals: { id: string; action_id: string }[] };
  for (const approval of approvals) {
    const { action } = (await alice('GET', `/v1/actions/${approval.action_id}`)).body;
    if (action.action_type === type && JSON.stringify(action).includes(text)) return approval;
  }
  throw new Error(`no pending approval for ${type} with ${text}`);
}

beforeAll(async () => {
  server = await startTestServer(join(mkdtempSync(join(tmpdir(), 'tollgate-claude-code-db-')), 'tollgate.db'), { 'policy.yaml': POLICY });
  alice = await server.person('alice', 'approver', { groups: ['approvers'] });
  key = (await server.agent('claude-code')).token;
});
afterAll(() => server?.close());

describe('Claude Code with the Tollgate hook', { timeout: 120_000 }, () => {
  it('checks the binary runs here', async () => {
    const version = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, [CLAUDE, '--version'], (error, stdout) => (error === null ? resolve(stdout) : reject(error))),
    );
    expect(version).toMatch(/^2\.\d+\.\d+ \(Claude Code\)/);
  });

  it('never runs a tool whose approval is pending when the hook timeout is shorter than the wait, and runs it once approved', async () => {
    const where = project();
    // As in the report: a hook told to wait 20 s whose Claude Code timeout is 5 s (init refuses to write this).
    mkdirSync(join(where.dir, '.claude'));
    const command = `sh ${new URL(RECORDER).pathname} node ${BIN} hook claude-code --server ${server.url} --wait 20`;
    writeFileSync(
      join(where.dir, '.claude', 'settings.json'),
      JSON.stringify({ hooks: { PreToolUse: [{ matcher: '*', hooks: [{ type: 'command', command, timeout: 5 }] }] } }),
    );
    const deploy = { tool: 'Bash', input: { command: './deploy.sh v9', description: 'Deploy v9' } };
    const { results } = await claude(where, [
      deploy,
      {
        ...deploy,
        // Claude retries once a person has approved.
        before: async () => {
          // Claude Code has gone on after the hook's answer: the tool did not run.
          expect(existsSync(join(where.dir, 'deployed.txt'))).toBe(false);
          const approval = await pending('Bash', './deploy.sh v9');
          await alice('POST', `/v1/approvals/${approval.id}/votes`, { verdict: 'approve' });
        },
      },
      { text: 'deployed' },
    ]);
    expect(results[0]!.text).toMatch(
      /Tollgate: no verdict within the hook's 5 s timeout: pending approval http:\/\/\S+\/approvals\/apr_\w+/,
    );
    expect(results[0]!.is_error).toBe(true);
    expect(readFileSync(join(where.dir, 'deployed.txt'), 'utf8')).toBe('v9\n');
    expect(results[1]!.is_error).toBe(false);
  });

  it('runs the command as a person changed it, and records what ran', async () => {
    const where = project();
    await install(where, ['--wait', '1']);
    const deploy = { tool: 'Bash', input: { command: './deploy.sh v10', description: 'Deploy v10' } };
    let actionId = '';
    await claude(where, [
      deploy,
      {
        ...deploy,
        before: async () => {
          const approval = await pending('Bash', './deploy.sh v10');
          actionId = approval.action_id;
          await alice('POST', `/v1/approvals/${approval.id}/votes`, {
            verdict: 'approve',
            modifications: { command: './deploy.sh v10-canary' },
          });
        },
      },
      { text: 'done' },
    ]);
    expect(readFileSync(join(where.dir, 'deployed.txt'), 'utf8')).toBe('v10-canary\n');
    const stored = (await alice('GET', `/v1/actions/${actionId}`)).body;
    expect(stored).toMatchObject({
      status: 'executed',
      outcome: { status: 'succeeded' },
      action: {
        command: './deploy.sh v10-canary',
        arguments: { command: './deploy.sh v10-canary' },
        summary: 'Bash: ./deploy.sh v10-canary',
        permission_mode: 'default',
        door: 'claude-code',
      },
    });
    // Claude Code ran the changed input: PostToolUse says so.
    const post = recorded(where).find((payload) => payload.hook_event_name === 'PostToolUse' && payload.tool_name === 'Bash');
    expect(post?.tool_input.command).toBe('./deploy.sh v10-canary');
  });

  it('submits an MCP tool in the MCP proxy’s form, so the same rule refuses it', async () => {
    const where = project();
    await install(where, []);
    const config = join(where.dir, 'mcp.json');
    writeFileSync(
      config,
      JSON.stringify({ mcpServers: { files: { command: process.execPath, args: [FILESYSTEM_SERVER, join(where.dir, 'data')] } } }),
    );
    const { results } = await claude(
      where,
      [
        { tool: 'mcp__files__read_text_file', input: { path: join(where.dir, 'data', 'secret.txt') } },
        { tool: 'mcp__files__read_text_file', input: { path: join(where.dir, 'data', 'notes.txt') } },
        { text: 'read' },
      ],
      ['--mcp-config', config, '--strict-mcp-config'],
    );
    expect(results[0]).toMatchObject({
      is_error: true,
      text: expect.stringContaining('was denied by the policy: secrets are not read by agents'),
    });
    expect(results[1]).toMatchObject({ is_error: false, text: expect.stringContaining('just notes') });
    const { actions } = (await alice('GET', '/v1/actions?agent=claude-code')).body as { actions: { id: string }[] };
    const submitted = await Promise.all(actions.map(async ({ id }) => (await alice('GET', `/v1/actions/${id}`)).body.action));
    expect(submitted.find((action) => JSON.stringify(action).includes('notes.txt'))).toMatchObject({
      action_type: 'read_text_file',
      capability: 'mcp',
      server: 'files',
      door: 'claude-code',
      arguments: { path: join(where.dir, 'data', 'notes.txt') },
    });
    const pre = recorded(where).find((payload) => payload.hook_event_name === 'PreToolUse');
    expect(pre?.mcp_server).toEqual({ name: 'files', source: 'dynamic' });
  });

  it('sends nothing the fixtures do not have: every recorded payload’s fields are in a fixture of its event', async () => {
    const where = project();
    await install(where, []);
    await claude(where, [
      { tool: 'Bash', input: { command: 'exit 3', description: 'Fail' } },
      { tool: 'Write', input: { file_path: join(where.dir, 'a.txt'), content: 'a\n' } },
      { tool: 'Grep', input: { pattern: 'a', path: where.dir } },
      { text: 'done' },
    ]);
    const fixtures = readdirSync(FIXTURES).map(
      (name) => JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as Record<string, unknown>,
    );
    const payloads = recorded(where);
    expect(new Set(payloads.map((payload) => payload.hook_event_name))).toEqual(
      new Set(['PreToolUse', 'PostToolUse', 'PostToolUseFailure']),
    );
    for (const payload of payloads) {
      const known = new Set(fixtures.filter((fixture) => fixture.hook_event_name === payload.hook_event_name).flatMap(Object.keys));
      expect(
        Object.keys(payload).filter((field) => !known.has(field)),
        `${payload.hook_event_name} ${payload.tool_name}`,
      ).toEqual([]);
    }
    expect(existsSync(join(where.dir, 'a.txt'))).toBe(true);
  });
});
