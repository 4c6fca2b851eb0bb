// `tollgate serve`: runs the control plane, and on a fresh database creates a first admin and
// prints its login so that the quick start needs nothing else.

import { randomBytes } from 'node:crypto';
import { Option, type Command } from 'commander';
import { DEFAULT_DB } from '../../config/client-config.js';
import type { ServeConfig, ServeOptions } from '../../config/config.js';
import type { RunningServer } from '../../server/start.js';
import type { Services } from '../../services/services.js';
import { wholeNumber } from '../input.js';
import { CommandError, type CliIo } from '../io.js';

export function serveOptions(command: Command): Command {
  return command
    .option('--db <file|url>', 'SQLite file or postgres:// URL (default .tollgate/tollgate.db)')
    .option('--policy <path>', 'policy file or folder (default examples/guide)')
    .addOption(new Option('--port <n>', 'port to listen on (default 7300)').argParser(wholeNumber('--port', 65535)))
    .option('--host <address>', 'address to listen on (default 127.0.0.1)')
    .addOption(
      new Option('--rate-limit <n>', 'requests per second per key or session; 0 turns limits off (default 100)').argParser(
        wholeNumber('--rate-limit'),
      ),
    )
    .option('--log-level <level>', 'fatal, error, warn, info, debug or trace (default info)')
    .option('--public-url <url>', 'the address people use to reach this server, for links')
    .option('--settings <file>', "the operator's server settings: secrets per tenant, outbound allow-list, endpoints, audit signing")
    .option('--trust-proxy <hops|addresses>', 'believe X-Forwarded-For from this many proxies, or from these addresses (default none)');
}

/** Starts the server; an address it cannot listen on ends the command with one line naming the option to change. */
export async function startListening(config: ServeConfig): Promise<RunningServer> {
  // The server's code is loaded by the commands that serve, so that help and bad usage answer without it.
  const { startServer } = await import('../../server/start.js');
  try {
    return await startServer(config);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE')
      throw new CommandError(`port ${config.port} on ${config.host} is already in use; choose another with --port`);
    if (code === 'EACCES') throw new CommandError(`not allowed to listen on port ${config.port}; choose another with --port`);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND')
      throw new CommandError(`cannot listen on \`${config.host}\`: no such address on this machine; choose another with --host`);
    throw error;
  }
}

/** Creates `admin` with a random password when the tenant has no users yet. */
export async function ensureFirstAdmin(services: Services): Promise<{ name: string; password: string } | undefined> {
  const users = await services.auth.listUsers('default');
  if (users.length > 0) return undefined;
  const password = randomBytes(12).toString('base64url');
  await services.auth.addUser({ name: 'admin', password, role: 'admin', groups: ['approvers'] });
  return { name: 'admin', password };
}

/**
 * On a database that has people already, how to sign in: the admins' names and the command that
 * sets a new password. Never a password: none is kept in a form that could be shown.
 */
export async function signInHint(services: Services, db: string): Promise<string> {
  const admins = (await services.auth.listUsers('default')).filter((user) => user.role === 'admin' && user.disabled_at === null);
  const name = admins[0]?.name ?? 'NAME';
  // A PostgreSQL URL may hold a password: it is not repeated on the screen.
  const database = db === DEFAULT_DB ? '' : ` --db ${db.includes('://') ? 'URL' : db}`;
  return `Sign in as ${admins.length === 0 ? 'an existing person' : `admin ${admins.map((admin) => admin.name).join(', ')}`}; to set a new password: \`tollgate users set-password --name ${name} --password NEW${database}\``;
}

/** Resolves when SIGINT or SIGTERM arrives, after the server has shut down gracefully. */
export function closeOnSignal(server: RunningServer, io: CliIo, beforeClose?: () => void): Promise<void> {
  return new Promise((resolve) => {
    const stop = (signal: string): void => {
      io.err(`${signal}: finishing in-flight requests and shutting down`);
      beforeClose?.();
      void server.close().then(resolve);
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGHUP', () => {
      const { policies } = server.services;
      for (const tenant of policies.tenants()) {
        if (!policies.for(tenant).servedFromFiles()) continue;
        const result = policies.for(tenant).reload();
        io.err(
          result.ok
            ? `SIGHUP: tenant ${tenant}'s policy ${result.changed ? 'reloaded' : 'unchanged'} (${result.version})`
            : `SIGHUP: tenant ${tenant}'s policy change rejected; the previous version keeps serving`,
        );
      }
    });
  });
}

export function registerServeCommand(program: Command, io: CliIo): void {
  const serve = program
    .command('serve')
    .description('run the Tollgate server')
    .option('--shadow <path>', 'a candidate policy evaluated beside the live one, differences recorded, nothing enforced');
  serveOptions(serve).action(async (options: ServeOptions) => {
    const { serveConfig } = await import('../../config/config.js');
    const config = serveConfig(options);
    const server = await startListening(config);
    const admin = await ensureFirstAdmin(server.services);
    const address = `Tollgate is serving at ${server.url} (database ${config.db}, policy ${config.policy}, version ${server.services.policies.for('default').current().version})`;
    const login =
      admin === undefined
        ? `\n${await signInHint(server.services, config.db)}`
        : `\nFirst login — name: ${admin.name}  password: ${admin.password}  (shown once; change it with \`tollgate users set-password\`, add people with \`tollgate users add\`)`;
    // One write, so that whoever watches for the address has the login too.
    io.out(`${address}${login}`);
    await closeOnSignal(server, io);
  });
}
