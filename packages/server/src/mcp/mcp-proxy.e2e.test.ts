// `tollgate mcp-proxy` as an MCP client sees it: the official client talks to the real proxy
// process, which fronts the real filesystem server from npm on a temporary folder. Reads are
// allowed, writes wait for a person and run once after approval, moves are denied — and the
// files on disk show what really happened.

import { execFile, type spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ListRootsRequestSchema,
  type CallToolResult,
} from '@modelcontextprotocol/sdk/types.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type Client as HttpClient, type TestServer } from '../../test/helpers/in-process.js';
import { BIN, REPO } from '../../test/helpers/server-process.js';
import { proxyOverHttp } from '../../test/helpers/mcp-proxy-http.js';

const FILESYSTEM_SERVER = createRequire(import.meta.url).resolve('@modelcontextprotocol/server-filesystem/dist/index.js');
const EVERYTHING_SERVER = createRequire(import.meta.url).resolve('@modelcontextprotocol/server-everything/dist/index.js');

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

  /** The action once its outcome is in (the proxy reports it after answering the client). */
  const settled = async (id: string): Promise<Record<string, any>> => {
    for (;;) {
      const action = (await alice('GET', `/v1/actions/${id}`)).body;
      if (action.outcome !== undefined) return action;
      await new Promise((resolve) => setTimeout(resolve, 20));
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
    // The client has its answer first; the outcome is reported right after.
    const stored = await settled(action!.id);
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
    expect((await settled(approval.action_id)).status).toBe('executed');

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

  it('stops waiting when the client cancels a call, leaving the request for a person; the retry runs once', async () => {
    const target = join(folder, 'cancelled.txt');
    const call = { name: 'write_file', arguments: { path: target, content: 'written on the retry\n' } };
    const patient = await connectProxy(['--server', server.url, '--key', key, '--wait', '60'], folder);
    const controller = new AbortController();
    const waiting = patient.callTool(call, undefined, { signal: controller.signal });
    const approval = await pendingApprovalFor(target);
    controller.abort();
    await expect(waiting).rejects.toThrow();
    await alice('POST', `/v1/approvals/${approval.id}/votes`, { verdict: 'approve' });
    // Had the cancelled call gone on waiting, it would have written the file once it heard the verdict.
    expect(((await patient.callTool({ name: 'list_directory', arguments: { path: folder } })) as CallToolResult).isError).toBeFalsy();
    expect(existsSync(target)).toBe(false);
    expect(((await patient.callTool(call)) as CallToolResult).isError).toBeFalsy();
    expect(readFileSync(target, 'utf8')).toBe('written on the retry\n');
    expect((await settled(approval.action_id)).status).toBe('executed');
    await patient.close();
  });

  it("answers an unknown tool with the downstream's own answer, recording no action", async () => {
    const before = (await alice('GET', '/v1/actions?agent=fs-agent&limit=1000')).body.actions.length;
    const direct = new Client({ name: 'test-agent', version: '1.0.0' });
    await direct.connect(new StdioClientTransport({ command: process.execPath, args: [FILESYSTEM_SERVER, folder], stderr: 'pipe' }));
    const own = await direct.callTool({ name: 'format_disk', arguments: {} });
    await direct.close();
    expect(own).toMatchObject({ isError: true });
    expect(await client.callTool({ name: 'format_disk', arguments: {} })).toEqual(own);
    expect((await alice('GET', '/v1/actions?agent=fs-agent&limit=1000')).body.actions).toHaveLength(before);
    // A listed tool's name written another way is not unknown: it is an action like any call.
    const lookalike = (await client.callTool({ name: ' Move_File', arguments: {} })) as CallToolResult;
    expect(text(lookalike)).toContain('denied by the policy');
  });

  it('runs a retry after a proxy restart with the approval the first proxy asked for', async () => {
    const target = join(folder, 'after-restart.txt');
    const call = { name: 'write_file', arguments: { path: target, content: 'written by the second proxy\n' } };
    const first = await connectProxy(['--server', server.url, '--key', key, '--wait', '0'], folder);
    expect(text((await first.callTool(call)) as CallToolResult)).toContain('pending approval');
    await first.close();
    const approval = await pendingApprovalFor(target);
    await alice('POST', `/v1/approvals/${approval.id}/votes`, { verdict: 'approve' });

    const second = await connectProxy(['--server', server.url, '--key', key, '--wait', '0'], folder);
    const retried = (await second.callTool(call)) as CallToolResult;
    // Closed at once: a clean shutdown still sends the outcome it owes.
    await second.close();
    expect(retried.isError).toBeFalsy();
    expect(readFileSync(target, 'utf8')).toBe('written by the second proxy\n');
    expect((await alice('GET', `/v1/actions/${approval.action_id}`)).body.status).toBe('executed');
    const requests = (await alice('GET', '/v1/approvals?limit=1000')).body.approvals as { action_id: string }[];
    expect(requests.filter((request) => request.action_id === approval.action_id)).toHaveLength(1);
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
    const url = await proxyOverHttp(['--policy', policyFile, '--http', '0', '--', process.execPath, FILESYSTEM_SERVER, folder], children);
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

describe("the client's roots, through the proxy as directly", () => {
  const children: ReturnType<typeof spawn>[] = [];
  afterAll(() => children.splice(0).forEach((child) => child.kill('SIGTERM')));

  /** A folder with an open part and a locked one; the server is started on the whole folder. */
  function shared(): { folder: string; open: string; locked: string; policy: string } {
    const folder = realpathSync(mkdtempSync(join(tmpdir(), 'tollgate-roots-')));
    mkdirSync(join(folder, 'open'));
    mkdirSync(join(folder, 'locked'));
    writeFileSync(join(folder, 'open', 'readme.txt'), 'open to the agent\n');
    writeFileSync(join(folder, 'locked', 'secret.txt'), 'not for the agent\n');
    const policy = join(folder, 'policy.yaml');
    writeFileSync(policy, 'rules:\n  - name: reads\n    match: { capability: mcp }\n    decision: ALLOW\ndefaults:\n  decision: DENY\n');
    return { folder, open: join(folder, 'open'), locked: join(folder, 'locked'), policy };
  }

  /** A client that offers `roots` (and says when they change), as editors do for their workspace. */
  function rootedClient(): { client: Client; setRoots: (paths: string[]) => Promise<void> } {
    let roots: string[] = [];
    const client = new Client({ name: 'rooted-agent', version: '1.0.0' }, { capabilities: { roots: { listChanged: true } } });
    client.setRequestHandler(ListRootsRequestSchema, () => ({ roots: roots.map((path) => ({ uri: pathToFileURL(path).href })) }));
    return {
      client,
      setRoots: async (paths) => {
        roots = paths;
        if (client.transport !== undefined) await client.sendRootsListChanged();
      },
    };
  }

  /** The server takes up roots after it starts (and after each change): wait until it serves these. */
  async function servingRoots(client: Client, paths: string[]): Promise<void> {
    let listed = '';
    for (let attempt = 0; attempt < 500; attempt++) {
      listed = text((await client.callTool({ name: 'list_allowed_directories', arguments: {} })) as CallToolResult);
      if (listed.split('\n').slice(1).sort().join('\n') === [...paths].sort().join('\n')) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`the server never took up the roots ${paths.join(', ')}; it answers: ${listed}`);
  }

  const read = async (client: Client, path: string) =>
    (await client.callTool({ name: 'read_text_file', arguments: { path } })) as CallToolResult;

  for (const door of ['stdio', 'Streamable HTTP'] as const) {
    it(`keeps the downstream to the roots the client offers, and to the new ones when they change (${door})`, async () => {
      const { folder, open, locked, policy } = shared();
      const direct = rootedClient();
      await direct.setRoots([open]);
      await direct.client.connect(
        new StdioClientTransport({ command: process.execPath, args: [FILESYSTEM_SERVER, folder], stderr: 'pipe' }),
      );
      const proxied = rootedClient();
      await proxied.setRoots([open]);
      const proxyArgs = ['--policy', policy, '--', process.execPath, FILESYSTEM_SERVER, folder];
      if (door === 'stdio')
        await proxied.client.connect(
          new StdioClientTransport({ command: process.execPath, args: [BIN, 'mcp-proxy', ...proxyArgs], cwd: REPO, stderr: 'pipe' }),
        );
      else
        await proxied.client.connect(
          new StreamableHTTPClientTransport(new URL(await proxyOverHttp(['--http', '0', ...proxyArgs], children))),
        );

      for (const client of [direct.client, proxied.client]) await servingRoots(client, [open]);
      const refusedDirectly = await read(direct.client, join(locked, 'secret.txt'));
      expect(refusedDirectly.isError).toBe(true);
      expect(await read(proxied.client, join(locked, 'secret.txt'))).toEqual(refusedDirectly);
      expect(text(await read(proxied.client, join(open, 'readme.txt')))).toBe('open to the agent\n');

      // notifications/roots/list_changed reaches the downstream, which asks for the roots again.
      for (const { client, setRoots } of [direct, proxied]) {
        await setRoots([locked]);
        await servingRoots(client, [locked]);
      }
      expect(text(await read(proxied.client, join(locked, 'secret.txt')))).toBe('not for the agent\n');
      expect(await read(proxied.client, join(open, 'readme.txt'))).toEqual(await read(direct.client, join(open, 'readme.txt')));
      await Promise.all([direct.client.close(), proxied.client.close()]);
    });
  }
});

describe('every other capability, through the proxy as directly (@modelcontextprotocol/server-everything)', () => {
  const children: ReturnType<typeof spawn>[] = [];
  afterAll(() => children.splice(0).forEach((child) => child.kill('SIGTERM')));
  const ROOT = pathToFileURL(tmpdir()).href;

  /** A client that offers roots, sampling and elicitation, answering each as a person and a model would. */
  function capableClient(): { client: Client; asked: string[] } {
    const asked: string[] = [];
    const client = new Client(
      { name: 'capable-agent', version: '1.0.0' },
      { capabilities: { roots: { listChanged: true }, sampling: {}, elicitation: { form: {} } } },
    );
    client.setRequestHandler(ListRootsRequestSchema, () => {
      asked.push('roots');
      return { roots: [{ uri: ROOT, name: 'workspace' }] };
    });
    client.setRequestHandler(CreateMessageRequestSchema, () => {
      asked.push('sampling');
      return { model: 'stand-in-model', role: 'assistant', content: { type: 'text', text: 'a sampled answer' } };
    });
    client.setRequestHandler(ElicitRequestSchema, () => {
      asked.push('elicitation');
      return { action: 'accept', content: { name: 'Ada Lovelace', check: true } };
    });
    return { client, asked };
  }

  async function both(door: 'stdio' | 'Streamable HTTP') {
    const folder = realpathSync(mkdtempSync(join(tmpdir(), 'tollgate-everything-')));
    const policy = join(folder, 'policy.yaml');
    writeFileSync(policy, 'rules:\n  - name: all\n    match: { capability: mcp }\n    decision: ALLOW\ndefaults:\n  decision: DENY\n');
    const direct = capableClient();
    await direct.client.connect(new StdioClientTransport({ command: process.execPath, args: [EVERYTHING_SERVER], stderr: 'pipe' }));
    const proxied = capableClient();
    const proxyArgs = ['--policy', policy, '--', process.execPath, EVERYTHING_SERVER];
    await proxied.client.connect(
      door === 'stdio'
        ? new StdioClientTransport({ command: process.execPath, args: [BIN, 'mcp-proxy', ...proxyArgs], cwd: REPO, stderr: 'pipe' })
        : new StreamableHTTPClientTransport(new URL(await proxyOverHttp(['--http', '0', ...proxyArgs], children))),
    );
    return { direct, proxied };
  }

  for (const door of ['stdio', 'Streamable HTTP'] as const) {
    it(`passes initialisation, sampling, elicitation, roots, progress, resources, prompts and completions through (${door})`, async () => {
      const { direct, proxied } = await both(door);
      const [a, b] = [direct.client, proxied.client];
      // Both sides' capabilities reach the other: the server's as it states them, and the client's,
      // for which the server adds tools that ask for samples, elicitations and roots.
      expect(b.getServerCapabilities()).toEqual(a.getServerCapabilities());
      expect(b.getServerVersion()).toEqual(a.getServerVersion());
      expect(b.getInstructions()).toEqual(a.getInstructions());
      const names = async (client: Client) => (await client.listTools()).tools.map((tool) => tool.name).sort();
      expect(await names(b)).toEqual(await names(a));
      expect(await names(b)).toEqual(expect.arrayContaining(['get-roots-list', 'trigger-elicitation-request', 'trigger-sampling-request']));

      const call = async (client: Client, name: string, args: Record<string, unknown> = {}) =>
        text((await client.callTool({ name, arguments: args })) as CallToolResult);
      expect(await call(b, 'trigger-sampling-request', { prompt: 'hello', maxTokens: 5 })).toContain('a sampled answer');
      expect(await call(b, 'trigger-elicitation-request')).toContain('Ada Lovelace');
      expect(await call(b, 'get-roots-list')).toContain(ROOT);
      expect(proxied.asked).toEqual(expect.arrayContaining(['sampling', 'elicitation', 'roots']));

      const progress: number[] = [];
      await b.callTool({ name: 'trigger-long-running-operation', arguments: { duration: 0.3, steps: 3 } }, undefined, {
        onprogress: (update) => progress.push(update.progress),
      });
      // The server's last notification may trail its answer (directly too), so the client may not see it.
      expect(progress.slice(0, 2)).toEqual([1, 2]);

      expect(await b.listResources()).toEqual(await a.listResources());
      expect(await b.listResourceTemplates()).toEqual(await a.listResourceTemplates());
      const [first] = (await a.listResources()).resources;
      expect(await b.readResource({ uri: first!.uri })).toEqual(await a.readResource({ uri: first!.uri }));
      expect(await b.listPrompts()).toEqual(await a.listPrompts());
      expect(await b.getPrompt({ name: 'simple-prompt' })).toEqual(await a.getPrompt({ name: 'simple-prompt' }));
      const completion = { ref: { type: 'ref/prompt' as const, name: 'completable-prompt' }, argument: { name: 'department', value: 'S' } };
      expect((await b.complete(completion)).completion.values).toEqual(['Sales', 'Support']);
      expect(await b.setLoggingLevel('warning')).toEqual(await a.setLoggingLevel('warning'));
      await Promise.all([a.close(), b.close()]);
    });
  }
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
