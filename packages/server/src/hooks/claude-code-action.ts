// How a Claude Code tool call becomes an action (DESIGN §7), so one policy governs it like any
// other door, and how an action a person modified becomes the `updatedInput` Claude Code runs.

import { canonicalJson } from '@tollgate/core';
import type { HookInput } from './claude-code-input.js';

const FILE_TOOLS: Record<string, string> = {
  Write: 'file_path',
  Edit: 'file_path',
  MultiEdit: 'file_path',
  Read: 'file_path',
  NotebookEdit: 'notebook_path',
};

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function clip(value: string, max = 200): string {
  const line = value.replace(/\s+/g, ' ').trim();
  return line.length <= max ? line : `${line.slice(0, max - 1)}…`;
}

/** A minimal diff of the replacements an Edit or MultiEdit makes, for the approver. */
function editDiff(path: string, edits: unknown[]): string {
  const lines = [`--- ${path}`, `+++ ${path}`];
  for (const edit of edits) {
    if (typeof edit !== 'object' || edit === null) continue;
    const { old_string, new_string } = edit as { old_string?: unknown; new_string?: unknown };
    lines.push(
      ...String(old_string ?? '')
        .split('\n')
        .map((l) => `-${l}`),
      ...String(new_string ?? '')
        .split('\n')
        .map((l) => `+${l}`),
    );
  }
  return lines.join('\n');
}

export function claudeCodeAction(input: HookInput): Record<string, unknown> {
  const { tool_name: tool, tool_input: args } = input;
  const action: Record<string, unknown> = { action_type: tool, capability: 'claude-code' };
  let summary = tool;
  const command = text(args.command);
  if (tool === 'Bash' && command !== undefined) {
    action.command = command;
    summary = `Bash: ${clip(command)}`;
  }
  const pathField = FILE_TOOLS[tool];
  const path = pathField === undefined ? undefined : text(args[pathField]);
  if (path !== undefined) {
    action.path = path;
    summary = `${tool} ${path}`;
    if (tool === 'Write' && typeof args.content === 'string') action.content = args.content;
    if (tool === 'Edit') action.context = { diff: editDiff(path, [args]) };
    if (tool === 'MultiEdit' && Array.isArray(args.edits)) action.context = { diff: editDiff(path, args.edits) };
  }
  const mcp = /^mcp__(.+?)__(.+)$/.exec(tool);
  if (mcp !== null) {
    action.server = mcp[1];
    action.tool = mcp[2];
    summary = `MCP ${mcp[1]}: ${mcp[2]}`;
  }
  action.summary = summary;
  action.arguments = args;
  if (input.cwd !== undefined) action.cwd = input.cwd;
  action.session = input.session_id;
  return action;
}

/**
 * The tool input to run after a person modified the action, or undefined when it is unchanged:
 * the approved `arguments`, with a changed `command`, `path` or `content` carried back to their fields.
 */
export function updatedInput(
  approved: Record<string, unknown>,
  submitted: Record<string, unknown>,
  toolName: string,
  toolInput: Record<string, unknown>,
): Record<string, unknown> | undefined {
  const args = approved.arguments;
  const input: Record<string, unknown> = typeof args === 'object' && args !== null && !Array.isArray(args) ? { ...args } : { ...toolInput };
  const carry = (field: string, into: string): void => {
    if (typeof approved[field] === 'string' && approved[field] !== submitted[field]) input[into] = approved[field];
  };
  carry('command', 'command');
  carry('path', FILE_TOOLS[toolName] ?? 'file_path');
  carry('content', 'content');
  return canonicalJson(input) === canonicalJson(toolInput) ? undefined : input;
}
