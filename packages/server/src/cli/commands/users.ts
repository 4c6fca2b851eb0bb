// `tollgate users` and `tollgate keys`: people, and agent and worker keys, straight on the database.

import { Option, type Command } from 'commander';
import { databaseUrl } from '../../config/client-config.js';
import { TollgateError } from '../../errors.js';
import type { AuthService } from '../../services/auth-service.js';
import { ROLES, type Role } from '../../stores/records.js';
import { systemClock } from '../../util/clock.js';
import { UsageError } from '../input.js';
import type { CliIo } from '../io.js';
import { registerUserLinkCommands } from './users-link.js';

async function withAuth<T>(db: string | undefined, work: (auth: AuthService) => Promise<T>): Promise<T> {
  // Loaded by the commands that use them, so that help and bad usage answer without the database code.
  const [{ openStore }, { AuthService }] = await Promise.all([
    import('../../stores/open-store.js'),
    import('../../services/auth-service.js'),
  ]);
  const store = await openStore(databaseUrl(db));
  try {
    await store.migrate();
    return await work(new AuthService({ store, clock: systemClock }));
  } finally {
    await store.close();
  }
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export function registerUserCommands(program: Command, io: CliIo): void {
  const users = program.command('users').description('manage the people who approve, review and audit');
  registerUserLinkCommands(users, io);
  users
    .command('add')
    .description('add a person')
    .requiredOption('--name <name>', 'sign-in name')
    .requiredOption('--password <password>', 'password (at least 8 characters)')
    .addOption(
      new Option('--role <role>', 'admin, approver, auditor, or operator (server-wide: tenants and their policies)')
        .choices(ROLES as string[])
        .makeOptionMandatory(),
    )
    .option('--group <group>', 'approver group (repeat for several)', collect)
    .option('--tenant <tenant>', 'tenant (default: default)')
    .option('--db <file|url>', 'SQLite file or postgres:// URL')
    .action(async (options: { name: string; password: string; role: Role; group?: string[]; tenant?: string; db?: string }) => {
      const user = await withAuth(options.db, (auth) =>
        auth.addUser(
          {
            name: options.name,
            password: options.password,
            role: options.role,
            groups: options.group ?? [],
            ...(options.tenant === undefined ? {} : { tenant: options.tenant }),
          },
          'cli',
        ),
      );
      io.out(`added ${user.role} ${user.name} (${user.id})${user.groups.length > 0 ? ` in ${user.groups.join(', ')}` : ''}`);
    });
  users
    .command('set-password')
    .description('give a person a new password; their sessions end')
    .requiredOption('--name <name>', 'sign-in name')
    .requiredOption('--password <password>', 'the new password (at least 8 characters)')
    .option('--tenant <tenant>', 'tenant (default: default)')
    .option('--db <file|url>', 'SQLite file or postgres:// URL')
    .action(async (options: { name: string; password: string; tenant?: string; db?: string }) => {
      const { user, sessions } = await withAuth(options.db, (auth) =>
        auth.setPassword(options.name, options.password, options.tenant, 'cli'),
      );
      io.out(`new password for ${user.name} (${user.id}); ${sessions} session${sessions === 1 ? '' : 's'} ended`);
    });
  users
    .command('list')
    .description('list people')
    .option('--tenant <tenant>', 'tenant (default: default)')
    .option('--db <file|url>', 'SQLite file or postgres:// URL')
    .option('--json', 'print JSON')
    .action(async (options: { tenant?: string; db?: string; json?: boolean }) => {
      const list = await withAuth(options.db, (auth) => auth.listUsers(options.tenant));
      const rows = list.map((user) => ({
        id: user.id,
        name: user.name,
        role: user.role,
        groups: user.groups,
        disabled: user.disabled_at !== null,
      }));
      if (options.json === true) io.out(JSON.stringify(rows, null, 2));
      else
        for (const row of rows)
          io.out(`${row.id}  ${row.name.padEnd(20)} ${row.role.padEnd(9)} ${row.groups.join(',')}${row.disabled ? '  (disabled)' : ''}`);
    });

  const keys = program.command('keys').description('manage API keys: agent keys submit actions, worker keys take jobs');
  keys
    .command('create')
    .description('create an API key (printed once): --agent NAME, or --worker NAME --capability C for a worker')
    .option('--agent <name>', 'an agent key for this agent: it submits actions and reports their outcomes')
    .option('--worker <name>', 'a worker key with this name: it takes jobs of its capabilities, never of its own agent’s actions')
    .option('--capability <capability>', 'a capability the worker key serves (repeat for several)', collect)
    .option('--tenant <tenant>', 'tenant (default: default)')
    .option('--db <file|url>', 'SQLite file or postgres:// URL')
    .action(async (options: KeyOptions) => {
      const wanted = await keyToCreate(options);
      const { key, secret } = await withAuth(options.db, (auth) =>
        wanted.kind === 'agent'
          ? auth.createKey(wanted.name, options.tenant, 'cli')
          : auth.createWorkerKey(wanted.name, wanted.capabilities, options.tenant, 'cli'),
      );
      io.out(secret);
      io.err(
        key.kind === 'agent'
          ? `created key ${key.id} for agent ${key.agent}; store it now, it is not shown again`
          : `created worker key ${key.id} for ${key.agent} serving ${key.capabilities.join(', ')}; store it now, it is not shown again`,
      );
    });
  keys
    .command('list')
    .description('list API keys with their kind and capabilities (never their secrets)')
    .option('--tenant <tenant>', 'tenant (default: default)')
    .option('--db <file|url>', 'SQLite file or postgres:// URL')
    .action(async (options: { tenant?: string; db?: string }) => {
      const list = await withAuth(options.db, (auth) => auth.listKeys(options.tenant));
      for (const key of list)
        io.out(
          `${key.id}  ${key.agent.padEnd(20)} ${key.kind.padEnd(6)} ${key.prefix}…  ${key.revoked_at === null ? 'active' : `revoked ${new Date(key.revoked_at).toISOString()}`}${key.kind === 'worker' ? `  capabilities: ${key.capabilities.join(', ')}` : ''}`,
        );
    });
  keys
    .command('revoke')
    .description('revoke an API key')
    .argument('<id>', 'key id (from `keys list`)')
    .option('--tenant <tenant>', 'tenant (default: default)')
    .option('--db <file|url>', 'SQLite file or postgres:// URL')
    .action(async (id: string, options: { tenant?: string; db?: string }) => {
      await withAuth(options.db, (auth) => auth.revokeKey(id, options.tenant, 'cli'));
      io.out(`revoked ${id}`);
    });
}

interface KeyOptions {
  agent?: string;
  worker?: string;
  capability?: string[];
  tenant?: string;
  db?: string;
}

/** The key `keys create` is asked for, checked before the database is opened so that bad input changes nothing. */
async function keyToCreate(
  options: KeyOptions,
): Promise<{ kind: 'agent'; name: string } | { kind: 'worker'; name: string; capabilities: string[] }> {
  if (options.agent !== undefined && options.worker !== undefined)
    throw new UsageError('--agent and --worker exclude each other: a key either submits actions or takes jobs');
  if (options.agent !== undefined) {
    if (options.capability !== undefined)
      throw new UsageError('--capability is for worker keys (--worker NAME); an agent key takes no jobs');
    return { kind: 'agent', name: options.agent };
  }
  if (options.worker === undefined)
    throw new UsageError('name the key’s owner: --agent NAME for an agent, or --worker NAME --capability C for a worker');
  const capabilities = options.capability ?? [];
  if (capabilities.length === 0) throw new UsageError('--worker needs at least one --capability: the jobs the key may take');
  const { checkWorkerKey } = await import('../../services/auth-service.js');
  try {
    checkWorkerKey(options.worker, capabilities);
  } catch (error) {
    if (error instanceof TollgateError) throw new UsageError(`--${String(error.details?.field)}: ${error.message}`);
    throw error;
  }
  return { kind: 'worker', name: options.worker, capabilities };
}
