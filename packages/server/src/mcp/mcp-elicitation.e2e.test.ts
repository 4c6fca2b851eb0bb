// Approving inside the MCP client: the official MCP client, declaring the elicitation capability
// and answering with its own handler, talks to the real proxy process in front of the real
// filesystem server; with --server the answer is recorded as a vote on a real Tollgate server,
// with --policy it is decided on the machine. The files on disk show what ran.

import type { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync, realpathSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema, type CallToolResult, type ElicitRequest, type ElicitResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type Client as HttpClient, type TestServer } from '../../test/helpers/in-process.js';
import { BIN, REPO } from '../../test/helpers/server-process.js';
import { proxyOverHttp } from '../../test/helpers/mcp-proxy-http.js';

const FILESYSTEM_SERVER = createRequire(import.meta.url).resolve('@modelcontextprotocol/server-filesystem/dist/index.js');

const POLICY = `
rules:
  - name: reads-are-fine
    match: { capability: mcp, action_type: [read_text_file, list_directory, list_allowed_directories] }
    decision: ALLOW
  - name: writes-asked-in-the-client
    match: { capability: mcp, action_type: write_file }
    decision: REQUIRE_APPROVAL
    risk: low
    reason: writing files needs a person
    elicitation: { allowed: true, max_risk: medium }
  - name: directories-need-an-approver
    match: { capability: mcp, action_type: create_directory }
    decision: REQUIRE_APPROVAL
    reason: new directories need an approver
defaults:
  decision: DENY
  approvers: [approvers]
`;

const text = (result: CallToolResult): string => result.content.map((part) => (part.type === 'text' ? part.text : '')).join('\n');

/** The client's user, as the test plays them: each form is kept, and answered with `next`. */
interface Person {
  asked: ElicitRequest['params'][];
  next: ElicitResult;
}

/** The official client; with `person`, declaring that it answers forms and answering them as `person` says. */
function editor(person?: Person): Client {
  const client = new Client({ name: 'editor', version: '1.0.0' }, person === undefined ? {} : { capabilities: { elicitation: {} } });
  if (person !== undefined)
    client.setRequestHandler(ElicitRequestSchema, (request) => {
      person.asked.push(request.params);
      return person.next;
    });
  return client;
}

async function connect(args: string[], folder: string, person?: Person): Promise<Client> {
  const client = editor(person);
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

const folder = (): string => realpathSync(mkdtempSync(join(tmpdir(), 'tollgate-elicit-')));

describe('mcp-proxy asking the client’s user, with a Tollgate server', () => {
  let server: TestServer;
  let alice: HttpClient;
  let auditor: HttpClient;
  let key: string;
  let files: string;
  const person: Person = { asked: [], next: { action: 'cancel' } };
  let client: Client;

  const actionFor = async (path: string): Promise<Record<string, any>> => {
    const { actions } = (await alice('GET', '/v1/actions?agent=fs-agent&limit=1000')).body as { actions: { id: string }[] };
    for (const { id } of actions) {
      const action = (await alice('GET', `/v1/actions/${id}`)).body;
      if (action.action.arguments?.path === path) return action;
    }
    throw new Error(`no action for ${path}`);
  };

  beforeAll(async () => {
    server = await startTestServer(join(mkdtempSync(join(tmpdir(), 'tollgate-elicit-db-')), 'tollgate.db'), { 'policy.yaml': POLICY });
    key = (await server.agent('fs-agent')).token;
    alice = await server.person('alice', 'approver', { groups: ['approvers'] });
    auditor = await server.person('ada', 'auditor');
    files = folder();
    client = await connect(['--server', server.url, '--key', key, '--wait', '0.5'], files, person);
  });
  afterAll(async () => {
    await client?.close();
    await server?.close();
  });

  it('asks the client’s user where the rule allows it; their approval runs the call and is their vote, via elicitation', async () => {
    person.asked = [];
    person.next = { action: 'accept', content: { decision: 'approve', note: 'looks right' } };
    const target = join(files, 'approved.txt');
    const result = (await client.callTool({ name: 'write_file', arguments: { path: target, content: 'hello\n' } })) as CallToolResult;
    expect(result.isError).toBeFalsy();
    expect(readFileSync(target, 'utf8')).toBe('hello\n');

    const action = await actionFor(target);
    expect(person.asked).toHaveLength(1);
    expect(person.asked[0]).toMatchObject({ mode: 'form', requestedSchema: { required: ['decision'] } });
    expect(person.asked[0]!.message).toContain(action.digest);
    expect(person.asked[0]!.message).toContain('write_file');

    const approval = (await alice('GET', `/v1/approvals/${action.approval.id}`)).body;
    expect(approval.status).toBe('approved');
    const { events } = (await auditor('GET', `/v1/audit?type=vote.cast&subject=${approval.id}`)).body as { events: any[] };
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      actor: 'agent:fs-agent',
      data: { verdict: 'approve', via: 'elicitation', voter: 'elicited:fs-agent', digest: action.digest, note: 'looks right' },
    });
    expect(events[0].data.client_user).toContain('(editor)');
  });

  it('takes a decline as a denial: the call is refused and nothing is written', async () => {
    person.asked = [];
    person.next = { action: 'decline' };
    const target = join(files, 'declined.txt');
    const result = (await client.callTool({ name: 'write_file', arguments: { path: target, content: 'no\n' } })) as CallToolResult;
    expect(result.isError).toBe(true);
    expect(text(result)).toContain('declined in the MCP client');
    expect(existsSync(target)).toBe(false);
    expect(person.asked).toHaveLength(1);
    expect((await actionFor(target)).status).toBe('denied');
  });

  it('leaves a cancelled form to people: the call waits as it would have', async () => {
    person.asked = [];
    person.next = { action: 'cancel' };
    const target = join(files, 'cancelled.txt');
    const result = (await client.callTool({ name: 'write_file', arguments: { path: target, content: 'later\n' } })) as CallToolResult;
    expect(text(result)).toContain('pending approval');
    expect(existsSync(target)).toBe(false);
    expect((await actionFor(target)).status).toBe('pending');
  });

  it('never asks the client’s user about a gate whose rule does not allow it', async () => {
    person.asked = [];
    person.next = { action: 'accept', content: { decision: 'approve' } };
    const target = join(files, 'made-by-an-approver');
    const result = (await client.callTool({ name: 'create_directory', arguments: { path: target } })) as CallToolResult;
    expect(text(result)).toContain('pending approval');
    expect(person.asked).toHaveLength(0);
    expect(existsSync(target)).toBe(false);
  });

  it('falls back to waiting for people with a client that cannot answer forms', async () => {
    const plain = await connect(['--server', server.url, '--key', key, '--wait', '0.5'], files);
    const target = join(files, 'plain.txt');
    const result = (await plain.callTool({ name: 'write_file', arguments: { path: target, content: 'x\n' } })) as CallToolResult;
    expect(text(result)).toContain('pending approval');
    expect(existsSync(target)).toBe(false);
    expect((await actionFor(target)).status).toBe('pending');
    await plain.close();
  });
});

describe('mcp-proxy asking the client’s user, with a local --policy', () => {
  let files: string;
  let policyFile: string;
  const person: Person = { asked: [], next: { action: 'cancel' } };
  let client: Client;

  beforeAll(async () => {
    files = folder();
    policyFile = join(files, '..', `${files.split('/').pop()}-policy.yaml`);
    writeFileSync(policyFile, POLICY);
    client = await connect(['--policy', policyFile], files, person);
  });
  afterAll(async () => {
    await client?.close();
  });

  it('runs the call the client’s user approves, and refuses the one they deny', async () => {
    person.next = { action: 'accept', content: { decision: 'approve' } };
    const yes = join(files, 'yes.txt');
    expect(
      ((await client.callTool({ name: 'write_file', arguments: { path: yes, content: 'y\n' } })) as CallToolResult).isError,
    ).toBeFalsy();
    expect(readFileSync(yes, 'utf8')).toBe('y\n');

    person.next = { action: 'accept', content: { decision: 'deny', note: 'not now' } };
    const no = join(files, 'no.txt');
    const denied = (await client.callTool({ name: 'write_file', arguments: { path: no, content: 'n\n' } })) as CallToolResult;
    expect(denied.isError).toBe(true);
    expect(text(denied)).toContain('denied in the MCP client');
    expect(text(denied)).toContain('not now');
    expect(existsSync(no)).toBe(false);
  });

  it('does not ask where the rule does not allow it: nobody to ask, nothing run', async () => {
    person.asked = [];
    const target = join(files, 'dir');
    const result = (await client.callTool({ name: 'create_directory', arguments: { path: target } })) as CallToolResult;
    expect(text(result)).toContain('nobody to ask');
    expect(person.asked).toHaveLength(0);
    expect(existsSync(target)).toBe(false);
  });
});

describe('mcp-proxy asking the client’s user over Streamable HTTP', () => {
  const children: ReturnType<typeof spawn>[] = [];
  afterAll(() => children.splice(0).forEach((child) => child.kill('SIGTERM')));

  it('sends the form on the stream of the call it is about, and runs the call the user approves', async () => {
    const files = folder();
    const policyFile = join(files, '..', `${files.split('/').pop()}-policy.yaml`);
    writeFileSync(policyFile, POLICY);
    const url = await proxyOverHttp(['--policy', policyFile, '--http', '0', '--', process.execPath, FILESYSTEM_SERVER, files], children);
    const person: Person = { asked: [], next: { action: 'accept', content: { decision: 'approve' } } };
    const client = editor(person);
    await client.connect(new StreamableHTTPClientTransport(new URL(url)));
    const target = join(files, 'over-http.txt');
    const result = (await client.callTool({ name: 'write_file', arguments: { path: target, content: 'h\n' } })) as CallToolResult;
    expect(result.isError).toBeFalsy();
    expect(readFileSync(target, 'utf8')).toBe('h\n');
    expect(person.asked).toHaveLength(1);
    await client.close();
  });
});
