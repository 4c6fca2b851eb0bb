// The policy kernel as a library: `loadPolicy` and `evaluate` from @tollgate/core.

import { loadPolicy } from '@tollgate/core';
import type { Implementation } from '../implementations.js';
import { decisionOutcome } from '../outcome.js';

export const core: Implementation = {
  name: 'core',
  async run(testCase) {
    const loaded = loadPolicy(testCase.policy);
    if (!loaded.ok) {
      return {
        kind: 'invalid',
        diagnostics: loaded.diagnostics.map(({ code, message, line, column }) => ({
          code,
          message,
          ...(line === undefined ? {} : { line }),
          ...(column === undefined ? {} : { column }),
        })),
      };
    }
    if (testCase.expect.kind === 'error') return { kind: 'valid' };
    const { action, options } = testCase.expect;
    return decisionOutcome(
      loaded.policy.evaluate(action, {
        ...(options.level === undefined ? {} : { level: options.level }),
        ...(options.novel === undefined ? {} : { novel: options.novel }),
        ...(options.action_id === undefined ? {} : { actionId: options.action_id }),
      }),
    );
  },
};
