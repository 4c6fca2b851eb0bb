// The settings of the commands that work without the server's code (the people's commands, the
// database commands, the agent doors): defaults, the database, the server address and token. Kept
// apart from config.ts, whose server settings load YAML and the policy kernel.

import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

export const DEFAULT_DB = '.tollgate/tollgate.db';
export const DEFAULT_POLICY = 'examples/starter';
export const DEFAULT_PORT = 7300;
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_RATE_LIMIT = 100;

type Env = Record<string, string | undefined>;

export function databaseUrl(option: string | undefined, env: Env = process.env): string {
  return option ?? env.TOLLGATE_DATABASE_URL ?? DEFAULT_DB;
}

/** Server address and token for the commands that talk to a running server. */
export function clientConfig(
  options: { server?: string; token?: string },
  env: Env = process.env,
): { server: string; token: string | undefined; credentials: string } {
  return {
    server: (
      options.server ??
      nonEmpty(env.TOLLGATE_URL) ??
      nonEmpty(env.TOLLGATE_SERVER) ??
      `http://${DEFAULT_HOST}:${DEFAULT_PORT}`
    ).replace(/\/+$/, ''),
    token: options.token ?? nonEmpty(env.TOLLGATE_TOKEN),
    credentials: credentialsFile(env),
  };
}

/**
 * Where `tollgate login` keeps its tokens: `$XDG_CONFIG_HOME/tollgate/credentials.json`, else
 * `~/.config/tollgate/credentials.json` (the XDG base directory rules).
 */
export function credentialsFile(env: Env = process.env): string {
  // The rules ignore a relative XDG_CONFIG_HOME.
  const xdg = nonEmpty(env.XDG_CONFIG_HOME);
  const base = xdg !== undefined && isAbsolute(xdg) ? xdg : join(homeDir(env), '.config');
  return join(base, 'tollgate', 'credentials.json');
}

/** The user's home folder: HOME, else what the system says. */
export function homeDir(env: Env = process.env): string {
  return nonEmpty(env.HOME) ?? homedir();
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
