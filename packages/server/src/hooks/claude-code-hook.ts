// `tollgate hook claude-code`: one hook run. PreToolUse asks Tollgate (or the local policy) and
// answers allow / deny / ask; an approved call's grant is redeemed before answering allow, so it
// runs once. PostToolUse and PostToolUseFailure go to claude-code-outcome.ts.

import {
  ActionDenied,
  ApprovalPending,
  ApprovalTimedOut,
  ChangesRequested,
  TollgateRequestError,
  TollgateSdkError,
  TollgateUnavailable,
  type ActionView,
  type Tollgate,
} from '@tollgate/sdk';
import type { Connection } from '../cli/agent-connection.js';
import { reasonText } from '../policy/local-decider.js';
import { claudeCodeAction, updatedInput } from './claude-code-action.js';
import { parseHookInput, type HookInput } from './claude-code-input.js';
import { preToolUse, type PreToolUseOutput } from './claude-code-output.js';
import { reportOutcome } from './claude-code-outcome.js';
import { HookState } from './hook-state.js';

export interface HookOptions {
  connection: Connection;
  /** Seconds to wait for people before denying with the approval link. */
  wait: number;
  /** Allow (instead of deny) when the server cannot be reached. */
  failOpen: boolean;
  stateDir: string;
}

export interface HookRun {
  exitCode: number;
  stdout?: string;
  stderr?: string;
}

/** Runs the hook on what Claude Code wrote to standard input. Bad input exits 2, which blocks the call. */
export async function runClaudeCodeHook(stdin: string, options: HookOptions): Promise<HookRun> {
  let input: HookInput;
  try {
    input = parseHookInput(stdin);
  } catch (error) {
    return { exitCode: 2, stderr: `tollgate hook claude-code: bad hook input: ${(error as Error).message}` };
  }
  if (input.hook_event_name !== 'PreToolUse') return reportOutcome(input, options.connection, options.stateDir);
  const output = await decide(input, options);
  return { exitCode: 0, stdout: JSON.stringify(output) };
}

async function decide(input: HookInput, options: HookOptions): Promise<PreToolUseOutput> {
  const action = claudeCodeAction(input);
  const { connection } = options;
  if (connection.kind === 'local') {
    const decision = connection.decider.decide(action);
    const why = reasonText(decision);
    if (decision.decision === 'DENY') return preToolUse('deny', `Tollgate denied it: ${why}`);
    if (decision.decision === 'REQUIRE_APPROVAL') return preToolUse('ask', `Tollgate asks for a person's approval: ${why}`);
    return preToolUse('allow', `Tollgate allowed it: ${why}`);
  }
  const server = connection.tollgate.baseUrl;
  try {
    return await decideRemotely(connection.tollgate, input, action, new HookState(options.stateDir), options.wait);
  } catch (error) {
    if (error instanceof TollgateUnavailable) {
      return options.failOpen
        ? preToolUse('allow', `Tollgate at ${server} is unreachable; allowed because the hook runs with --fail-open`)
        : preToolUse('deny', `Tollgate at ${server} is unreachable, so the call is denied (the hook fails closed): ${error.message}`);
    }
    if (error instanceof TollgateSdkError) return preToolUse('deny', `Tollgate: ${error.message}`);
    throw error;
  }
}

async function decideRemotely(
  tollgate: Tollgate,
  input: HookInput,
  action: Record<string, unknown>,
  state: HookState,
  wait: number,
): Promise<PreToolUseOutput> {
  const callKey = HookState.callKey(input.session_id, input.tool_name, input.tool_input);
  let view = await resumable(tollgate, state, callKey);
  view ??= await tollgate.submit(action);
  if (view.status === 'pending') view = await tollgate.waitForVerdict(view, { wait });
  if (view.status !== 'pending') state.delete(callKey);
  const allow = (reason: string, updated?: Record<string, unknown>): PreToolUseOutput => {
    if (input.tool_use_id !== undefined) state.set(HookState.useKey(input.tool_use_id), view!.id);
    return preToolUse('allow', reason, updated);
  };
  switch (view.status) {
    case 'allowed':
      return allow(`Tollgate allowed it: ${reasons(view)}`);
    case 'review':
      return allow(`Tollgate allowed it, for review afterwards: ${reasons(view)}`);
    case 'approved': {
      const redeemed = await redeem(tollgate, view);
      return allow(`Tollgate: ${approvedBy(redeemed)}`, updatedInput(redeemed.action, action, input.tool_name, input.tool_input));
    }
    case 'pending':
      state.set(callKey, view.id);
      return preToolUse('deny', `Tollgate: ${new ApprovalPending(view).message}`);
    case 'denied':
      return preToolUse('deny', `Tollgate: ${new ActionDenied(view).message}`);
    case 'timed_out':
      return preToolUse('deny', `Tollgate: ${new ApprovalTimedOut(view).message}`);
    case 'changes_requested':
      return preToolUse('deny', `Tollgate: ${new ChangesRequested(view).message}; change the call accordingly`);
    default:
      return preToolUse('deny', `Tollgate: action \`${view.id}\` is ${view.status.replace('_', ' ')}, so it is not run again`);
  }
}

/** The action of an earlier identical call, if it still awaits or holds a verdict for this retry. */
async function resumable(tollgate: Tollgate, state: HookState, callKey: string): Promise<ActionView | undefined> {
  const id = state.get(callKey);
  if (id === undefined) return undefined;
  let view: ActionView | undefined;
  try {
    view = await tollgate.get(id);
  } catch (error) {
    if (error instanceof TollgateUnavailable) throw error;
  }
  // Gone, or used up by an earlier run: this call is asked about anew.
  if (view === undefined || view.status === 'executed' || view.status === 'failed' || view.grant?.used === true) {
    state.delete(callKey);
    return undefined;
  }
  return view;
}

async function redeem(tollgate: Tollgate, view: ActionView): Promise<ActionView> {
  try {
    return await tollgate.redeem(view);
  } catch (error) {
    if (error instanceof TollgateRequestError && error.code === 'grant.used')
      throw new TollgateSdkError(`the approval of action \`${view.id}\` was used already, so the call is not run again`, view.id);
    throw error;
  }
}

function reasons(view: ActionView): string {
  const own = view.reasons.filter((reason) => reason.decision === view.decision);
  return (own.length > 0 ? own : view.reasons).map((reason) => reason.reason || reason.name).join('; ') || view.decision;
}

function approvedBy(view: ActionView): string {
  const votes = view.approval?.votes.filter((vote) => vote.verdict === 'approve') ?? [];
  if (votes.length === 0) return `approved (action \`${view.id}\`)`;
  return `approved by ${votes.map((vote) => (vote.note === null ? vote.user_id : `${vote.user_id} (${vote.note})`)).join(', ')}`;
}
