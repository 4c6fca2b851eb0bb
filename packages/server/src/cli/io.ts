// Where CLI commands write, so that tests can run them in-process and capture their output.

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** Standard input, when a command reads `-`. */
  readStdin?: () => string;
}

export const processIo: CliIo = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
};

/**
 * Output into a pipe whose reader has gone (`tollgate audit export | head`) ends the command
 * quietly, with success, as SIGPIPE ends other tools: the reader took what it wanted.
 */
export function endOnClosedPipes(streams: NodeJS.WritableStream[] = [process.stdout, process.stderr]): void {
  for (const stream of streams) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
      process.exit(0);
    });
  }
}

/** Exit codes shared by every command. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** A command that cannot go on for a reason outside its arguments: printed as one line, exit 1. */
export class CommandError extends Error {}
