// How Claude Code tool calls become actions: an MCP tool as the MCP proxy submits it (one rule,
// both doors), every shell tool with its `command`, every file tool with its `path`; and how a
// person's modification of the action comes back as the `updatedInput` Claude Code runs.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compilePolicy } from '@tollgate/core';
import { describe, expect, it } from 'vitest';
import { mcpAction } from '../mcp/proxy-server.js';
import { claudeCodeAction, followModification, updatedInput } from './claude-code-action.js';
import { parseHookInput } from './claude-code-input.js';

const event = (tool_name: string, tool_input: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  parseHookInput(
    JSON.stringify({ hook_event_name: 'PreToolUse', session_id: 's1', cwd: '/repo', tool_name, tool_input, tool_use_id: 't1', ...extra }),
  );

/** A payload Claude Code sent, as recorded in testdata/. */
const recorded = (name: string) => parseHookInput(readFileSync(fileURLToPath(new URL(`./testdata/${name}.json`, import.meta.url)), 'utf8'));

describe('claudeCodeAction', () => {
  it('puts a Bash command where policies look for it, with the door and the permission mode', () => {
    expect(claudeCodeAction(event('Bash', { command: 'rm -rf build', description: 'clean' }, { permission_mode: 'acceptEdits' }))).toEqual({
      action_type: 'Bash',
      capability: 'claude-code',
      door: 'claude-code',
      command: 'rm -rf build',
      summary: 'Bash: rm -rf build',
      arguments: { command: 'rm -rf build', description: 'clean' },
      cwd: '/repo',
      session: 's1',
      permission_mode: 'acceptEdits',
    });
  });

  it('gives every shell tool a `command`: PowerShell and Monitor too', () => {
    expect(claudeCodeAction(recorded('pre-tool-use-powershell'))).toMatchObject({
      action_type: 'PowerShell',
      command: 'Remove-Item -Recurse -Force C:\\',
      summary: 'PowerShell: Remove-Item -Recurse -Force C:\\',
    });
    expect(claudeCodeAction(event('Monitor', { description: 'tail', timeout_ms: 1000, command: 'tail -f /var/log/syslog' }))).toMatchObject(
      {
        command: 'tail -f /var/log/syslog',
      },
    );
  });

  it('gives file tools a path, Write its content, and MultiEdit a diff of every edit', () => {
    expect(claudeCodeAction(event('Write', { file_path: '/repo/a.txt', content: 'x' }))).toMatchObject({
      path: '/repo/a.txt',
      content: 'x',
    });
    expect(claudeCodeAction(event('Read', { file_path: '/etc/shadow' }))).toMatchObject({
      path: '/etc/shadow',
      summary: 'Read /etc/shadow',
    });
    expect(claudeCodeAction(event('NotebookEdit', { notebook_path: 'nb/a.ipynb', new_source: 'x' }))).toMatchObject({
      path: '/repo/nb/a.ipynb',
    });
    const multi = claudeCodeAction(
      event('MultiEdit', {
        file_path: '/repo/b.ts',
        edits: [
          { old_string: 'a', new_string: 'b' },
          { old_string: 'c', new_string: 'd' },
        ],
      }),
    );
    expect(multi.context).toEqual({ diff: '--- /repo/b.ts\n+++ /repo/b.ts\n-a\n+b\n-c\n+d' });
  });

  it('gives Glob, Grep and LS the folder they search: the one named, the working directory, or where the pattern leads', () => {
    expect(claudeCodeAction(recorded('pre-tool-use-grep'))).toMatchObject({ action_type: 'Grep', path: '/etc', summary: 'Grep /etc' });
    expect(claudeCodeAction(event('Grep', { pattern: 'TODO' })).path).toBe('/repo');
    expect(claudeCodeAction(event('Grep', { pattern: 'TODO', path: 'src' })).path).toBe('/repo/src');
    expect(claudeCodeAction(event('LS', { path: '/var/lib' })).path).toBe('/var/lib');
    expect(claudeCodeAction(event('Glob', { pattern: '**/*.md' })).path).toBe('/repo');
    expect(claudeCodeAction(event('Glob', { pattern: '/etc/ssh/*_config' })).path).toBe('/etc/ssh');
    // A relative pattern that climbs out of the folder searches where it leads.
    expect(claudeCodeAction(recorded('pre-tool-use-glob')).path).toBe('/etc');
    expect(claudeCodeAction(event('Glob', { pattern: '*.pem', path: '/home/dev/.ssh' })).path).toBe('/home/dev/.ssh');
  });

  it('submits an MCP tool as the proxy does, the door and the tool name in their own fields', () => {
    expect(claudeCodeAction(recorded('pre-tool-use-mcp'))).toEqual({
      action_type: 'create_issue',
      capability: 'mcp',
      server: 'github',
      door: 'claude-code',
      tool_name: 'mcp__github__create_issue',
      summary: 'MCP github: create_issue',
      arguments: { owner: 'acme', repo: 'shop', title: 'Checkout total is off by one cent', body: 'Rounding happens before tax.' },
      cwd: '/home/dev/shop',
      session: '5f0c2a1e-8d7b-4c5e-9a61-3b2f7e4d9c10',
      permission_mode: 'default',
    });
  });

  it("names a plugin's MCP server by its own name, and the plugin apart", () => {
    expect(claudeCodeAction(recorded('pre-tool-use-mcp-plugin'))).toMatchObject({
      action_type: 'create_issue',
      capability: 'mcp',
      server: 'github',
      plugin: 'my-plugin',
      tool_name: 'mcp__plugin_my-plugin_github__create_issue',
    });
    // A server name with characters Claude Code replaces in tool names, and a tool name with `__` in it.
    expect(
      claudeCodeAction(event('mcp__my_files__read__raw', { path: '/a' }, { mcp_server: { name: 'my.files', source: 'user' } })),
    ).toMatchObject({ action_type: 'read__raw', server: 'my.files' });
    // Without `mcp_server` (earlier Claude Code versions) the name is split at its first `__`.
    expect(claudeCodeAction(event('mcp__plugin_my-plugin_github__create_issue', {}))).toMatchObject({
      action_type: 'create_issue',
      server: 'github',
      plugin: 'my-plugin',
    });
    expect(claudeCodeAction(event('mcp__linear__create_issue', { title: 't' }))).toMatchObject({
      action_type: 'create_issue',
      server: 'linear',
    });
  });

  it('lifts nothing out of an MCP tool’s arguments: the proxy does not either', () => {
    const action = claudeCodeAction(
      event('mcp__shell__run', { command: 'ls', path: '/etc' }, { mcp_server: { name: 'shell', source: 'user' } }),
    );
    expect(action.command).toBeUndefined();
    expect(action.path).toBeUndefined();
  });
});

describe('one policy for both doors', () => {
  const policy = compilePolicy(`
rules:
  - name: public-issues
    match: { capability: mcp, server: github, action_type: create_issue }
    decision: REQUIRE_APPROVAL
  - name: no-system-files
    match: { path: { prefix: /etc } }
    decision: DENY
  - name: no-recursive-deletes
    match: { command: { matches: "(?i)(rm -rf|remove-item .*-recurse)" } }
    decision: DENY
defaults: { decision: ALLOW }
`);
  const decide = (action: Record<string, unknown>) => {
    const decision = policy.evaluate(action, { now: 0 });
    return { decision: decision.decision, rules: decision.reasons.map((reason) => reason.name) };
  };

  it('one rule matches an MCP tool through the MCP proxy and through Claude Code', () => {
    const input = recorded('pre-tool-use-mcp');
    const throughProxy = decide(mcpAction('github', 'create_issue', input.tool_input));
    const throughClaudeCode = decide(claudeCodeAction(input));
    expect(throughProxy).toEqual({ decision: 'REQUIRE_APPROVAL', rules: ['public-issues'] });
    expect(throughClaudeCode).toEqual(throughProxy);
    expect(decide(claudeCodeAction(recorded('pre-tool-use-mcp-plugin')))).toEqual(throughProxy);
  });

  it('a command rule catches PowerShell, and a path rule catches Glob and Grep', () => {
    expect(decide(claudeCodeAction(recorded('pre-tool-use-powershell')))).toEqual({ decision: 'DENY', rules: ['no-recursive-deletes'] });
    expect(decide(claudeCodeAction(recorded('pre-tool-use-glob')))).toEqual({ decision: 'DENY', rules: ['no-system-files'] });
    expect(decide(claudeCodeAction(recorded('pre-tool-use-grep')))).toEqual({ decision: 'DENY', rules: ['no-system-files'] });
  });
});

describe('updatedInput', () => {
  const input = { command: 'kubectl scale deploy/web --replicas=40', description: 'scale' };
  const submitted = claudeCodeAction(event('Bash', input));

  it('is undefined when the approved action is the one submitted', () => {
    expect(updatedInput({ ...submitted, agent: 'claude-code' }, submitted, 'Bash', input)).toBeUndefined();
  });

  it('carries a modified command back into the tool input', () => {
    const approved = { ...submitted, command: 'kubectl scale deploy/web --replicas=12' };
    expect(updatedInput(approved, submitted, 'Bash', input)).toEqual({
      command: 'kubectl scale deploy/web --replicas=12',
      description: 'scale',
    });
  });

  it('takes modified arguments as they are, and a modified path into the field the tool names it in', () => {
    const write = { file_path: '/etc/hosts', content: 'a' };
    const asked = claudeCodeAction(event('Write', write));
    expect(updatedInput({ ...asked, arguments: { file_path: '/etc/hosts', content: 'b' } }, asked, 'Write', write)).toEqual({
      file_path: '/etc/hosts',
      content: 'b',
    });
    expect(updatedInput({ ...asked, path: '/tmp/hosts' }, asked, 'Write', write)).toEqual({ file_path: '/tmp/hosts', content: 'a' });
    const grep = { pattern: 'key', path: '/etc' };
    const searched = claudeCodeAction(event('Grep', grep));
    expect(updatedInput({ ...searched, path: '/srv/app' }, searched, 'Grep', grep)).toEqual({ pattern: 'key', path: '/srv/app' });
  });
});

describe('followModification', () => {
  it('keeps the record saying what will run: the tool input and the summary follow a changed command or path', () => {
    const bash = claudeCodeAction(event('Bash', { command: 'rm -rf /srv/app', description: 'clean' }));
    expect(followModification(bash, { command: 'rm -rf /srv/app/tmp' })).toEqual({
      arguments: { command: 'rm -rf /srv/app/tmp', description: 'clean' },
      summary: 'Bash: rm -rf /srv/app/tmp',
    });
    const write = claudeCodeAction(event('Write', { file_path: '/etc/hosts', content: 'a' }));
    expect(followModification(write, { path: '/tmp/hosts' })).toEqual({
      arguments: { file_path: '/tmp/hosts', content: 'a' },
      summary: 'Write /tmp/hosts',
    });
  });

  it('lifts `command`, `path` and `content` anew from changed arguments', () => {
    const write = claudeCodeAction(event('Write', { file_path: '/etc/hosts', content: 'a' }));
    expect(followModification(write, { arguments: { file_path: 'hosts.new', content: 'b' } })).toEqual({
      arguments: { file_path: 'hosts.new', content: 'b' },
      content: 'b',
      path: '/repo/hosts.new',
      summary: 'Write /repo/hosts.new',
    });
  });

  it('leaves a summary the person wrote, and actions of other doors, alone', () => {
    const bash = claudeCodeAction(event('Bash', { command: 'ls' }));
    expect(followModification(bash, { command: 'ls -la', summary: 'list it all' })).not.toHaveProperty('summary');
    expect(followModification({ action_type: 'deploy', command: 'x', arguments: { command: 'x' } }, { command: 'y' })).toBeUndefined();
  });
});
