// Reads the JSON an option names: inline text, `@file`, or `-` for standard input.

import { readFileSync } from 'node:fs';

export class UsageError extends Error {
  readonly code = 'cli.usage';
}

export function readJsonArgument(argument: string, what: string): unknown {
  let text: string;
  let from: string;
  if (argument === '-') {
    text = readFileSync(0, 'utf8');
    from = 'standard input';
  } else if (argument.startsWith('@')) {
    const path = argument.slice(1);
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      throw new UsageError(`cannot read ${what} file \`${path}\``);
    }
    from = `\`${path}\``;
  } else {
    text = argument;
    from = 'the argument';
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(
      `${what} from ${from} is not valid JSON: ${String((error as Error).message).replace(/^Unexpected/, 'unexpected')}`,
    );
  }
}
