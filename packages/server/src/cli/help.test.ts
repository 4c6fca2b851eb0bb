// Every command's help: an option with a default says it once (commander adds "(default: …)").

import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from './main.js';

function commandsOf(command: Command): Command[] {
  return [command, ...command.commands.flatMap(commandsOf)];
}

describe('tollgate --help', () => {
  const program = buildProgram({ out: () => undefined, err: () => undefined }, () => undefined);

  it.each(commandsOf(program).map((command) => [command.name(), command] as const))('`%s` names each default once', (_name, command) => {
    for (const option of command.options) {
      if (option.defaultValue === undefined) continue;
      expect(option.description, `${command.name()} ${option.flags}`).not.toMatch(/\(default/i);
    }
    const help = command.helpInformation();
    for (const line of help.split('\n')) expect(line.match(/\(default/gi)?.length ?? 0, line).toBeLessThanOrEqual(1);
  });
});
