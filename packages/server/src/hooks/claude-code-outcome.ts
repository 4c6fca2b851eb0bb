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
  signal: AbortSignal,
): Promise<{ exitCode: number; stderr?: string }> {
  if (connection.kind === 'local' || input.tool_use_id === undefined) return { exitCode: 0 };
  const state = new HookState(stateDir);
  const key = HookState.useKey(input.tool_use_id);
  const id = state.get(key);
  if (id === undefined) return { exitCode: 0 };
  const failed = input.hook_event_name === 'PostToolUseFailure';
  try {
    const report = connection.tollgate.reportOutcome(id, {
      status: failed ? 'failed' : 'succeeded',
      detail: clip(failed ? (input.error ?? 'the tool failed') : responseText(input.tool_response)),
    });
    // The tool has run: what is left is telling Tollgate, before Claude Code stops waiting.
    await Promise.race([report, aborted(signal)]);
  } catch (error) {
    if (signal.aborted)
      return {
        exitCode: 1,
        stderr: `tollgate hook claude-code: the outcome of action \`${id}\` was not reported within the hook's timeout`,
      };
    if (!(error instanceof TollgateRequestError && error.code === 'action.outcome_reported'))
      return {
        exitCode: 1,
        stderr: `tollgate hook claude-code: could not report the outcome of action \`${id}\`: ${(error as Error).message}`,
      };
  }
  state.delete(key);
  return { exitCode: 0 };
}

function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

function responseText(response: unknown): string {
  if (response === undefined) return 'done';
  return typeof response === 'string' ? response : (JSON.stringify(response) ?? 'done');
}

function clip(text: string, max = 2000): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
