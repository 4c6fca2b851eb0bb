// `tollgate mcp-proxy` as an MCP client sees it: the official client talks to the real proxy
// process, which fronts the real filesystem server from npm on a temporary folder. Reads are
// allowed, writes wait for a person and run once after approval, moves are denied — and the
// files on disk show what really happened.

import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type Client as HttpClient, type TestServer } from '../../test/helpers/in-process.js';
import { BIN, REPO } from '../../test/helpers/server-process.js';

const FILESYSTEM_SERVER = createRequire(import.meta.url).resolve('@modelcontextprotocol/server-filesystem/dist/index.js');

const POLICY = `
rules:
  - name: reads-are-fine
    match: { capability: mcp, action_type: [read_text_file, list_directory, get_file_info, list_allowed_directories] }
    decision: ALLOW
  - name: writes-need-a-person
    match: { capability: mcp, action_type: [write_file, edit_file, create_directory] }
    decision: REQUIRE_APPROVAL
    reason: writing files needs a person
  - name: no-moving-files
    match: { capability: mcp, action_type: move_file }
    decision: DENY
    reason: files are never moved by agents
defaults:
  decision: DENY
  approvers: [approvers]
`;

const text = (result: CallToolResult): string => result.content.map((part) => (part.type === 'text' ? part.text : '')).join('\n');

function folderWithFile(): string {
  const folder = realpathSync(mkdtempSync(join(tmpdir(), 'tollgate-mcp-')));
  writeFileSync(join(folder, 'notes.txt'), 'hello from disk\n');
  return folder;
}

async function connectProxy(args: string[], folder: string): Promise<Client> {
  const client = new Client({ name: 'test-agent', version: '1.0.0' });
  await client.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: [BIN, 'mcp-proxy', ...args, '--', process.execPath, FILESYSTEM_SERVER, folder],
      cwd: REPO,
      stderr: 'pipe',
    }),
  );
  return client;
}

describe('mcp-proxy in front of @modelcontextprotocol/server-filesystem, with a Tollgate server', () => {
  let server: TestServer;
  let key: string;
  let alice: HttpClient;
  let folder: string;
  let client: Client;
  let db: string;

  /** The pending approval request of the call that writes `path`. */
  const pendingApprovalFor = async (path: string): Promise<{ id: string; action_id: string }> => {
    for (;;) {
      const reply = await alice('GET', '/v1/approvals?status=pending');
      for (const approval of reply.body.approvals as { id: string; action_id: string }[]) {
        const action = (await alice('GET', `/v1/actions/${approval.action_id}`)).body;
        if (action.action.arguments.path === path) return approval;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  beforeAll(async () => {
    db = join(mkdtempSync(join(tmpdir(), 'tollgate-mcp-db-')), 'tollgate.db');
    server = await startTestServer(db, { 'policy.yaml': POLICY });
    key = (await server.agent('fs-agent')).token;
    alice = await server.person('alice', 'approver', { groups: ['approvers'] });
    folder = folderWithFile();
    client = await connectProxy(['--server', server.url, '--key', key, '--wait', '0.5'], folder);
  });
  afterAll(async () => {
    await client?.close();
    await server?.close();
  });

  it("lists the downstream server's tools as they are", async () => {
    const names = (await client.listTools()).tools.map((tool) => tool.name);
    expect(names).toEqual(expect.arrayContaining(['read_text_file', 'write_file', 'move_file']));
  });

  it('forwards an allowed read and records it as an executed mcp action', async () => {
    const result = (await client.callTool({ name: 'read_text_file', arguments: { path: join(folder, 'notes.txt') } })) as CallToolResult;
    expect(result.isError).toBeFalsy();
    expect(text(result)).toBe('hello from disk\n');
    const [action] = (await alice('GET', '/v1/actions?agent=fs-agent')).body.actions as { id: string }[];
    const stored = (await alice('GET', `/v1/actions/${action!.id}`)).body;
    expect(stored).toMatchObject({
      status: 'executed',
      action: {
        action_type: 'read_text_file',
        capability: 'mcp',
        server: 'secure-filesystem-server',
        arguments: { path: join(folder, 'notes.txt') },
      },
    });
  });

  it('denies a move with the reason, and the file stays where it is', async () => {
    const result = (await client.callTool({
      name: 'move_file',
      arguments: { source: join(folder, 'notes.txt'), destination: join(folder, 'moved.txt') },
    })) as CallToolResult;
    expect(result.isError).toBe(true);
    expect(text(result)).toContain('denied by the policy: files are never moved by agents');
    expect(existsSync(join(folder, 'notes.txt'))).toBe(true);
    expect(existsSync(join(folder, 'moved.txt'))).toBe(false);
  });

  it('answers a write with "pending approval <link>", writes nothing, and runs the retry once after approval', async () => {
    const target = join(folder, 'report.txt');
    const call = { name: 'write_file', arguments: { path: target, content: 'approved content\n' } };
    const pending = (await client.callTool(call)) as CallToolResult;
    expect(pending.isError).toBe(true);
    expect(text(pending)).toMatch(
      /^Tollgate: pending approval http:\/\/\S+\/approvals\/apr_\S+; retry the same call after a person approves it/,
    );
    expect(existsSync(target)).toBe(false);

    const approval = await pendingApprovalFor(target);
    expect((await alice('POST', `/v1/approvals/${approval.id}/votes`, { verdict: 'approve' })).status).toBe(201);
    const retried = (await client.callTool(call)) as CallToolResult;
    expect(retried.isError).toBeFalsy();
    expect(readFileSync(target, 'utf8')).toBe('approved content\n');
    expect((await alice('GET', `/v1/actions/${approval.action_id}`)).body.status).toBe('executed');

    // The approval was for one write: the same call again is a new action, waiting for people.
    writeFileSync(target, 'changed since\n');
    const again = (await client.callTool(call)) as CallToolResult;
    expect(text(again)).toContain('pending approval');
    expect(readFileSync(target, 'utf8')).toBe('changed since\n');
  });

  it('writes when a person approves while the call waits', async () => {
    const target = join(folder, 'waited.txt');
    const patient = await connectProxy(['--server', server.url, '--key', key, '--wait', '20'], folder);
    const waiting = patient.callTool({ name: 'write_file', arguments: { path: target, content: 'written after approval\n' } });
    const approval = await pendingApprovalFor(target);
    await alice('POST', `/v1/approvals/${approval.id}/votes`, { verdict: 'approve' });
    expect(((await waiting) as CallToolResult).isError).toBeFalsy();
    expect(readFileSync(target, 'utf8')).toBe('written after approval\n');
    await patient.close();
  });

  it('refuses an unknown tool without recording an action', async () => {
    await expect(client.callTool({ name: 'format_disk', arguments: {} })).rejects.toThrow(/unknown tool `format_disk`/);
  });
});

describe('mcp-proxy with a local --policy', () => {
  let client: Client;
  let folder: string;
  let policyFile: string;

  beforeAll(async () => {
    folder = folderWithFile();
    policyFile = join(mkdtempSync(join(tmpdir(), 'tollgate-mcp-policy-')), 'policy.yaml');
    writeFileSync(policyFile, POLICY);
    client = await connectProxy(['--policy', policyFile], folder);
  });
  afterAll(() => client?.close());

  it('reads, refuses writes (there is nobody to ask) and denies moves, deciding on this machine', async () => {
    const read = (await client.callTool({ name: 'read_text_file', arguments: { path: join(folder, 'notes.txt') } })) as CallToolResult;
    expect(text(read)).toBe('hello from disk\n');
    const write = (await client.callTool({
      name: 'write_file',
      arguments: { path: join(folder, 'x.txt'), content: 'x' },
    })) as CallToolResult;
    expect(write.isError).toBe(true);
    expect(text(write)).toContain(
      "needs a person's approval (writing files needs a person), and with a local --policy there is nobody to ask",
    );
    expect(existsSync(join(folder, 'x.txt'))).toBe(false);
    const move = (await client.callTool({
      name: 'move_file',
      arguments: { source: join(folder, 'notes.txt'), destination: join(folder, 'y.txt') },
    })) as CallToolResult;
    expect(text(move)).toContain('denied by the policy: files are never moved by agents');
    expect(existsSync(join(folder, 'notes.txt'))).toBe(true);
  });
});

describe('mcp-proxy over Streamable HTTP', () => {
  const children: ReturnType<typeof spawn>[] = [];
  afterEach(() => children.splice(0).forEach((child) => child.kill('SIGTERM')));

  it('serves the same gated tools at /mcp', async () => {
    const folder = folderWithFile();
    const policyFile = join(folder, 'policy.yaml');
    writeFileSync(policyFile, POLICY);
    const child = spawn(
      process.execPath,
      [BIN, 'mcp-proxy', '--policy', policyFile, '--http', '0', '--', process.execPath, FILESYSTEM_SERVER, folder],
      {
        cwd: REPO,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    children.push(child);
    const url = await new Promise<string>((resolve, reject) => {
      let output = '';
      child.stderr!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /at (http:\/\/\S+\/mcp)/.exec(output);
        if (match !== null) resolve(match[1]!);
      });
      child.once('exit', (code) => reject(new Error(`the proxy exited with ${code}: ${output}`)));
    });
    const client = new Client({ name: 'http-agent', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(url)));
    const read = (await client.callTool({ name: 'read_text_file', arguments: { path: join(folder, 'notes.txt') } })) as CallToolResult;
    expect(text(read)).toBe('hello from disk\n');
    const move = (await client.callTool({
      name: 'move_file',
      arguments: { source: join(folder, 'notes.txt'), destination: join(folder, 'z.txt') },
    })) as CallToolResult;
    expect(move.isError).toBe(true);
    expect(existsSync(join(folder, 'notes.txt'))).toBe(true);
    await client.close();
  });
});

describe('mcp-proxy usage', () => {
  const usage = (...args: string[]) =>
    new Promise<{ code: number; stderr: string }>((resolve) =>
      execFile(
        process.execPath,
        [BIN, 'mcp-proxy', ...args],
        { cwd: REPO, env: { ...process.env, TOLLGATE_API_KEY: '' } },
        (error, _stdout, stderr) => resolve({ code: typeof error?.code === 'number' ? error.code : 0, stderr }),
      ),
    );

  it('names what is missing or wrong, and exits 2', async () => {
    expect(await usage('--policy', 'examples/guide')).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('give the downstream MCP server to start after `--`'),
    });
    expect(await usage('--', 'true')).toMatchObject({ code: 2, stderr: expect.stringContaining('--key is required (or TOLLGATE_API_KEY') });
    expect(await usage('--server', 'localhost:7300', '--key', 'k', '--', 'true')).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--server must be an http:// or https:// address'),
    });
  });
});
