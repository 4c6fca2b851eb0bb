// `tollgate policy push --tenant T PATH`: makes a policy the tenant's live one through a running
// server (PUT /v1/tenants/:tenant/policy), so the server checks it, applies it on every node and
// audits it on the tenant's chain. A tenant's admin pushes their own tenant's; an operator any.

import { formatDiagnostic, loadPolicy } from '@tollgate/core';
import type { Command } from 'commander';
import { readPolicyFiles } from '../../policy/load-files.js';
import { EXIT, type CliIo } from '../io.js';
import { call, clientOptions, remoteGuard, type ClientOptions } from '../server-client.js';

interface Pushed {
  tenant: string;
  version: string;
  previous: string;
  changed: boolean;
}

export function registerPushCommand(policy: Command, io: CliIo, setExit: (code: number) => void): void {
  const guarded = remoteGuard(io, setExit);
  clientOptions(
    policy
      .command('push')
      .description("make a policy file or folder the tenant's live policy, on a running server")
      .argument('<path>', 'the policy file or folder')
      .requiredOption('--tenant <tenant>', 'the tenant whose policy it becomes'),
  ).action((path: string, options: ClientOptions & { tenant: string }) =>
    guarded(async () => {
      const files = readPolicyFiles(path);
      // Checked here first, so that every problem is shown as file:line:col, as `policy validate` shows it.
      const checked = loadPolicy(files);
      if (!checked.ok) {
        for (const diagnostic of checked.diagnostics) io.err(formatDiagnostic(diagnostic));
        setExit(EXIT.failed);
        return;
      }
      const pushed = (await call(options, 'PUT', `/v1/tenants/${encodeURIComponent(options.tenant)}/policy`, { files })) as Pushed;
      io.out(
        pushed.changed
          ? `tenant ${pushed.tenant}: ${pushed.version} is live (was ${pushed.previous})`
          : `tenant ${pushed.tenant}: ${pushed.version} was live already`,
      );
    }),
  );
}
