// `tollgate users link-slack`, `link-email`, `link-jira` and `link-servicenow`: who a person is
// in Slack, Jira and ServiceNow (whose clicks, transitions, comments and approvals count as their
// votes) and by e-mail (where their one-click links go).

import type { Command } from 'commander';
import { databaseUrl } from '../../config/client-config.js';
import type { IdentityKind } from '../../stores/notify-store.js';
import { systemClock } from '../../util/clock.js';
import type { CliIo } from '../io.js';

async function link(options: { name: string; tenant?: string; db?: string }, kind: IdentityKind, value: string, io: CliIo): Promise<void> {
  const [{ openStore }, { linkIdentity }, { DEFAULT_TENANT }] = await Promise.all([
    import('../../stores/open-store.js'),
    import('../../notify/identities.js'),
    import('../../services/auth-service.js'),
  ]);
  const store = await openStore(databaseUrl(options.db));
  try {
    await store.migrate();
    const linked = await linkIdentity(store, systemClock.now(), {
      tenantId: options.tenant ?? DEFAULT_TENANT,
      name: options.name,
      kind,
      value,
      actor: 'cli',
    });
    io.out(`linked ${kind} ${linked.value} to ${options.name} (${linked.user_id})`);
  } finally {
    await store.close();
  }
}

export function registerUserLinkCommands(users: Command, io: CliIo): void {
  users
    .command('link-slack')
    .description('link a person to their Slack user id (Slack buttons then vote as them)')
    .requiredOption('--name <name>', 'the person’s sign-in name')
    .requiredOption('--slack-id <id>', 'Slack user id, like U012AB3CD (profile → ⋯ → Copy member ID)')
    .option('--tenant <tenant>', 'tenant (default: default)')
    .option('--db <file|url>', 'SQLite file or postgres:// URL')
    .action((options: { name: string; slackId: string; tenant?: string; db?: string }) => link(options, 'slack', options.slackId, io));
  users
    .command('link-email')
    .description('link a person to an e-mail address (they then get personal one-click links)')
    .requiredOption('--name <name>', 'the person’s sign-in name')
    .requiredOption('--email <address>', 'e-mail address')
    .option('--tenant <tenant>', 'tenant (default: default)')
    .option('--db <file|url>', 'SQLite file or postgres:// URL')
    .action((options: { name: string; email: string; tenant?: string; db?: string }) => link(options, 'email', options.email, io));
  users
    .command('link-jira')
    .description('link a person to their Jira account (their transitions and /approve, /deny comments then vote as them)')
    .requiredOption('--name <name>', 'the person’s sign-in name')
    .requiredOption('--jira-user <id>', 'Jira Cloud account id (profile URL …/people/<id>), or the Data Center user name')
    .option('--tenant <tenant>', 'tenant (default: default)')
    .option('--db <file|url>', 'SQLite file or postgres:// URL')
    .action((options: { name: string; jiraUser: string; tenant?: string; db?: string }) => link(options, 'jira', options.jiraUser, io));
  users
    .command('link-servicenow')
    .description('link a person to their ServiceNow user (their approvals of Tollgate’s change requests then vote as them)')
    .requiredOption('--name <name>', 'the person’s sign-in name')
    .requiredOption('--servicenow-user <user_name>', 'the ServiceNow user name (sys_user.user_name)')
    .option('--tenant <tenant>', 'tenant (default: default)')
    .option('--db <file|url>', 'SQLite file or postgres:// URL')
    .action((options: { name: string; servicenowUser: string; tenant?: string; db?: string }) =>
      link(options, 'servicenow', options.servicenowUser, io),
    );
}
