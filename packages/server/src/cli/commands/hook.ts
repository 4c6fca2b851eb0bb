// `tollgate hook claude-code`: the Claude Code hook (PreToolUse, PostToolUse, PostToolUseFailure)
// that puts every tool call through Tollgate; it reads the event on stdin and prints the answer.
// It runs before every tool call, so cli/entry.ts starts it without the rest of the CLI.

import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { claudeCodeDirs } from '../../config/agent-config.js';
import { connect, connectionSpecs, seconds, type ConnectionOptions } from '../agent-connection.js';
import { EXIT, type CliIo } from '../io.js';
import { addOptions, type OptionSpec } from '../lean-args.js';

/** Seconds to wait for people when not told: Claude Code's default timeout for a hook is 60 s or more. */
export const DEFAULT_WAIT = 30;

export const HOOK_OPTIONS: OptionSpec[] = [
  ...connectionSpecs(DEFAULT_WAIT),
  {
    flags: '--timeout <seconds>',
    description:
      "Claude Code's `timeout` for this hook: the hook answers before it, waiting less if need be (default: as the settings installing it say)",
    parse: seconds('--timeout', 3600),
  },
  { flags: '--fail-open', description: 'allow calls when the server cannot be reached (default: deny)' },
  {
    flags: '--state-dir <folder>',
    description: 'where pending calls are remembered between runs (default: a folder in the system temp dir)',
  },
];

export type HookCommandOptions = ConnectionOptions & { timeout?: number; failOpen?: boolean; stateDir?: string };

export function registerHookCommands(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const hook = program.command('hook').description('hooks that put coding agents through Tollgate');
  addOptions(
    hook.command('claude-code').description('Claude Code PreToolUse/PostToolUse hook: reads the event on stdin'),
    HOOK_OPTIONS,
  ).action(async (options: HookCommandOptions) => setExit(await runHookCommand(options, io)));
}

/** One hook run; the exit code. Claude Code runs the tool after any exit code but 2, so whatever goes wrong exits 2. */
export async function runHookCommand(options: HookCommandOptions, io: CliIo): Promise<number> {
  try {
    const stdin = io.readStdin?.() ?? readFileSync(0, 'utf8');
    const [{ runClaudeCodeHook }, { lightFetch }] = await Promise.all([
      import('../../hooks/claude-code-hook.js'),
      import('../../net/light-fetch.js'),
    ]);
    const result = await runClaudeCodeHook(stdin, {
      connection: await connect(options, { fetch: lightFetch }),
      wait: options.wait ?? DEFAULT_WAIT,
      timeout: options.timeout,
      settingsDirs: claudeCodeDirs(),
      failOpen: options.failOpen === true,
      stateDir: options.stateDir ?? join(tmpdir(), `tollgate-claude-code-${process.getuid?.() ?? 'user'}`),
    });
    if (result.stdout !== undefined) io.out(result.stdout);
    if (result.stderr !== undefined) io.err(result.stderr);
    return result.exitCode;
  } catch (error) {
    io.err(`tollgate hook claude-code: ${(error as Error).message}`);
    return EXIT.usage;
  }
}
