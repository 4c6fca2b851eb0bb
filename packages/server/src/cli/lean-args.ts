// Options declared once, for the argument parser (commander) and for the lean start of the agent
// doors, which read their few flags without loading it. The lean reader gives up on anything it
// does not know (help, a bad value, an unknown flag), and the full parser then answers as usual.

import type { Command } from 'commander';

export interface OptionSpec {
  /** As commander writes them: `--server <url>`, `--fail-open`. */
  flags: string;
  description: string;
  /** Turns the text into the value; throws a UsageError on bad input. */
  parse?: (value: string) => unknown;
}

function nameOf(spec: OptionSpec): { flag: string; key: string; takesValue: boolean } {
  const flag = /--[a-z][a-z-]*/.exec(spec.flags)![0];
  const key = flag.slice(2).replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
  return { flag, key, takesValue: /<[^>]+>/.test(spec.flags) };
}

export function addOptions(command: Command, specs: OptionSpec[]): Command {
  for (const spec of specs) {
    if (spec.parse === undefined) command.option(spec.flags, spec.description);
    else command.option(spec.flags, spec.description, spec.parse);
  }
  return command;
}

/** The options in `args` by their camelCase names, or undefined when the full parser should read them. */
export function leanOptions(args: string[], specs: OptionSpec[]): Record<string, unknown> | undefined {
  const known = new Map(specs.map((spec) => [nameOf(spec).flag, { spec, ...nameOf(spec) }]));
  const options: Record<string, unknown> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const equals = arg.indexOf('=');
    const flag = arg.startsWith('--') && equals > 0 ? arg.slice(0, equals) : arg;
    const option = known.get(flag);
    if (option === undefined) return undefined;
    let value: unknown = true;
    if (option.takesValue) {
      const text = flag === arg ? args[++i] : arg.slice(equals + 1);
      if (text === undefined || (flag === arg && text.startsWith('-'))) return undefined;
      try {
        value = option.spec.parse === undefined ? text : option.spec.parse(text);
      } catch {
        return undefined;
      }
    } else if (flag !== arg) return undefined;
    options[option.key] = value;
  }
  return options;
}
