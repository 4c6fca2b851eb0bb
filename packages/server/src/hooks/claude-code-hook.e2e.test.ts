// `tollgate hook claude-code` as Claude Code runs it: the real command, recorded PreToolUse and
// PostToolUse payloads on stdin, and the exact JSON it prints, against a real Tollgate server,
// an unreachable one, and a local policy; and a hook whose timeout is shorter than its wait.

import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type Client as HttpClient, type TestServer } from '../../test/helpers/in-process.js';
import { BIN, REPO } from '../../test/helpers/server-process.js';

const POLICY = `
rules:
  - name: no-force-push
    match: { action_type: Bash, command: { contains: "--force" } }
    decision: DENY
    reason: force pushes rewrite shared history
  - name: system-files
    match: { action_type: [Write, Edit, MultiEdit], path: { glob: "/etc/**" } }
    decision: REQUIRE_APPROVAL
    reason: system files need a person
  - name: source-edits
    match: { action_type: Edit, path: { glob: "/home/dev/shop/src/**" } }
    decision: REVIEW
    reason: source edits are reviewed afterwards
  - name: scaling
    match: { action_type: Bash, command: { prefix: "kubectl scale" } }
    decision: REQUIRE_APPROVAL
    modifiable: [command]
    reason: scaling needs a person
  - name: public-issues
    match: { capability: mcp, server: github, action_type: create_issue }
    decision: REQUIRE_APPROVAL
    reason: issues are public
defaults:
  decision: ALLOW
  approvers: [approvers]
`;

type Payload = Record<string, any>;
const recorded = (name: string): Payload =>
  JSON.parse(readFileSync(fileURLToPath(new URL(`./testdata/${name}.json`, import.meta.url)), 'utf8')) as Payload;

interface HookResult {
  code: number;
  stdout: string;
  stderr: string;
  /** The printed JSON, parsed (stdout must be exactly one JSON document). */
  json: any;
}

/** A home of its own, so that no settings of the machine's user are read. */
const HOME = mkdtempSync(join(tmpdir(), 'tollgate-hook-home-'));

function runHook(args: string[], stdin: string | Payload, env: Record<string, string> = {}): Promise<HookResult> {
  return new Promise((resolve) => {
    const options = { cwd: REPO, env: { PATH: process.env.PATH ?? '', HOME, ...env } };
    const child = execFile(process.execPath, [BIN, 'hook', 'claude-code', ...args], options, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, stdout, stderr, json: stdout.trim() === '' ? undefined : JSON.parse(stdout) });
    });
    child.stdin!.end(typeof stdin === 'string' ? stdin : JSON.stringify(stdin));
  });
}

const decision = (permissionDecision: string, reason: string | RegExp, updatedInput?: unknown) => ({
  hookSpecificOutput: {
    hookEventName: 'PreToolUse',
    permissionDecision,
    permissionDecisionReason: typeof reason === 'string' ? reason : expect.stringMatching(reason),
    ...(updatedInput === undefined ? {} : { updatedInput }),
  },
});

describe('the Claude Code hook against a Tollgate server', () => {
  let server: TestServer;
  let alice: HttpClient;
  let args: string[];

  /** The pending approval request of the call to `toolName` (on `path`, if given). */
  const pendingApprovalFor = async (toolName: string, path?: string): Promise<{ id: string; action_id: string }> => {
    for (;;) {
      const { approvals } = (await alice('GET', '/v1/approvals?status=pending')).body as { approvals: { id: string; action_id: string }[] };
      for (const approval of approvals) {
        const { action } = (await alice('GET', `/v1/actions/${approval.action_id}`)).body;
        if (action.action_type === toolName && (path === undefined || action.path === path)) return approval;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  beforeAll(async () => {
    server = await startTestServer(join(mkdtempSync(join(tmpdir(), 'tollgate-hook-')), 'tollgate.db'), { 'policy.yaml': POLICY });
    alice = await server.person('alice', 'approver', { groups: ['approvers'] });
    const { token } = await server.agent('claude-code');
    args = ['--server', server.url, '--key', token, '--state-dir', mkdtempSync(join(tmpdir(), 'tollgate-hook-state-'))];
  });
  afterAll(() => server?.close());

  it('denies a Bash command the policy refuses, with the reason', async () => {
    const result = await runHook(args, recorded('pre-tool-use-bash'));
    expect(result.code).toBe(0);
    expect(result.json).toEqual(
      decision('deny', /^Tollgate: action `act_\w+` was denied by the policy: force pushes rewrite shared history$/),
    );
    const { actions } = (await alice('GET', '/v1/actions?agent=claude-code')).body;
    const stored = (await alice('GET', `/v1/actions/${actions[0].id}`)).body;
    expect(stored.action).toMatchObject({
      action_type: 'Bash',
      capability: 'claude-code',
      command: 'git push --force origin main',
      cwd: '/home/dev/shop',
      session: '5f0c2a1e-8d7b-4c5e-9a61-3b2f7e4d9c10',
      arguments: { command: 'git push --force origin main' },
    });
  });

  it('allows an Edit the policy reviews afterwards, and reports its outcome from PostToolUse', async () => {
    const edit = recorded('pre-tool-use-edit');
    const result = await runHook(args, edit);
    expect(result.json).toEqual(decision('allow', 'Tollgate allowed it, for review afterwards: source edits are reviewed afterwards'));
    const post = await runHook(args, { ...edit, hook_event_name: 'PostToolUse', tool_response: { filePath: edit.tool_input.file_path } });
    expect(post).toMatchObject({ code: 0, stdout: '' });
    const { actions } = (await alice('GET', '/v1/actions?agent=claude-code')).body;
    const stored = (await alice('GET', `/v1/actions/${actions[0].id}`)).body;
    expect(stored).toMatchObject({ status: 'executed', outcome: { status: 'succeeded' }, action: { path: '/home/dev/shop/src/cart.ts' } });
    expect(stored.action.context.diff).toBe(
      '--- /home/dev/shop/src/cart.ts\n+++ /home/dev/shop/src/cart.ts\n-const TAX = 0.19;\n+const TAX = 0.2;',
    );
  });

  it('denies a Write that needs approval with the link, then allows the retried call once after approval', async () => {
    const write = recorded('pre-tool-use-write');
    const pending = await runHook([...args, '--wait', '0.3'], write);
    expect(pending.json).toEqual(
      decision(
        'deny',
        /^Tollgate: pending approval http:\/\/\S+\/approvals\/apr_\w+; retry the same call after a person approves it \(action `act_\w+`\)$/,
      ),
    );
    const approval = await pendingApprovalFor('Write');
    await alice('POST', `/v1/approvals/${approval.id}/votes`, { verdict: 'approve', note: 'hosts entry for the new db' });

    // Claude retries the same call: a new tool_use_id, the same input.
    const retry = { ...write, tool_use_id: 'toolu_01Retry' };
    const allowed = await runHook([...args, '--wait', '0.3'], retry);
    expect(allowed.json).toEqual(decision('allow', /^Tollgate: approved by usr_\w+ \(hosts entry for the new db\)$/));
    const grant = (await alice('GET', `/v1/actions/${approval.action_id}`)).body;
    expect(grant.status).toBe('approved');

    const post = await runHook(args, { ...recorded('post-tool-use-write'), tool_use_id: 'toolu_01Retry' });
    expect(post).toMatchObject({ code: 0, stdout: '' });
    const executed = (await alice('GET', `/v1/actions/${approval.action_id}`)).body;
    expect(executed).toMatchObject({ status: 'executed', outcome: { status: 'succeeded' } });
    expect(executed.outcome.detail).toContain('"filePath":"/etc/hosts"');

    // That approval was for one write: the same call again asks anew.
    const again = await runHook([...args, '--wait', '0.3'], { ...write, tool_use_id: 'toolu_01Again' });
    expect(again.json.hookSpecificOutput.permissionDecision).toBe('deny');
    expect(again.json.hookSpecificOutput.permissionDecisionReason).not.toContain(approval.action_id);
  });

  it('runs what a person changed the command to, and records that: the command, its arguments and the summary', async () => {
    const scale = {
      ...recorded('pre-tool-use-bash'),
      tool_input: { command: 'kubectl scale deploy/web --replicas=40', description: 'Scale the web tier' },
      tool_use_id: 'toolu_01Scale',
    };
    expect((await runHook([...args, '--wait', '0.3'], scale)).json.hookSpecificOutput.permissionDecision).toBe('deny');
    const approval = await pendingApprovalFor('Bash');
    const voted = await alice('POST', `/v1/approvals/${approval.id}/votes`, {
      verdict: 'approve',
      modifications: { command: 'kubectl scale deploy/web --replicas=12' },
    });
    expect(voted.status).toBe(201);
    const allowed = await runHook([...args, '--wait', '0.3'], { ...scale, tool_use_id: 'toolu_01ScaleRetry' });
    expect(allowed.json).toEqual(
      decision('allow', /^Tollgate: approved by usr_\w+$/, {
        command: 'kubectl scale deploy/web --replicas=12',
        description: 'Scale the web tier',
      }),
    );
    const stored = (await alice('GET', `/v1/actions/${approval.action_id}`)).body;
    expect(stored.action).toMatchObject({
      command: 'kubectl scale deploy/web --replicas=12',
      arguments: { command: 'kubectl scale deploy/web --replicas=12', description: 'Scale the web tier' },
      summary: 'Bash: kubectl scale deploy/web --replicas=12',
    });
    expect(JSON.stringify(stored.action)).not.toContain('--replicas=40');
  });

  it('allows an MCP tool call when a person approves it within the wait', async () => {
    const running = runHook([...args, '--wait', '20'], recorded('pre-tool-use-mcp'));
    const approval = await pendingApprovalFor('create_issue');
    await alice('POST', `/v1/approvals/${approval.id}/votes`, { verdict: 'approve' });
    const result = await running;
    expect(result.json).toEqual(decision('allow', /^Tollgate: approved by usr_\w+$/));
    const stored = (await alice('GET', `/v1/actions/${approval.action_id}`)).body;
    expect(stored.action).toMatchObject({
      action_type: 'create_issue',
      capability: 'mcp',
      server: 'github',
      door: 'claude-code',
      arguments: { repo: 'shop', title: 'Checkout total is off by one cent' },
    });
  });

  it('answers before a timeout shorter than the wait: deny with the link, and the retry after approval runs once', async () => {
    const write = { ...recorded('pre-tool-use-write'), tool_input: { file_path: '/etc/fstab', content: '/dev/sdb1 /data ext4\n' } };
    // 3 s is the hook's timeout: it must answer within it (less its margin), though told to wait 20 s.
    const result = await runHook([...args, '--wait', '20', '--timeout', '3'], write);
    expect(result.code).toBe(0);
    expect(result.json).toEqual(
      decision(
        'deny',
        /^Tollgate: no verdict within the hook's 3 s timeout: pending approval http:\/\/\S+\/approvals\/apr_\w+; retry the same call after a person approves it \(action `act_\w+`\)$/,
      ),
    );
    const approval = await pendingApprovalFor('Write', '/etc/fstab');
    await alice('POST', `/v1/approvals/${approval.id}/votes`, { verdict: 'approve' });
    const retry = { ...write, tool_use_id: 'toolu_01AfterApproval' };
    const retried = await runHook([...args, '--wait', '20', '--timeout', '3'], retry);
    expect(retried.json).toEqual(decision('allow', /^Tollgate: approved by usr_\w+$/));
    // What runs is the action people approved: its outcome is reported on it.
    await runHook(args, { ...retry, hook_event_name: 'PostToolUse', tool_response: { type: 'update', filePath: '/etc/fstab' } });
    expect((await alice('GET', `/v1/actions/${approval.action_id}`)).body).toMatchObject({ status: 'executed' });
  });

  it('reads its timeout from the settings that install it when not told', async () => {
    const project = mkdtempSync(join(tmpdir(), 'tollgate-hook-project-'));
    mkdirSync(join(project, '.claude'));
    const command = `node ${BIN} hook claude-code --wait 20`;
    writeFileSync(
      join(project, '.claude', 'settings.json'),
      JSON.stringify({ hooks: { PreToolUse: [{ matcher: '*', hooks: [{ type: 'command', command, timeout: 3 }] }] } }),
    );
    const write = { ...recorded('pre-tool-use-write'), tool_input: { file_path: '/etc/crontab', content: '* * * * * root true\n' } };
    const result = await runHook([...args, '--wait', '20'], write, { CLAUDE_PROJECT_DIR: project });
    expect(result.json.hookSpecificOutput).toMatchObject({
      permissionDecision: 'deny',
      permissionDecisionReason: expect.stringMatching(/^Tollgate: no verdict within the hook's 3 s timeout: pending approval /),
    });
  });

  it('denies with the note when a person denies within the wait, and reports a failed tool from PostToolUseFailure', async () => {
    const write = { ...recorded('pre-tool-use-write'), tool_input: { file_path: '/etc/resolv.conf', content: 'nameserver 10.0.0.1\n' } };
    const running = runHook([...args, '--wait', '20'], write);
    const approval = await pendingApprovalFor('Write', '/etc/resolv.conf');
    await alice('POST', `/v1/approvals/${approval.id}/votes`, { verdict: 'deny', note: 'DNS is managed by ops' });
    expect((await running).json).toEqual(decision('deny', /^Tollgate: action `act_\w+` was denied by an approver: DNS is managed by ops$/));

    const bash = { ...recorded('pre-tool-use-bash'), tool_input: { command: 'npm test' }, tool_use_id: 'toolu_01Tests' };
    expect((await runHook(args, bash)).json.hookSpecificOutput.permissionDecision).toBe('allow');
    const failed = await runHook(args, { ...bash, hook_event_name: 'PostToolUseFailure', error: 'Command exited with 1' });
    expect(failed.code).toBe(0);
    const { actions } = (await alice('GET', '/v1/actions?agent=claude-code')).body;
    expect((await alice('GET', `/v1/actions/${actions[0].id}`)).body).toMatchObject({
      status: 'failed',
      outcome: { status: 'failed', detail: 'Command exited with 1' },
    });
  });
});

describe('the Claude Code hook without a server', () => {
  const state = () => ['--state-dir', mkdtempSync(join(tmpdir(), 'tollgate-hook-state-'))];

  it('fails closed when the server is unreachable, and open with --fail-open', async () => {
    const closed = await runHook(['--server', 'http://127.0.0.1:9', '--key', 'k', ...state()], recorded('pre-tool-use-edit'));
    expect(closed.json).toEqual(
      decision('deny', /^Tollgate at http:\/\/127\.0\.0\.1:9 is unreachable, so the call is denied \(the hook fails closed\): /),
    );
    const open = await runHook(['--server', 'http://127.0.0.1:9', '--key', 'k', '--fail-open', ...state()], recorded('pre-tool-use-edit'));
    expect(open.json).toEqual(
      decision('allow', 'Tollgate at http://127.0.0.1:9 is unreachable; allowed because the hook runs with --fail-open'),
    );
  });

  it('denies before its timeout when the server takes the request and never answers', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
      const result = await runHook(['--server', url, '--key', 'k', '--timeout', '3', ...state()], recorded('pre-tool-use-edit'));
      expect(result.json).toEqual(
        decision('deny', "Tollgate did not answer within the hook's 3 s timeout, so the call is denied (the hook fails closed)"),
      );
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });

  it('decides with a local --policy: deny, ask and allow', async () => {
    const policy = join(mkdtempSync(join(tmpdir(), 'tollgate-hook-policy-')), 'policy.yaml');
    writeFileSync(policy, POLICY);
    expect((await runHook(['--policy', policy], recorded('pre-tool-use-bash'))).json).toEqual(
      decision('deny', 'Tollgate denied it: force pushes rewrite shared history'),
    );
    expect((await runHook(['--policy', policy], recorded('pre-tool-use-write'))).json).toEqual(
      decision('ask', "Tollgate asks for a person's approval: system files need a person"),
    );
    expect((await runHook(['--policy', policy], recorded('pre-tool-use-edit'))).json).toEqual(
      decision('allow', 'Tollgate allowed it: source edits are reviewed afterwards'),
    );
    expect(await runHook(['--policy', policy], recorded('post-tool-use-write'))).toMatchObject({ code: 0, stdout: '' });
  });

  it('exits 2 with a message naming the field on bad input, printing no decision', async () => {
    const policy = join(mkdtempSync(join(tmpdir(), 'tollgate-hook-policy-')), 'policy.yaml');
    writeFileSync(policy, POLICY);
    const bash = recorded('pre-tool-use-bash');
    const cases: [string | Payload, string][] = [
      ['', 'standard input is empty'],
      ['{"tool_name":', 'standard input is not valid JSON'],
      [{ ...bash, tool_name: undefined }, '`tool_name` must be a non-empty string'],
      [{ ...bash, tool_input: ['ls'] }, '`tool_input` must be an object'],
      [{ ...bash, hook_event_name: 'Stop' }, '`hook_event_name` must be PreToolUse, PostToolUse, PostToolUseFailure, not `Stop`'],
      [{ ...bash, session_id: 7 }, '`session_id` must be a non-empty string'],
    ];
    for (const [stdin, message] of cases) {
      const result = await runHook(['--policy', policy], stdin);
      expect(result.code, message).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain(`tollgate hook claude-code: bad hook input: ${message}`);
    }
  });

  it('refuses options that cannot work together, naming them', async () => {
    const both = await runHook(['--policy', 'p.yaml', '--key', 'k'], recorded('pre-tool-use-bash'));
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('give either --policy (decide locally) or --server and --key (ask a Tollgate server), not both');
    const wait = await runHook(['--policy', 'p.yaml', '--wait', 'soon'], recorded('pre-tool-use-bash'));
    expect(wait.code).toBe(2);
    expect(wait.stderr).toContain('--wait must be a number of seconds from 0 to 3600, not `soon`');
  });
});
