// PostToolUse and PostToolUseFailure: the outcome of a call the hook allowed (the tool's answer,
// or its error) is reported to Tollgate; calls the hook did not gate are left alone.

import { TollgateRequestError } from '@tollgate/sdk';
import type { Connection } from '../cli/agent-connection.js';
import type { HookInput } from './claude-code-input.js';
import { HookState } from './hook-state.js';

export async function reportOutcome(
  input: HookInput,
  connection: Connection,
  stateDir: string,
): Promise<{ exitCode: number; stderr?: string }> {
  if (connection.kind === 'local' || input.tool_use_id === undefined) return { exitCode: 0 };
  const state = new HookState(stateDir);
  const key = HookState.useKey(input.tool_use_id);
  const id = state.get(key);
  if (id === undefined) return { exitCode: 0 };
  const failed = input.hook_event_name === 'PostToolUseFailure';
  try {
    await connection.tollgate.reportOutcome(id, {
      status: failed ? 'failed' : 'succeeded',
      detail: clip(failed ? (input.error ?? 'the tool failed') : responseText(input.tool_response)),
    });
  } catch (error) {
    if (!(error instanceof TollgateRequestError && error.code === 'action.outcome_reported'))
      return {
        exitCode: 1,
        stderr: `tollgate hook claude-code: could not report the outcome of action \`${id}\`: ${(error as Error).message}`,
      };
  }
  state.delete(key);
  return { exitCode: 0 };
}

function responseText(response: unknown): string {
  if (response === undefined) return 'done';
  return typeof response === 'string' ? response : (JSON.stringify(response) ?? 'done');
}

function clip(text: string, max = 2000): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
