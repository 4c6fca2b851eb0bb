// How Claude Code tool calls become actions, and how a person's modification of the action comes
// back as the `updatedInput` Claude Code runs instead of what the model asked for.

import { describe, expect, it } from 'vitest';
import { claudeCodeAction, updatedInput } from './claude-code-action.js';
import { parseHookInput } from './claude-code-input.js';

const event = (tool_name: string, tool_input: Record<string, unknown>) =>
  parseHookInput(
    JSON.stringify({ hook_event_name: 'PreToolUse', session_id: 's1', cwd: '/repo', tool_name, tool_input, tool_use_id: 't1' }),
  );

describe('claudeCodeAction', () => {
  it('puts a Bash command where policies look for it', () => {
    expect(claudeCodeAction(event('Bash', { command: 'rm -rf build', description: 'clean' }))).toEqual({
      action_type: 'Bash',
      capability: 'claude-code',
      command: 'rm -rf build',
      summary: 'Bash: rm -rf build',
      arguments: { command: 'rm -rf build', description: 'clean' },
      cwd: '/repo',
      session: 's1',
    });
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

  it('names the server and tool of an MCP tool', () => {
    expect(claudeCodeAction(event('mcp__linear__create_issue', { title: 't' }))).toMatchObject({
      action_type: 'mcp__linear__create_issue',
      server: 'linear',
      tool: 'create_issue',
      arguments: { title: 't' },
    });
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

  it('takes modified arguments as they are, and a modified path as `file_path`', () => {
    const write = { file_path: '/etc/hosts', content: 'a' };
    const asked = claudeCodeAction(event('Write', write));
    expect(updatedInput({ ...asked, arguments: { file_path: '/etc/hosts', content: 'b' } }, asked, 'Write', write)).toEqual({
      file_path: '/etc/hosts',
      content: 'b',
    });
    expect(updatedInput({ ...asked, path: '/tmp/hosts' }, asked, 'Write', write)).toEqual({ file_path: '/tmp/hosts', content: 'a' });
  });
});
