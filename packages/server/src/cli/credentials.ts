// The tokens `tollgate login` keeps, one per server address, in a file only its owner can read:
// the people's commands use them when no --token or TOLLGATE_TOKEN is given.

import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { randomBytes } from 'node:crypto';
import { UsageError } from './input.js';
import { CommandError } from './io.js';

export interface StoredLogin {
  token: string;
  name: string;
  tenant: string;
  expires_at: string;
}

interface CredentialsFile {
  servers: Record<string, StoredLogin>;
}

/** The key a server is stored under: its address without a trailing slash, scheme and host lowercased. */
export function serverKey(server: string): string {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new UsageError(`--server must be an http:// or https:// address, not \`${server}\``);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new UsageError(`--server must be an http:// or https:// address, not \`${server}\``);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

function read(file: string): CredentialsFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { servers: {} };
    throw new CommandError(`cannot read \`${file}\`: ${(error as Error).message}`);
  }
  try {
    const parsed = JSON.parse(text) as Partial<CredentialsFile>;
    if (typeof parsed.servers !== 'object' || parsed.servers === null || Array.isArray(parsed.servers)) throw new Error('no `servers`');
    return { servers: parsed.servers };
  } catch {
    throw new CommandError(`\`${file}\` is not a Tollgate credentials file; remove it and run \`tollgate login\` again`);
  }
}

/** Writes the whole file anew, created with mode 0600 and renamed into place, so it is never readable by others, even for a moment. */
function write(file: string, content: CredentialsFile): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    writeFileSync(temporary, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    // The mode given at creation is narrowed by the umask, never widened; this makes it exact.
    chmodSync(temporary, 0o600);
    renameSync(temporary, file);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw new CommandError(`cannot write \`${file}\`: ${(error as Error).message}`);
  }
}

export function storedLogin(file: string, server: string): StoredLogin | undefined {
  return read(file).servers[serverKey(server)];
}

export function saveLogin(file: string, server: string, login: StoredLogin): void {
  const content = read(file);
  content.servers[serverKey(server)] = login;
  write(file, content);
}

/** Removes the server's token; true when there was one. The file goes when it holds no other. */
export function forgetLogin(file: string, server: string): boolean {
  const content = read(file);
  const key = serverKey(server);
  if (content.servers[key] === undefined) return false;
  delete content.servers[key];
  if (Object.keys(content.servers).length === 0) rmSync(file, { force: true });
  else write(file, content);
  return true;
}
