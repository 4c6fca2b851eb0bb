// `tollgate hook claude-code`: the Claude Code hook (PreToolUse, PostToolUse, PostToolUseFailure)
// that puts every tool call through Tollgate; it reads the event on stdin and prints the answer.

import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { runClaudeCodeHook } from '../../hooks/claude-code-hook.js';
import { connect, connectionOptions, type ConnectionOptions } from '../agent-connection.js';
import { EXIT, type CliIo } from '../io.js';

/** Claude Code stops a hook after its `timeout` (60 s unless configured): answer well before. */
const DEFAULT_WAIT = 30;

export function registerHookCommands(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const hook = program.command('hook').description('hooks that put coding agents through Tollgate');
  connectionOptions(
    hook.command('claude-code').description('Claude Code PreToolUse/PostToolUse hook: reads the event on stdin'),
    DEFAULT_WAIT,
  )
    .option('--fail-open', 'allow calls when the server cannot be reached (default: deny)')
    .option('--state-dir <folder>', 'where pending calls are remembered between runs (default: a folder in the system temp dir)')
    .action(async (options: ConnectionOptions & { failOpen?: boolean; stateDir?: string }) => {
      try {
        const stdin = io.readStdin?.() ?? readFileSync(0, 'utf8');
        const result = await runClaudeCodeHook(stdin, {
          connection: connect(options),
          wait: options.wait ?? DEFAULT_WAIT,
          failOpen: options.failOpen === true,
          stateDir: options.stateDir ?? join(tmpdir(), `tollgate-claude-code-${process.getuid?.() ?? 'user'}`),
        });
        if (result.stdout !== undefined) io.out(result.stdout);
        if (result.stderr !== undefined) io.err(result.stderr);
        setExit(result.exitCode);
      } catch (error) {
        // Claude Code runs the tool after any exit code but 2: whatever goes wrong must block the call.
        io.err(`tollgate hook claude-code: ${(error as Error).message}`);
        setExit(EXIT.usage);
      }
    });
}
