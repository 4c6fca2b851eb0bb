// `tollgate init claude-code [--project|--user]`: writes the hook entries into Claude Code's
// settings (PreToolUse, PostToolUse, PostToolUseFailure), merged into what is there, with a timeout
// above the wait; and refuses a configuration under which a tool could run unapproved.

import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { homeDir } from '../../config/client-config.js';
import { mergeHookSettings, readSettings, SettingsFileError, type HookBlock } from '../../hooks/claude-code-settings.js';
import { answerWithin, timeoutFor } from '../../hooks/hook-budget.js';
import { seconds } from '../agent-connection.js';
import { UsageError } from '../input.js';
import { CommandError, type CliIo } from '../io.js';
import { DEFAULT_WAIT } from './hook.js';

/** PostToolUse only reports what ran: a short timeout, and the hook stops its request before it. */
const OUTCOME_TIMEOUT = 30;

interface InitOptions {
  project?: boolean;
  user?: boolean;
  server?: string;
  policy?: string;
  wait?: number;
  timeout?: number;
  stateDir?: string;
  command?: string;
}

/** A word for the shell Claude Code runs hook commands in, quoted when it needs to be. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** How Claude Code starts this installation's `tollgate`: node and the absolute path of its bin. */
function defaultCommand(): string {
  return `node ${shellWord(fileURLToPath(new URL('../../../bin/tollgate.js', import.meta.url)))}`;
}

/** The hook entries, or a UsageError naming the options when the timeout could cut the wait short. */
export function hookBlock(options: InitOptions): HookBlock {
  if (options.server !== undefined && options.policy !== undefined)
    throw new UsageError('give either --policy (decide locally) or --server (ask a Tollgate server), not both');
  const wait = options.wait ?? DEFAULT_WAIT;
  const timeout = options.timeout ?? Math.ceil(timeoutFor(wait) / 5) * 5;
  if (answerWithin(timeout) < wait) {
    // Claude Code cancels a hook at its timeout and then runs the tool: the hook must have its whole wait before that.
    throw new UsageError(
      `--timeout ${timeout} leaves the hook ${answerWithin(timeout)} s to answer, less than --wait ${wait}: Claude Code would cancel it while it waits and run the tool unapproved; give --timeout ${timeoutFor(wait)} or more, or a shorter --wait`,
    );
  }
  const base = [options.command ?? defaultCommand(), 'hook', 'claude-code'];
  if (options.server !== undefined) base.push('--server', shellWord(options.server));
  if (options.policy !== undefined) base.push('--policy', shellWord(resolve(options.policy)));
  if (options.stateDir !== undefined) base.push('--state-dir', shellWord(resolve(options.stateDir)));
  const pre = [...base, '--wait', String(wait), '--timeout', String(timeout)].join(' ');
  const post = { command: [...base, '--timeout', String(OUTCOME_TIMEOUT)].join(' '), timeout: OUTCOME_TIMEOUT };
  return { PreToolUse: { command: pre, timeout }, PostToolUse: post, PostToolUseFailure: post };
}

/** Writes `settings` to `file` whole or not at all. */
function writeSettings(file: string, settings: Record<string, unknown>): void {
  mkdirSync(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(settings, null, 2)}\n`);
  renameSync(temporary, file);
}

export function registerInitCommands(program: Command, io: CliIo): void {
  const init = program.command('init').description('set up an agent to go through Tollgate');
  init
    .command('claude-code')
    .description("write the Tollgate hooks into Claude Code's settings, keeping every other setting")
    .option('--project', 'into .claude/settings.json of this folder (the default)')
    .option('--user', 'into ~/.claude/settings.json, for every project')
    .option('--server <url>', 'the Tollgate server the hook asks (default: TOLLGATE_URL when the hook runs, else http://127.0.0.1:7300)')
    .option('--policy <path>', 'decide locally with this policy instead of a server')
    .option('--wait <seconds>', `how long the hook waits for people on each call (default ${DEFAULT_WAIT})`, seconds('--wait', 3600))
    .option(
      '--timeout <seconds>',
      "Claude Code's timeout for the hook; must leave the whole wait (default: just enough)",
      seconds('--timeout', 3600),
    )
    .option('--state-dir <folder>', 'where the hook remembers pending calls (default: a folder in the system temp dir)')
    .option('--command <command>', "how Claude Code starts tollgate (default: node and this installation's bin/tollgate.js)")
    .action((options: InitOptions) => {
      if (options.project === true && options.user === true) throw new UsageError('give --project or --user, not both');
      const file = options.user === true ? join(homeDir(), '.claude/settings.json') : resolve('.claude/settings.json');
      const block = hookBlock(options);
      let settings: Record<string, unknown>;
      try {
        settings = mergeHookSettings(readSettings(file) ?? {}, block, file);
      } catch (error) {
        if (error instanceof SettingsFileError) throw new CommandError(error.message);
        throw error;
      }
      writeSettings(file, settings);
      io.out(
        `wrote the Tollgate hooks to ${file}: PreToolUse waits up to ${options.wait ?? DEFAULT_WAIT} s for people, within Claude Code's ${block.PreToolUse.timeout} s timeout`,
      );
      if (options.policy === undefined)
        io.err('the hook needs an agent key: set TOLLGATE_API_KEY where Claude Code runs (`tollgate keys create --agent claude-code`)');
    });
}
