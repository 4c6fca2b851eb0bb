// `tollgate approvals list|show|approve|deny|request-changes`: deciding from the terminal,
// through a running server so that every rule (eligibility, duties, quorum) applies.

import type { Command } from 'commander';
import { clientConfig } from '../../config/config.js';
import { UsageError } from '../input.js';
import { EXIT, type CliIo } from '../io.js';

export interface ClientOptions {
  server?: string;
  token?: string;
}

export async function call(options: ClientOptions, method: string, path: string, body?: unknown): Promise<unknown> {
  const { server, token } = clientConfig(options);
  if (token === undefined) throw new UsageError('sign in first: pass --token or set TOLLGATE_TOKEN (POST /v1/auth/login returns one)');
  let response: Response;
  try {
    response = await fetch(`${server}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (error) {
    throw new RemoteError(`cannot reach ${server}: ${String((error as Error).cause ?? (error as Error).message)}`);
  }
  const payload = (await response.json().catch(() => ({}))) as { error?: { code: string; message: string } };
  if (!response.ok) throw new RemoteError(`${payload.error?.code ?? response.status}: ${payload.error?.message ?? response.statusText}`);
  return payload;
}

export class RemoteError extends Error {}

export function clientOptions(command: Command): Command {
  return command
    .option('--server <url>', 'server address (default http://127.0.0.1:7300 or TOLLGATE_SERVER)')
    .option('--token <token>', 'session token (or TOLLGATE_TOKEN)');
}

interface ApprovalSummary {
  id: string;
  status: string;
  action_id: string;
  approvers: string[];
  require: number;
  deadline: string | null;
  created_at: string;
}

export function registerApprovalCommands(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const approvals = program.command('approvals').description('list and decide approval requests on a running server');
  const guarded = (work: () => Promise<void>): Promise<void> =>
    work().catch((error: unknown) => {
      if (!(error instanceof RemoteError)) throw error;
      io.err(`error: ${error.message}`);
      setExit(EXIT.failed);
    });

  clientOptions(approvals.command('list').description('list requests (pending by default)'))
    .option('--status <statuses>', 'comma-separated statuses', 'pending')
    .option('--json', 'print JSON')
    .action((options: ClientOptions & { status: string; json?: boolean }) =>
      guarded(async () => {
        const result = (await call(options, 'GET', `/v1/approvals?status=${encodeURIComponent(options.status)}`)) as {
          approvals: ApprovalSummary[];
        };
        if (options.json === true) return io.out(JSON.stringify(result.approvals, null, 2));
        if (result.approvals.length === 0) return io.out('no requests');
        for (const approval of result.approvals) {
          io.out(
            `${approval.id}  ${approval.status.padEnd(17)} action ${approval.action_id}  needs ${approval.require} of ${approval.approvers.join(', ') || 'any approver'}${approval.deadline === null ? '' : `  due ${approval.deadline}`}`,
          );
        }
      }),
    );

  clientOptions(
    approvals.command('show').description('show one request with its action and reasons').argument('<id>', 'approval id'),
  ).action((id: string, options: ClientOptions) =>
    guarded(async () => io.out(JSON.stringify(await call(options, 'GET', `/v1/approvals/${encodeURIComponent(id)}`), null, 2))),
  );

  const vote = (name: string, verdict: string, description: string, noteRequired: boolean): void => {
    const command = clientOptions(approvals.command(name).description(description).argument('<id>', 'approval id'));
    (noteRequired
      ? command.requiredOption('--note <text>', 'the reason (required)')
      : command.option('--note <text>', 'a note for the record')
    ).action((id: string, options: ClientOptions & { note?: string }) =>
      guarded(async () => {
        const result = (await call(options, 'POST', `/v1/approvals/${encodeURIComponent(id)}/votes`, {
          verdict,
          ...(options.note === undefined ? {} : { note: options.note }),
        })) as ApprovalSummary;
        io.out(`${result.id}: ${result.status}`);
      }),
    );
  };
  vote('approve', 'approve', 'approve a request', false);
  vote('deny', 'deny', 'deny a request (a reason is required)', true);
  vote('request-changes', 'request_changes', 'send a request back to the agent with feedback', true);
}
