// Runs the real `tollgate serve` in a child process, as an operator would, and talks to it
// over real HTTP.

import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { once } from 'node:events';

export const BIN = fileURLToPath(new URL('../../bin/tollgate.js', import.meta.url));
export const REPO = fileURLToPath(new URL('../../../../', import.meta.url));

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function startServerProcess(args: {
  db: string;
  policy: string;
  extra?: string[];
  env?: Record<string, string>;
}): Promise<ServerProcess> {
  const child = spawn(
    process.execPath,
    [
      BIN,
      'serve',
      '--db',
      args.db,
      '--policy',
      args.policy,
      '--port',
      '0',
      '--rate-limit',
      '0',
      '--log-level',
      'warn',
      ...(args.extra ?? []),
    ],
    {
      cwd: REPO,
      env: { ...process.env, ...args.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in time:\n${output}`)), 15_000);
    const check = (): void => {
      const match = /serving at (http:\/\/\S+)/.exec(output);
      if (match !== null) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output}`));
    });
  });
  return {
    url,
    child,
    output: () => output,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null) return child.exitCode;
      child.kill(signal);
      const [code] = (await once(child, 'exit')) as [number | null];
      return code;
    },
  };
}

/** The first admin's password, as `serve` prints it on a fresh database. */
export function printedLogin(output: string): { name: string; password: string } {
  const match = /name: (\S+)\s+password: (\S+)/.exec(output);
  if (match === null) throw new Error(`no login printed:\n${output}`);
  return { name: match[1]!, password: match[2]! };
}
