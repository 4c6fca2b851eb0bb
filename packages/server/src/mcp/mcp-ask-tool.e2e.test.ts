// `tollgate mcp-proxy --ask-tool` as an MCP client sees it: the official client talks to the real
// proxy in front of the real filesystem server; the `ask_a_person` call reaches a Tollgate server,
// a person answers it over HTTP, and the answer comes back as the tool's result.

import { execFile } from 'node:child_process';
import { mkdtempSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type Client as HttpClient, type TestServer } from '../../test/helpers/in-process.js';
import { BIN, REPO } from '../../test/helpers/server-process.js';

const FILESYSTEM_SERVER = createRequire(import.meta.url).resolve('@modelcontextprotocol/server-filesystem/dist/index.js');

const POLICY = `
rules:
  - name: reads-are-fine
    match: { capability: mcp, action_type: [read_text_file, list_directory] }
    decision: ALLOW
defaults:
  decision: DENY
  approvers: [approvers]
`;

const text = (result: CallToolResult): string => result.content.map((part) => (part.type === 'text' ? part.text : '')).join('\n');

describe('mcp-proxy --ask-tool, with a Tollgate server', () => {
  let server: TestServer;
  let key: string;
  let alice: HttpClient;
  let folder: string;
  const clients: Client[] = [];

  const connectProxy = async (args: string[]): Promise<Client> => {
    const client = new Client({ name: 'test-agent', version: '1.0.0' });
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [BIN, 'mcp-proxy', '--server', server.url, '--key', key, ...args, '--', process.execPath, FILESYSTEM_SERVER, folder],
        cwd: REPO,
        stderr: 'pipe',
      }),
    );
    clients.push(client);
    return client;
  };

  /** The question waiting for alice that asks `question`. */
  const pendingQuestion = async (question: string): Promise<Record<string, any>> => {
    for (;;) {
      const listed = (await alice('GET', '/v1/questions')).body.questions as Record<string, any>[];
      const found = listed.find((q) => q.question === question);
      if (found !== undefined) return found;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  beforeAll(async () => {
    server = await startTestServer(join(mkdtempSync(join(tmpdir(), 'tollgate-ask-db-')), 'tollgate.db'), { 'policy.yaml': POLICY });
    key = (await server.agent('fs-agent')).token;
    alice = await server.person('alice', 'approver', { groups: ['approvers'] });
    folder = realpathSync(mkdtempSync(join(tmpdir(), 'tollgate-ask-')));
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await server?.close();
  });

  it('lists ask_a_person beside the downstream tools only with the flag', async () => {
    const plain = (await (await connectProxy([])).listTools()).tools.map((tool) => tool.name);
    expect(plain).toContain('read_text_file');
    expect(plain).not.toContain('ask_a_person');
    const offered = (await (await connectProxy(['--ask-tool'])).listTools()).tools;
    expect(offered.map((tool) => tool.name)).toEqual(expect.arrayContaining(['ask_a_person', 'read_text_file', 'write_file']));
    expect(offered.filter((tool) => tool.name === 'ask_a_person')).toHaveLength(1);
    expect(offered.find((tool) => tool.name === 'ask_a_person')?.inputSchema.required).toEqual(['question']);
  });

  it("returns the person's answer, naming who answered, when they answer while the call waits", async () => {
    const client = await connectProxy(['--ask-tool', '--wait', '20']);
    const question = 'Which environment should the report be written for?';
    const call = client.callTool({
      name: 'ask_a_person',
      arguments: { question, choices: ['staging', 'production'], context: { ticket: 'OPS-7' } },
    });
    const asked = await pendingQuestion(question);
    expect(asked).toMatchObject({ agent: 'fs-agent', choices: ['staging', 'production'], context: { ticket: 'OPS-7' } });
    expect((await alice('POST', `/v1/questions/${asked.id}/answers`, { choice: 'staging' })).status).toBe(201);
    const result = (await call) as CallToolResult;
    expect(result.isError).toBeFalsy();
    expect(text(result)).toBe(`alice answered (question ${asked.id}): staging`);
    expect(result.structuredContent).toMatchObject({ question_id: asked.id, choices: ['staging'], answered_by: { name: 'alice' } });
    // Asked through the proxy's server connection, never the downstream: nothing was recorded as an action.
    expect((await alice('GET', '/v1/actions?agent=fs-agent')).body.actions).toEqual([]);
  });

  it('answers "still waiting, question <id>" when the wait runs out, and the same question retried resumes it', async () => {
    const client = await connectProxy(['--ask-tool', '--wait', '0.5']);
    const question = 'May I overwrite the old notes?';
    const call = { name: 'ask_a_person', arguments: { question } };
    const waiting = (await client.callTool(call)) as CallToolResult;
    expect(waiting.isError).toBe(true);
    const id = /^Tollgate: still waiting, question (\S+):/.exec(text(waiting))?.[1];
    const asked = await pendingQuestion(question);
    expect(id).toBe(asked.id);

    // Not answered yet: the retry waits on the same question, asking nothing new.
    expect(text((await client.callTool(call)) as CallToolResult)).toContain(`still waiting, question ${asked.id}`);
    await alice('POST', `/v1/questions/${asked.id}/answers`, { text: 'yes, they are stale' });
    const result = (await client.callTool(call)) as CallToolResult;
    expect(text(result)).toBe(`alice answered (question ${asked.id}):\nyes, they are stale`);
    expect((await alice('GET', '/v1/questions')).body.questions).toEqual([]);
  });

  it('keeps the question of a cancelled call: the retry waits on for it, asking nothing new', async () => {
    const client = await connectProxy(['--ask-tool', '--wait', '20']);
    const question = 'Should the cache be warmed before the switch?';
    const call = { name: 'ask_a_person', arguments: { question, choices: ['yes', 'no'] } };
    const controller = new AbortController();
    const cancelled = client.callTool(call, undefined, { signal: controller.signal });
    const asked = await pendingQuestion(question);
    controller.abort();
    await expect(cancelled).rejects.toThrow();
    const retried = client.callTool(call);
    await alice('POST', `/v1/questions/${asked.id}/answers`, { choice: 'no' });
    // Had the retry asked again, it would wait for its own question, which nobody answers.
    expect(text((await retried) as CallToolResult)).toBe(`alice answered (question ${asked.id}): no`);
    expect((await alice('GET', '/v1/questions')).body.questions).toEqual([]);
  });

  it('answers a mistake in the question as a tool error naming the field, asking nothing', async () => {
    const client = await connectProxy(['--ask-tool']);
    const bad = (await client.callTool({ name: 'ask_a_person', arguments: { question: 'Which?', choices: [] } })) as CallToolResult;
    expect(bad).toMatchObject({ isError: true });
    expect(text(bad)).toContain('(field `choices`)');
    const unknown = (await client.callTool({ name: 'ask_a_person', arguments: { question: 'Which?', resume: 'q_1' } })) as CallToolResult;
    expect(text(unknown)).toContain('unknown field `resume`');
    expect((await alice('GET', '/v1/questions')).body.questions).toEqual([]);
  });
});

describe('mcp-proxy --ask-tool with a local --policy', () => {
  it('is refused: there is nobody to ask', async () => {
    const refused = await new Promise<{ code: number; stderr: string }>((resolve) =>
      execFile(
        process.execPath,
        [BIN, 'mcp-proxy', '--policy', 'examples/guide', '--ask-tool', '--', 'true'],
        { cwd: REPO },
        (error, _stdout, stderr) => resolve({ code: typeof error?.code === 'number' ? error.code : 0, stderr }),
      ),
    );
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--ask-tool needs a Tollgate server (--server and --key)');
  });
});
