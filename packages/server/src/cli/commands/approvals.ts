// `tollgate approvals list|show|approve|deny|request-changes`: deciding from the terminal,
// through a running server so that every rule (eligibility, duties, quorum) applies.

import type { Command } from 'commander';
import type { CliIo } from '../io.js';
import { call, clientOptions, remoteGuard, type ClientOptions } from '../server-client.js';
import { terminalJson } from '../terminal-text.js';
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
}
