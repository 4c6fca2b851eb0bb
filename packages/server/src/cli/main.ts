// The `tollgate` command line: parses arguments and hands each command to its module.

import { Command, CommanderError } from 'commander';
import { registerPolicyCommands } from './commands/policy.js';
import { UsageError } from './input.js';
import { EXIT, processIo, type CliIo } from './io.js';
import { PolicyPathError } from '../policy/load-files.js';

export function buildProgram(io: CliIo, setExit: (code: number) => void): Command {
  const program = new Command('tollgate')
    .description('Human-in-the-loop control plane for AI agents')
    .version('0.1.0')
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (text) => io.out(text.trimEnd()), writeErr: (text) => io.err(text.trimEnd()) });
  registerPolicyCommands(program, io, setExit);
  return program;
}

/** Runs the CLI on `argv` (as in process.argv) and returns the exit code. */
export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram(io, (exit) => {
    code = Math.max(code, exit);
  });
  try {
    await program.parseAsync(argv);
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (error instanceof UsageError) {
      io.err(`error: ${error.message}`);
      return EXIT.usage;
    }
    if (error instanceof PolicyPathError) {
      io.err(`error: ${error.message}`);
      return EXIT.failed;
    }
    io.err(`error: ${String((error as Error)?.stack ?? error)}`);
    return EXIT.failed;
  }
}
