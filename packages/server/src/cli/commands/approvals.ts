// `tollgate approvals list|show|approve|deny|request-changes|standing`: deciding from the terminal,
// through a running server so that every rule (eligibility, duties, quorum) applies.

import type { Command } from 'commander';
import type { CliIo } from '../io.js';
import { call, clientOptions, remoteGuard, type ClientOptions } from '../server-client.js';
import { printable, terminalJson } from '../terminal-text.js';
import { approvalPage, approvalTable, type ApprovalDetail, type ApprovalSummary } from './approvals-view.js';

export function registerApprovalCommands(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const approvals = program.command('approvals').description('list and decide approval requests on a running server');
  const guarded = remoteGuard(io, setExit);

  clientOptions(approvals.command('list').description('list requests (pending by default)'))
    .option('--status <statuses>', 'comma-separated statuses', 'pending')
    .option('--json', 'print JSON')
    .action((options: ClientOptions & { status: string; json?: boolean }) =>
      guarded(async () => {
        const result = (await call(options, 'GET', `/v1/approvals?status=${encodeURIComponent(options.status)}`)) as {
          approvals: ApprovalSummary[];
        };
        if (options.json === true) return io.out(terminalJson(result.approvals));
        if (result.approvals.length === 0) return io.out('no requests');
        io.out(approvalTable(result.approvals, Date.now(), process.stdout.columns ?? 120).join('\n'));
      }),
    );

  clientOptions(
    approvals.command('show').description('show one request with its action, reasons and context').argument('<id>', 'approval id'),
  )
    .option('--json', 'print JSON')
    .action((id: string, options: ClientOptions & { json?: boolean }) =>
      guarded(async () => {
        const detail = (await call(options, 'GET', `/v1/approvals/${encodeURIComponent(id)}`)) as ApprovalDetail;
        io.out(options.json === true ? terminalJson(detail) : approvalPage(detail, Date.now()).join('\n'));
      }),
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

  const standing = approvals.command('standing').description('list and revoke standing approvals');
  clientOptions(standing.command('list').description('list standing approvals, newest first'))
    .option('--active', 'only those that can still cover an action')
    .option('--agent <agent>', "only this agent's")
    .option('--json', 'print JSON')
    .action((options: ClientOptions & { active?: boolean; agent?: string; json?: boolean }) =>
      guarded(async () => {
        const query = new URLSearchParams();
        if (options.active === true) query.set('active', 'true');
        if (options.agent !== undefined) query.set('agent', options.agent);
        const suffix = query.size === 0 ? '' : `?${query.toString()}`;
        const result = (await call(options, 'GET', `/v1/standing-approvals${suffix}`)) as { standing_approvals: StandingSummary[] };
        if (options.json === true) return io.out(terminalJson(result.standing_approvals));
        if (result.standing_approvals.length === 0) return io.out('no standing approvals');
        io.out(result.standing_approvals.map(standingLine).join('\n'));
      }),
    );
  clientOptions(standing.command('revoke').description('revoke a standing approval').argument('<id>', 'standing approval id')).action(
    (id: string, options: ClientOptions) =>
      guarded(async () => {
        const result = (await call(options, 'DELETE', `/v1/standing-approvals/${encodeURIComponent(id)}`)) as StandingSummary;
        io.out(`${result.id}: revoked`);
      }),
  );
}

interface StandingSummary {
  id: string;
  agent: string;
  action_type: string;
  gate: string;
  uses_left: number | null;
  expires_at: string | null;
  revoked_at: string | null;
  active: boolean;
  constraints: { path: string; op: string; value: unknown }[];
}

/** One line per standing approval: what it covers, and how much of it is left. */
function standingLine(standing: StandingSummary): string {
  const state = standing.revoked_at !== null ? 'revoked' : standing.active ? 'active' : 'ended';
  const left = [
    standing.uses_left === null ? undefined : `${standing.uses_left} uses left`,
    standing.expires_at === null ? undefined : `until ${standing.expires_at}`,
  ].filter((part) => part !== undefined);
  const within = standing.constraints.map((c) => `${c.path} ${c.op} ${JSON.stringify(c.value)}`).join(', ');
  return printable(
    `${standing.id}  ${state}  ${standing.agent} ${standing.action_type} (${standing.gate})  ${left.join(', ')}${within === '' ? '' : `  where ${within}`}`,
  );
}
