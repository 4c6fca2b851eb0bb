// How a Claude Code tool call becomes an action (DESIGN §7), so one policy governs it like any other
// door: an MCP tool as the MCP proxy submits it, any shell tool with its `command`, any file tool with
// its `path`; and how an action a person modified becomes the `updatedInput` Claude Code runs.

import { isAbsolute, resolve } from 'node:path';
import { canonicalJson } from '@tollgate/sdk';
import type { HookInput } from './claude-code-input.js';

/** Which door an action came through, in its own field, so `capability` can say what the tool is. */
export const DOOR = 'claude-code';

/** Where file tools name what they touch: Read/Write/Edit/MultiEdit, NotebookEdit, Glob/Grep/LS. */
const PATH_FIELDS = ['file_path', 'notebook_path', 'path'] as const;

/** Tools that search a folder: the working directory when they name none. */
const SEARCH_TOOLS = new Set(['Glob', 'Grep', 'LS']);

/** The tool input fields the action lifts to the top, where policies look: action field → input field. */
export interface Lifted {
  command?: string;
  path?: string;
  content?: string;
}

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

/** The folder part of a glob before its first wildcard: `/etc/**\/*.conf` searches `/etc`. */
function globBase(pattern: string): string {
  const parts = pattern.split(/[\\/]/);
  const fixed: string[] = [];
  for (const part of parts) {
    if (/[*?[\]{}]/.test(part)) break;
    fixed.push(part);
  }
  // A pattern with no wildcard names a file: its folder is what is searched.
  if (fixed.length === parts.length) fixed.pop();
  return fixed.join('/') || (pattern.startsWith('/') ? '/' : '.');
}

function isMcpTool(tool: string): boolean {
  return tool.startsWith('mcp__');
}

/** Which input fields a tool's `command`, `path` and `content` come from (MCP tools lift none: the proxy does not either). */
export function liftedFields(tool: string, args: Record<string, unknown>): Lifted {
  if (isMcpTool(tool)) return {};
  const lifted: Lifted = {};
  // Every shell tool (Bash, PowerShell, Monitor, …) names its command `command`.
  if (text(args.command) !== undefined) lifted.command = 'command';
  const pathField = PATH_FIELDS.find((field) => text(args[field]) !== undefined);
  if (pathField !== undefined) lifted.path = pathField;
  else if (SEARCH_TOOLS.has(tool)) lifted.path = 'path';
  if (tool === 'Write' && text(args.content) !== undefined) lifted.content = 'content';
  return lifted;
}

/** The absolute file or folder a tool touches, or undefined when it names none. */
function toolPath(tool: string, args: Record<string, unknown>, cwd: string | undefined): string | undefined {
  const field = liftedFields(tool, args).path;
  if (field === undefined) return undefined;
  const named = text(args[field]);
  const absolute = (path: string): string => (isAbsolute(path) || cwd === undefined ? path : resolve(cwd, path));
  if (tool === 'Glob' && text(args.pattern) !== undefined) {
    // `../../etc/*` searches /etc whatever `path` says: the pattern's own folder counts.
    const pattern = text(args.pattern)!;
    const base = globBase(pattern);
    if (isAbsolute(pattern)) return base;
    const from = named ?? cwd;
    return from === undefined ? base : resolve(absolute(from), base);
  }
  if (named !== undefined) return absolute(named);
  return cwd;
}

/** Claude Code's name for an MCP server in tool names: what is not a letter, digit, `_` or `-` becomes `_`. */
function toolNamePart(server: string): string {
  return server.replace(/[^A-Za-z0-9_-]/g, '_');
}

/**
 * The server, tool and plugin of an `mcp__<server>__<tool>` call. Claude Code sends the server's
 * own name in `mcp_server` (`plugin:<plugin>:<server>` for a plugin's), which tells where the
 * server part of the tool name ends; without it the name is split at its first `__`.
 */
export function mcpTool(input: Pick<HookInput, 'tool_name' | 'mcp_server'>): { server: string; tool: string; plugin?: string } | undefined {
  const name = input.tool_name;
  if (!isMcpTool(name)) return undefined;
  const declared = input.mcp_server?.name;
  if (declared !== undefined) {
    const prefix = `mcp__${toolNamePart(declared)}__`;
    const plugin = /^plugin:([^:]+):(.+)$/.exec(declared);
    if (name.startsWith(prefix) && name.length > prefix.length) {
      const tool = name.slice(prefix.length);
      return plugin === null ? { server: declared, tool } : { server: plugin[2]!, tool, plugin: plugin[1]! };
    }
  }
  const split = /^mcp__(.+?)__(.+)$/.exec(name);
  if (split === null) return undefined;
  // Plugin servers are `plugin_<plugin>_<server>`; plugin names are kebab-case, so the first `_` ends it.
  const plugin = /^plugin_([^_]+)_(.+)$/.exec(split[1]!);
  return plugin === null ? { server: split[1]!, tool: split[2]! } : { server: plugin[2]!, tool: split[2]!, plugin: plugin[1]! };
}

/** The one-line summary of a call, for approvers. */
export function summaryOf(tool: string, action: Record<string, unknown>): string {
  if (action.capability === 'mcp') return `MCP ${String(action.server)}: ${String(action.action_type)}`;
  if (typeof action.command === 'string') return `${tool}: ${clip(action.command)}`;
  if (typeof action.path === 'string') return `${tool} ${action.path}`;
  return tool;
}

export function claudeCodeAction(input: HookInput): Record<string, unknown> {
  const { tool_name: tool, tool_input: args } = input;
  const mcp = mcpTool(input);
  let action: Record<string, unknown>;
  if (mcp !== undefined) {
    // The proxy's form (`mcp/proxy-server.ts`), so one rule covers the tool through either door.
    action = { action_type: mcp.tool, capability: 'mcp', server: mcp.server, door: DOOR, tool_name: tool };
    if (mcp.plugin !== undefined) action.plugin = mcp.plugin;
  } else {
    action = { action_type: tool, capability: 'claude-code', door: DOOR };
    const lifted = liftedFields(tool, args);
    if (lifted.command !== undefined) action.command = args[lifted.command];
    const path = toolPath(tool, args, input.cwd);
    if (path !== undefined) {
      action.path = path;
      if (lifted.content !== undefined) action.content = args.content;
      if (tool === 'Edit') action.context = { diff: editDiff(path, [args]) };
      if (tool === 'MultiEdit' && Array.isArray(args.edits)) action.context = { diff: editDiff(path, args.edits) };
    }
  }
  action.summary = summaryOf(tool, action);
  action.arguments = args;
  if (input.cwd !== undefined) action.cwd = input.cwd;
  action.session = input.session_id;
  if (input.permission_mode !== undefined) action.permission_mode = input.permission_mode;
  return action;
}

/**
 * What follows from a person's modification of a Claude Code action, so that the record says what
 * will run: a changed `command`, `path` or `content` goes into `arguments` (the tool input Claude
 * Code runs), changed `arguments` into those fields, and the summary is written anew. Undefined for
 * actions of other doors.
 */
export function followModification(
  action: Record<string, unknown>,
  modifications: Record<string, unknown>,
): Record<string, unknown> | undefined {
  if (action.door !== DOOR || typeof action.arguments !== 'object' || action.arguments === null) return undefined;
  const tool = typeof action.tool_name === 'string' ? action.tool_name : String(action.action_type);
  const modified = { ...action, ...modifications };
  const given = modified.arguments;
  const args: Record<string, unknown> = typeof given === 'object' && given !== null && !Array.isArray(given) ? { ...given } : {};
  const lifted = liftedFields(tool, action.arguments as Record<string, unknown>);
  const derived: Record<string, unknown> = {};
  for (const field of ['command', 'path', 'content'] as const) {
    const into = lifted[field];
    if (into === undefined) continue;
    if (Object.hasOwn(modifications, field)) args[into] = modified[field];
    else if (Object.hasOwn(modifications, 'arguments') && field !== 'path' && typeof args[into] === 'string') derived[field] = args[into];
  }
  if (Object.hasOwn(modifications, 'arguments') && !Object.hasOwn(modifications, 'path') && lifted.path !== undefined) {
    const path = toolPath(tool, args, typeof action.cwd === 'string' ? action.cwd : undefined);
    if (path !== undefined) derived.path = path;
  }
  derived.arguments = args;
  if (!Object.hasOwn(modifications, 'summary')) derived.summary = summaryOf(tool, { ...modified, ...derived });
  return derived;
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
  const lifted = liftedFields(toolName, toolInput);
  for (const field of ['command', 'path', 'content'] as const) {
    const into = lifted[field];
    if (into !== undefined && typeof approved[field] === 'string' && approved[field] !== submitted[field]) input[into] = approved[field];
  }
  return canonicalJson(input) === canonicalJson(toolInput) ? undefined : input;
}
