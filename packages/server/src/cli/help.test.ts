// Every command's help: an option with a default says it once (commander adds "(default: …)"); and
// the commands listed without loading their modules are the ones those modules register, as they describe them.

import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from './main.js';

function commandsOf(command: Command): Command[] {
  return [command, ...command.commands.flatMap(commandsOf)];
}

const program = await buildProgram({ out: () => undefined, err: () => undefined }, () => undefined);

describe('tollgate --help', () => {
  it.each(commandsOf(program).map((command) => [command.name(), command] as const))('`%s` names each default once', (_name, command) => {
    for (const option of command.options) {
      if (option.defaultValue === undefined) continue;
      expect(option.description, `${command.name()} ${option.flags}`).not.toMatch(/\(default/i);
    }
    const help = command.helpInformation();
    for (const line of help.split('\n')) expect(line.match(/\(default/gi)?.length ?? 0, line).toBeLessThanOrEqual(1);
  });
});

describe('the commands listed before their modules load', () => {
  it('are the commands the modules register, with their descriptions', async () => {
    const listed = await buildProgram({ out: () => undefined, err: () => undefined }, () => undefined, '');
    const shown = (command: Command) => command.commands.map((sub) => [sub.name(), sub.description()]);
    expect(shown(listed)).toEqual(shown(program));
    // Listed only: nothing below them until their module is loaded.
    expect(listed.commands.every((command) => command.commands.length === 0)).toBe(true);
  });
});
