// `tollgate login` and `tollgate logout`: sign in once and keep the token, per server, for the
// people's commands (`approvals …`); sign out ends the session on the server and forgets it.

import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { clientConfig } from '../../config/client-config.js';
import { forgetLogin, saveLogin, storedLogin } from '../credentials.js';
import { UsageError } from '../input.js';
import { EXIT, type CliIo } from '../io.js';
import { ask } from '../prompt.js';
import { RemoteError, remoteGuard, request, serverOption } from '../server-client.js';

interface LoginOptions {
  server?: string;
  name?: string;
  passwordStdin?: boolean;
  tenant?: string;
}

interface LoginAnswer {
  token: string;
  expires_at: string;
  user: { name: string; role: string; tenant: string };
}

/** The first line of standard input: `echo "$PASSWORD" | tollgate login …` or a file redirected in. */
function passwordFrom(text: string): string {
  const password = text.split(/\r?\n/)[0] ?? '';
  if (password === '') throw new UsageError('no password on standard input (its first line is the password)');
  return password;
}

export function registerLoginCommands(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const guarded = remoteGuard(io, setExit);
  serverOption(program.command('login').description("sign in to a server and keep the token for the people's commands"))
    .option('--name <name>', 'sign-in name (asked for at a terminal)')
    .option('--password-stdin', 'read the password from standard input (always so when it is not a terminal)')
    .option('--tenant <tenant>', 'tenant (default: default)')
    .action((options: LoginOptions) =>
      guarded(async () => {
        const config = clientConfig({ ...(options.server === undefined ? {} : { server: options.server }) });
        // A password is typed where it is not echoed, or piped in; never taken as an argument, which others can see.
        const interactive = process.stdin.isTTY === true && options.passwordStdin !== true;
        let name = options.name;
        if (name === undefined) {
          if (!interactive) throw new UsageError('--name is required when the password comes from standard input');
          name = (await ask('name: ')).trim();
          if (name === '') throw new UsageError('no name given');
        }
        const password = interactive
          ? await ask('password: ', { hidden: true })
          : passwordFrom((io.readStdin ?? (() => readFileSync(0, 'utf8')))());
        if (password === '') throw new UsageError('no password given');
        const answer = (await request(config.server, undefined, 'POST', '/v1/auth/login', {
          name,
          password,
          ...(options.tenant === undefined ? {} : { tenant: options.tenant }),
        })) as LoginAnswer;
        saveLogin(config.credentials, config.server, {
          token: answer.token,
          name: answer.user.name,
          tenant: answer.user.tenant,
          expires_at: answer.expires_at,
        });
        io.out(
          `signed in to ${config.server} as ${answer.user.name} (${answer.user.role}, tenant ${answer.user.tenant}); the token is kept in ${config.credentials} until ${answer.expires_at}`,
        );
        if (config.token !== undefined) io.err('note: TOLLGATE_TOKEN is set, and commands use it rather than this sign-in');
      }),
    );

  serverOption(program.command('logout').description('end the stored sign-in on the server and remove its token')).action(
    (options: { server?: string }) =>
      guarded(async () => {
        const config = clientConfig({ ...(options.server === undefined ? {} : { server: options.server }) });
        const stored = storedLogin(config.credentials, config.server);
        if (stored === undefined) return io.out(`not signed in to ${config.server}`);
        let refused: RemoteError | undefined;
        try {
          await request(config.server, stored.token, 'POST', '/v1/auth/logout');
        } catch (error) {
          // 401: the session had already ended (expired, or ended elsewhere), which is what was asked.
          if (!(error instanceof RemoteError)) throw error;
          if (error.status !== 401) refused = error;
        }
        forgetLogin(config.credentials, config.server);
        if (refused !== undefined) {
          io.err(
            `error: ${refused.message}; the token is removed from ${config.credentials}, but its session stays valid until ${stored.expires_at}`,
          );
          return setExit(EXIT.failed);
        }
        io.out(`signed out of ${config.server} (${stored.name}); the token is removed from ${config.credentials}`);
      }),
  );
}
