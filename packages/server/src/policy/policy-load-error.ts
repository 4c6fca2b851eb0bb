// A policy that does not load, with every diagnostic; apart from the policy service so that the
// local decider (the agent doors' `--policy`) and the CLI can name it without loading the server.

import { formatDiagnostic, type Diagnostic } from '@tollgate/core';

export class PolicyLoadError extends Error {
  readonly code = 'policy.invalid';
  constructor(
    readonly diagnostics: Diagnostic[],
    what = 'policy',
  ) {
    super(`${what} does not load:\n${diagnostics.map(formatDiagnostic).join('\n')}`);
  }
}
