// How the people's commands (`approvals …`, `login`, `logout`) call a running server: its address
// from --server, TOLLGATE_URL or TOLLGATE_SERVER, and a token from --token, TOLLGATE_TOKEN or `tollgate login`.

import type { Command } from 'commander';
import { clientConfig, DEFAULT_HOST, DEFAULT_PORT } from '../config/client-config.js';
import { storedLogin } from './credentials.js';
import { UsageError } from './input.js';
import { EXIT, type CliIo } from './io.js';

export interface ClientOptions {
  server?: string;
  token?: string;
}

/** A failure the server reported, or no server to report it: printed as one line. */
export class RemoteError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export function serverOption(command: Command): Command {
  return command.option('--server <url>', `server address (or TOLLGATE_URL; default http://${DEFAULT_HOST}:${DEFAULT_PORT})`);
}

export function clientOptions(command: Command): Command {
  return serverOption(command).option('--token <token>', 'session token (or TOLLGATE_TOKEN; default the one `tollgate login` stored)');
}

/** Sends one request; `token` overrides the configured one (login has none yet, logout sends the stored one). */
export async function request(server: string, token: string | undefined, method: string, path: string, body?: unknown): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(`${server}${path}`, {
      method,
      headers: {
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (error) {
    throw new RemoteError(`cannot reach ${server}: ${String((error as Error).cause ?? (error as Error).message)}`);
  }
  const payload = (await response.json().catch(() => ({}))) as { error?: { code: string; message: string } };
  if (!response.ok)
    throw new RemoteError(`${payload.error?.code ?? response.status}: ${payload.error?.message ?? response.statusText}`, response.status);
  return payload;
}

/** Calls the server as the signed-in person. */
export async function call(options: ClientOptions, method: string, path: string, body?: unknown): Promise<unknown> {
  const config = clientConfig(options);
  const stored = config.token === undefined ? storedLogin(config.credentials, config.server) : undefined;
  const token = config.token ?? stored?.token;
  if (token === undefined)
    throw new UsageError(`sign in first: run \`tollgate login --server ${config.server}\` (or pass --token, or set TOLLGATE_TOKEN)`);
  try {
    return await request(config.server, token, method, path, body);
  } catch (error) {
    // A stored sign-in ends (it expires, the password changes, someone signs out elsewhere): say how to renew it.
    if (stored !== undefined && error instanceof RemoteError && error.status === 401)
      throw new RemoteError(`${error.message}; the sign-in stored for ${config.server} has ended: run \`tollgate login\` again`, 401);
    throw error;
  }
}

/** Runs a command's work, printing what the server refused (or that it cannot be reached) as one line, exit 1. */
export function remoteGuard(io: CliIo, setExit: (code: number) => void): (work: () => Promise<void>) => Promise<void> {
  return (work) =>
    work().catch((error: unknown) => {
      if (!(error instanceof RemoteError)) throw error;
      io.err(`error: ${error.message}`);
      setExit(EXIT.failed);
    });
}
