// How the proxy decides a `tools/call`: through a Tollgate server (waiting for people, running once
// with the grant, reporting the outcome) or locally with the kernel, where nobody can be asked.

import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { OutcomeNotReported, TollgateSdkError, ToolGate, type Tollgate } from '@tollgate/sdk';
import { reasonText, type LocalDecider } from '../policy/local-decider.js';
import { refusal, summary } from './tool-results.js';

/** Runs `forward` (the downstream call, with the arguments as approved) if the action may go ahead. */
export interface CallGate {
  call(
    action: Record<string, unknown>,
    forward: (args: Record<string, unknown> | undefined) => Promise<CallToolResult>,
    signal?: AbortSignal,
  ): Promise<CallToolResult>;
}

function approvedArguments(approved: Record<string, unknown>): Record<string, unknown> | undefined {
  const args = approved.arguments;
  return typeof args === 'object' && args !== null && !Array.isArray(args) ? (args as Record<string, unknown>) : undefined;
}

export function remoteGate(tollgate: Tollgate, wait: number): CallGate {
  const gate = new ToolGate(tollgate, { wait });
  return {
    async call(action, forward, signal) {
      try {
        return await gate.call(action, (approved) => forward(approvedArguments(approved)), {
          ...(signal === undefined ? {} : { signal }),
          outcome: (result) => ({ status: result.isError === true ? 'failed' : 'succeeded', detail: summary(result) }),
        });
      } catch (error) {
        if (error instanceof OutcomeNotReported) return error.result as CallToolResult;
        if (error instanceof TollgateSdkError) return refusal(`Tollgate: ${error.message}`);
        throw error;
      }
    },
  };
}

export function localGate(decider: LocalDecider): CallGate {
  return {
    async call(action, forward) {
      const decision = decider.decide(action);
      switch (decision.decision) {
        case 'ALLOW':
        case 'REVIEW':
          return forward(approvedArguments(action));
        case 'DENY':
          return refusal(`Tollgate: denied by the policy: ${reasonText(decision)}`);
        case 'REQUIRE_APPROVAL':
          return refusal(
            `Tollgate: this call needs a person's approval (${reasonText(decision)}), and with a local --policy there is nobody to ask; it was not run`,
          );
      }
    },
  };
}
