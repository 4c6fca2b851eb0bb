// The `tollgate` command line: parses arguments and hands each command to its module.

import { Command, CommanderError } from 'commander';
import { registerApprovalCommands } from './commands/approvals.js';
import { registerAuditCommands } from './commands/audit.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerHookCommands } from './commands/hook.js';
import { registerLoginCommands } from './commands/login.js';
import { registerMcpProxyCommand } from './commands/mcp-proxy.js';
import { registerPolicyCommands } from './commands/policy.js';
import { registerServeCommand } from './commands/serve.js';
import { registerUserCommands } from './commands/users.js';
import { UsageError } from './input.js';
import { CommandError, EXIT, processIo, type CliIo } from './io.js';
import { PolicyPathError } from '../policy/load-files.js';
import { TollgateError } from '../errors.js';
import { PolicyLoadError } from '../services/policy-service.js';

export function buildProgram(io: CliIo, setExit: (code: number) => void): Command {
  const program = new Command('tollgate')
    .description('Human-in-the-loop control plane for AI agents')
    .version('0.1.0')
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (text) => io.out(text.trimEnd()), writeErr: (text) => io.err(text.trimEnd()) });
  registerServeCommand(program, io);
  registerDemoCommand(program, io);
  registerPolicyCommands(program, io, setExit);
  registerUserCommands(program, io);
  registerLoginCommands(program, io, setExit);
  registerApprovalCommands(program, io, setExit);
  registerAuditCommands(program, io, setExit);
  registerMcpProxyCommand(program, io);
  registerHookCommands(program, io, setExit);
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
    if (error instanceof TollgateError) {
      io.err(`error: ${error.code}: ${error.message}`);
      return EXIT.failed;
    }
    if (error instanceof PolicyPathError || error instanceof PolicyLoadError || error instanceof CommandError) {
      io.err(`error: ${error.message}`);
      return EXIT.failed;
    }
    io.err(`error: ${String((error as Error)?.stack ?? error)}`);
    return EXIT.failed;
  }
}
