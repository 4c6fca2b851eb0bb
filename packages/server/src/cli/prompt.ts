// Asks a person at a terminal for a line, without echoing it when it is a password.

import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { CommandError } from './io.js';

export function ask(question: string, options: { hidden?: boolean } = {}): Promise<string> {
  const screen = process.stderr;
  // Readline echoes what is typed through its output; a password's output goes nowhere.
  const output = new Writable({
    write(chunk, _encoding, done) {
      if (options.hidden !== true) screen.write(chunk as Buffer);
      done();
    },
  });
  const lines = createInterface({ input: process.stdin, output, terminal: true });
  // Readline draws a visible prompt itself (it redraws the line as it is edited); a hidden one is drawn here.
  if (options.hidden === true) screen.write(question);
  return new Promise<string>((resolve, reject) => {
    lines.once('SIGINT', () => {
      lines.close();
      screen.write('\n');
      reject(new CommandError('cancelled'));
    });
    lines.question(options.hidden === true ? '' : question, (answer) => {
      lines.close();
      if (options.hidden === true) screen.write('\n');
      resolve(answer);
    });
  });
}
