// How a command that throws ends: bad usage and known failures as one line and an exit code, and
// anything unexpected with its stack. Shared by main.ts and the lean start in entry.ts.

import { TollgateError } from '../errors.js';
import { PolicyPathError } from '../policy/load-files.js';
import { UsageError } from './input.js';
import { CommandError, EXIT, type CliIo } from './io.js';

export function reportError(error: unknown, io: CliIo): number {
  if (error instanceof UsageError) {
    io.err(`error: ${error.message}`);
    return EXIT.usage;
  }
  if (error instanceof TollgateError) {
    io.err(`error: ${error.code}: ${error.message}`);
    return EXIT.failed;
  }
  // Problems with policy files (PolicyLoadError is known by its code: its module loads the policy
  // kernel) and commands that cannot go on are one line, without a stack.
  if (error instanceof PolicyPathError || error instanceof CommandError || (error as { code?: unknown })?.code === 'policy.invalid') {
    io.err(`error: ${(error as Error).message}`);
    return EXIT.failed;
  }
  io.err(`error: ${String((error as Error)?.stack ?? error)}`);
  return EXIT.failed;
}
