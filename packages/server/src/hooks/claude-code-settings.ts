// Claude Code's settings files as far as the hook is concerned: the hook entries `tollgate init
// claude-code` writes (merged into what is there, nothing else touched), and the `timeout` an
// installed hook runs under, which the hook reads when it is not told it.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLAUDE_CODE_DEFAULT_TIMEOUT } from './hook-budget.js';

export const HOOK_EVENTS = ['PreToolUse', 'PostToolUse', 'PostToolUseFailure'] as const;
export type HookEvent = (typeof HOOK_EVENTS)[number];

/** A settings file that is not what Claude Code reads: the message names the file and, for bad JSON, the line. */
export class SettingsFileError extends Error {}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The settings files of a project and a user, in the order Claude Code applies them (managed settings aside). */
export function settingsFiles(where: { projectDir?: string | undefined; home?: string | undefined }): string[] {
  const files: string[] = [];
  if (where.projectDir !== undefined)
    files.push(join(where.projectDir, '.claude/settings.local.json'), join(where.projectDir, '.claude/settings.json'));
  if (where.home !== undefined) files.push(join(where.home, '.claude/settings.json'));
  return files;
}

/** `file:line:col` of a JSON.parse failure, from the position the message gives (else the end). */
function jsonProblem(file: string, text: string, error: Error): string {
  const at = /at position (\d+)/.exec(error.message);
  const offset = at === null ? text.length : Number(at[1]);
  const before = text.slice(0, offset).split('\n');
  const message = error.message.replace(/ in JSON at position \d+.*$/, '').replace(/^./, (c) => c.toLowerCase());
  return `${file}:${before.length}:${before[before.length - 1]!.length + 1}: ${message}`;
}

/** The settings in `file`, or undefined when there is no such file. */
export function readSettings(file: string): Json | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new SettingsFileError(`cannot read ${file}: ${(error as Error).message}`);
  }
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new SettingsFileError(`${jsonProblem(file, text, error as Error)} (fix or move the file; nothing was changed)`);
  }
  if (!isObject(value)) throw new SettingsFileError(`${file}: the settings must be a JSON object`);
  return value;
}

/** Whether a hook command runs this hook (however Tollgate is started). */
export function isTollgateHook(command: unknown): boolean {
  return typeof command === 'string' && /(^|\s)hook\s+claude-code(\s|$)/.test(command);
}

interface HookEntry {
  type?: unknown;
  command?: unknown;
  timeout?: unknown;
}

function entries(settings: Json, event: HookEvent): HookEntry[] {
  const hooks = settings.hooks;
  if (!isObject(hooks) || !Array.isArray(hooks[event])) return [];
  return (hooks[event] as unknown[]).flatMap((group) =>
    isObject(group) && Array.isArray(group.hooks) ? (group.hooks as HookEntry[]) : [],
  );
}

/**
 * The timeout of the installed PreToolUse hook: the shortest among the files that run it (Claude
 * Code runs every matching hook), Claude Code's default where an entry sets none. Files that do
 * not read are passed over: Claude Code cannot read them either.
 */
export function installedTimeout(files: string[]): number | undefined {
  let shortest: number | undefined;
  for (const file of files) {
    let settings: Json | undefined;
    try {
      settings = readSettings(file);
    } catch {
      continue;
    }
    if (settings === undefined) continue;
    for (const entry of entries(settings, 'PreToolUse')) {
      if (!isTollgateHook(entry.command)) continue;
      const timeout = typeof entry.timeout === 'number' && entry.timeout > 0 ? entry.timeout : CLAUDE_CODE_DEFAULT_TIMEOUT;
      shortest = shortest === undefined ? timeout : Math.min(shortest, timeout);
    }
  }
  return shortest;
}

/** The command and timeout of each event's hook. */
export type HookBlock = Record<HookEvent, { command: string; timeout: number }>;

/**
 * `settings` with the hook entries of `block` in place of any earlier Tollgate hook entries, and
 * every other setting as it was. Refuses settings whose `hooks` Claude Code could not read, or that
 * turn all hooks off.
 */
export function mergeHookSettings(settings: Json, block: HookBlock, file: string): Json {
  if (settings.disableAllHooks === true)
    throw new SettingsFileError(`${file} sets \`disableAllHooks\`: true, so Claude Code would run no hook; remove it first`);
  const hooks = settings.hooks ?? {};
  if (!isObject(hooks)) throw new SettingsFileError(`${file}: \`hooks\` must be an object of events`);
  const merged: Json = { ...hooks };
  for (const event of HOOK_EVENTS) {
    const groups = hooks[event] ?? [];
    if (!Array.isArray(groups)) throw new SettingsFileError(`${file}: \`hooks.${event}\` must be a list of matcher groups`);
    const kept: unknown[] = [];
    groups.forEach((group: unknown, index) => {
      if (!isObject(group) || !Array.isArray(group.hooks))
        throw new SettingsFileError(`${file}: \`hooks.${event}[${index}]\` must be an object with a \`hooks\` list`);
      const others = (group.hooks as HookEntry[]).filter((entry) => !isTollgateHook(entry?.command));
      if (others.length > 0) kept.push(others.length === group.hooks.length ? group : { ...group, hooks: others });
    });
    const { command, timeout } = block[event];
    merged[event] = [...kept, { matcher: '*', hooks: [{ type: 'command', command, timeout }] }];
  }
  return { ...settings, hooks: merged };
}
