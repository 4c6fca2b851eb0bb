// Reads the JSON an option names: inline text, `@file`, or `-` for standard input.

import { readFileSync } from 'node:fs';

export class UsageError extends Error {
  readonly code = 'cli.usage';
}

export function wholeNumber(name: string, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value) || Number(value) > max)
      throw new UsageError(`${name} must be a whole number from 0 to ${max}, not \`${value}\``);
    return Number(value);
  };
}

export function readJsonArgument(argument: string, what: string, readStdin: () => string = () => readFileSync(0, 'utf8')): unknown {
  let text: string;
  let from: string;
  if (argument === '-') {
    text = readStdin();
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
    const reason = String((error as Error).message);
    throw new UsageError(`${what} from ${from} is not valid JSON: ${reason.charAt(0).toLowerCase()}${reason.slice(1)}`);
  }
}
