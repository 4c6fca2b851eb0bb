// Reads what Claude Code sends a command hook on standard input (PreToolUse, PostToolUse,
// PostToolUseFailure) and refuses anything else with a message that names the field.

export type HookEventName = 'PreToolUse' | 'PostToolUse' | 'PostToolUseFailure';

export interface HookInput {
  hook_event_name: HookEventName;
  session_id: string;
  cwd: string | undefined;
  tool_name: string;
  tool_input: Record<string, unknown>;
  tool_use_id: string | undefined;
  /** `default`, `plan`, `acceptEdits`, `auto`, `dontAsk`, `bypassPermissions`, … as Claude Code names it. */
  permission_mode: string | undefined;
  /** The MCP server of an `mcp__…` tool, as Claude Code names it (`files`, `plugin:my-plugin:github`). */
  mcp_server: { name: string; source: string | undefined } | undefined;
  /** PostToolUse: what the tool answered. */
  tool_response?: unknown;
  /** PostToolUseFailure: why the tool failed. */
  error?: string;
}

export class HookInputError extends Error {
  readonly code = 'cli.usage';
}

const EVENTS: HookEventName[] = ['PreToolUse', 'PostToolUse', 'PostToolUseFailure'];

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(body: Record<string, unknown>, field: string, required: boolean): string | undefined {
  const value = body[field];
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'string' || value === '') throw new HookInputError(`\`${field}\` must be a non-empty string`);
  return value;
}

function mcpServer(value: unknown): HookInput['mcp_server'] {
  if (value === undefined) return undefined;
  if (!isObject(value) || typeof value.name !== 'string' || value.name === '')
    throw new HookInputError('`mcp_server` must be an object with a non-empty `name`');
  return { name: value.name, source: typeof value.source === 'string' ? value.source : undefined };
}

export function parseHookInput(stdin: string): HookInput {
  if (stdin.trim() === '') throw new HookInputError('standard input is empty: Claude Code sends the hook event as JSON');
  let body: unknown;
  try {
    body = JSON.parse(stdin);
  } catch (error) {
    throw new HookInputError(`standard input is not valid JSON: ${(error as Error).message}`);
  }
  if (!isObject(body)) throw new HookInputError('standard input must be a JSON object (the hook event)');
  const event = body.hook_event_name;
  if (typeof event !== 'string' || !(EVENTS as string[]).includes(event))
    throw new HookInputError(`\`hook_event_name\` must be ${EVENTS.join(', ')}, not \`${String(event)}\``);
  if (!isObject(body.tool_input)) throw new HookInputError('`tool_input` must be an object (the arguments of the tool call)');
  const input: HookInput = {
    hook_event_name: event as HookEventName,
    session_id: text(body, 'session_id', true)!,
    cwd: text(body, 'cwd', false),
    tool_name: text(body, 'tool_name', true)!,
    tool_input: body.tool_input,
    tool_use_id: text(body, 'tool_use_id', event !== 'PreToolUse'),
    permission_mode: text(body, 'permission_mode', false),
    mcp_server: mcpServer(body.mcp_server),
  };
  if (event === 'PostToolUse') input.tool_response = body.tool_response;
  if (event === 'PostToolUseFailure') input.error = typeof body.error === 'string' ? body.error : 'the tool failed';
  return input;
}
