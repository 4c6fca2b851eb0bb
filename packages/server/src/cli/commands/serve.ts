// `tollgate serve`: runs the control plane, and on a fresh database creates a first admin and
// prints its login so that the quick start needs nothing else.

import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { DEFAULT_DB, DEFAULT_POLICY } from '../../config/client-config.js';
import type { ServeConfig, ServeOptions } from '../../config/config.js';
import type { RunningServer, StartOptions } from '../../server/start.js';
import type { Services } from '../../services/services.js';
import { wholeNumber } from '../input.js';
import { CommandError, type CliIo } from '../io.js';

export function serveOptions(command: Command, defaultDb = DEFAULT_DB): Command {
  return command
    .option('--db <file|url>', `SQLite file or postgres:// URL (default ${defaultDb})`)
    .option('--policy <path>', 'policy file or folder (default examples/starter)')
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
export async function startListening(config: ServeConfig, options: StartOptions = {}): Promise<RunningServer> {
  // The server's code is loaded by the commands that serve, so that help and bad usage answer without it.
  const { startServer } = await import('../../server/start.js');
  try {
    return await startServer(config, options);
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

/**
 * Creates `admin` with a random password when the tenant has no users yet. With `joinPolicyGroups`
 * it is also put in every group the live policy routes to, so that the first person can decide at
 * once, before the people the policy names have accounts.
 */
export async function ensureFirstAdmin(
  services: Services,
  options: { joinPolicyGroups?: boolean } = {},
): Promise<{ name: string; password: string; groups: string[] } | undefined> {
  const users = await services.auth.listUsers('default');
  if (users.length > 0) return undefined;
  const password = randomBytes(12).toString('base64url');
  const [{ namedDeciders }, { NAME }] = await Promise.all([import('@tollgate/core'), import('../../services/auth-service.js')]);
  const routed = options.joinPolicyGroups === true ? namedDeciders(services.policies.for('default').current().bundle) : [];
  const groups = ['approvers', ...routed.filter((name) => name !== 'approvers' && NAME.test(name))];
  await services.auth.addUser({ name: 'admin', password, role: 'admin', groups });
  return { name: 'admin', password, groups: groups.slice(1) };
}

/** ` --db FILE` for a command the user is told to run, unless the database is the default; a URL is not repeated (it may hold a password). */
function dbOption(db: string): string {
  return db === DEFAULT_DB ? '' : ` --db ${db.includes('://') ? 'URL' : db}`;
}

/**
 * On a database that has people already, how to sign in: the admins' names and the command that
 * sets a new password. Never a password: none is kept in a form that could be shown.
 */
export async function signInHint(services: Services, db: string): Promise<string> {
  const admins = (await services.auth.listUsers('default')).filter((user) => user.role === 'admin' && user.disabled_at === null);
  const name = admins[0]?.name ?? 'NAME';
  return `Sign in as ${admins.length === 0 ? 'an existing person' : `admin ${admins.map((admin) => admin.name).join(', ')}`}; to set a new password: \`tollgate users set-password --name ${name} --password NEW${dbOption(db)}\``;
}

/**
 * The people the live policy's groups list who have no account here, and the command that adds
 * one; undefined when everyone it names can sign in.
 */
export async function missingPeopleHint(services: Services, db: string): Promise<string | undefined> {
  const { bundle } = services.policies.for('default').current();
  const { namedDeciders } = await import('@tollgate/core');
  const known = new Set((await services.auth.listUsers('default')).map((user) => user.name));
  const groups = namedDeciders(bundle).filter((name) => Object.hasOwn(bundle.groups, name));
  const missing = [...new Set(groups.flatMap((name) => bundle.groups[name]!.members))].filter((name) => !known.has(name));
  if (missing.length === 0) return undefined;
  return (
    `The policy's groups name ${missing.join(', ')}, who have no account yet; add each with ` +
    `\`tollgate users add --name ${missing[0]} --password PASSWORD --role approver${dbOption(db)}\``
  );
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
    // The starter policy's groups name the demo's people; until the team is added, the first admin stands in for them.
    const starter = resolve(config.policy) === resolve(DEFAULT_POLICY);
    const admin = await ensureFirstAdmin(server.services, { joinPolicyGroups: starter });
    const address = `Tollgate is serving at ${server.url} (database ${config.db}, policy ${config.policy}, version ${server.services.policies.for('default').current().version})`;
    const lines = [address];
    if (admin === undefined) lines.push(await signInHint(server.services, config.db));
    else {
      lines.push(
        `First login — name: ${admin.name}  password: ${admin.password}  (shown once; change it with \`tollgate users set-password\`, add people with \`tollgate users add\`)`,
      );
      if (admin.groups.length > 0) lines.push(`${admin.name} decides in the groups the policy routes to: ${admin.groups.join(', ')}`);
    }
    const missing = await missingPeopleHint(server.services, config.db);
    if (missing !== undefined) lines.push(missing);
    // One write, so that whoever watches for the address has the login too.
    io.out(lines.join('\n'));
    await closeOnSignal(server, io);
  });
}
