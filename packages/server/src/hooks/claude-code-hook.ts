// `tollgate hook claude-code`: one hook run. PreToolUse asks Tollgate (or the local policy) and
// answers allow / deny / ask; an approved call's grant is redeemed before answering allow, so it
// runs once; and it always answers before Claude Code's timeout for it, denying when time runs out
// (a cancelled hook would let the tool run). PostToolUse and PostToolUseFailure go to claude-code-outcome.ts.

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
import { claudeCodeAction, updatedInput } from './claude-code-action.js';
import { parseHookInput, type HookInput } from './claude-code-input.js';
import { preToolUse, type PreToolUseOutput } from './claude-code-output.js';
import { reportOutcome } from './claude-code-outcome.js';
import { installedTimeout, settingsFiles } from './claude-code-settings.js';
import { CLAUDE_CODE_DEFAULT_TIMEOUT, HookBudget } from './hook-budget.js';
import { HookState } from './hook-state.js';

export interface HookOptions {
  connection: Connection;
  /** Seconds to wait for people before denying with the approval link. */
  wait: number;
  /** Allow (instead of deny) when the server cannot be reached. */
  failOpen: boolean;
  stateDir: string;
  /**
   * Claude Code's `timeout` for this hook, in seconds (`--timeout`). Without it the hook reads it
   * from the settings files that install it, and else assumes Claude Code's default.
   */
  timeout?: number | undefined;
  /** Where those settings files are: the project (else the event's `cwd`) and the user's home. */
  settingsDirs?: { projectDir: string | undefined; home: string | undefined };
  /** For tests: the clock, and when the run started (default: when the process did). */
  now?: () => number;
  startedAt?: number;
}

/** The time limit of a run: told, or as installed. */
function budgetFor(input: HookInput, options: HookOptions): HookBudget {
  const dirs = options.settingsDirs;
  const timeout =
    options.timeout ??
    (dirs === undefined ? undefined : installedTimeout(settingsFiles({ projectDir: dirs.projectDir ?? input.cwd, home: dirs.home }))) ??
    CLAUDE_CODE_DEFAULT_TIMEOUT;
  return new HookBudget(timeout, options.now, options.startedAt);
}

/** Thrown into the requests in flight when the hook must answer. */
class OutOfTime extends Error {}

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
  const budget = budgetFor(input, options);
  const out = new AbortController();
  const timer = setTimeout(() => out.abort(new OutOfTime()), budget.remainingMs());
  try {
    if (input.hook_event_name !== 'PreToolUse') return await reportOutcome(input, options.connection, options.stateDir, out.signal);
    const output = await decide(input, options, budget, out.signal);
    return { exitCode: 0, stdout: JSON.stringify(output) };
  } finally {
    clearTimeout(timer);
  }
}

async function decide(input: HookInput, options: HookOptions, budget: HookBudget, signal: AbortSignal): Promise<PreToolUseOutput> {
  const action = claudeCodeAction(input);
  const { connection } = options;
  if (connection.kind === 'local') {
    const decision = connection.decider.decide(action);
    const { reasonText } = await import('../policy/local-decider.js');
    const why = reasonText(decision);
    if (decision.decision === 'DENY') return preToolUse('deny', `Tollgate denied it: ${why}`);
    if (decision.decision === 'REQUIRE_APPROVAL') return preToolUse('ask', `Tollgate asks for a person's approval: ${why}`);
    return preToolUse('allow', `Tollgate allowed it: ${why}`);
  }
  const server = connection.tollgate.baseUrl;
  const asked: Asked = { view: undefined };
  try {
    return await decideRemotely(connection.tollgate, input, action, new HookState(options.stateDir), options.wait, budget, signal, asked);
  } catch (error) {
    if (error instanceof OutOfTime || signal.aborted) return outOfTime(budget, asked.view);
    if (error instanceof TollgateUnavailable) {
      return options.failOpen
        ? preToolUse('allow', `Tollgate at ${server} is unreachable; allowed because the hook runs with --fail-open`)
        : preToolUse('deny', `Tollgate at ${server} is unreachable, so the call is denied (the hook fails closed): ${error.message}`);
    }
    if (error instanceof TollgateSdkError) return preToolUse('deny', `Tollgate: ${error.message}`);
    throw error;
  }
}

/** What the server last said about the call, for the answer when time runs out. */
interface Asked {
  view: ActionView | undefined;
}

/** Time ran out before a verdict: deny, with the approval link when there is one, so the retry can pick it up. */
function outOfTime(budget: HookBudget, view: ActionView | undefined): PreToolUseOutput {
  const limit = `within the hook's ${budget.timeout} s timeout`;
  if (view?.status === 'pending') return preToolUse('deny', `Tollgate: no verdict ${limit}: ${new ApprovalPending(view).message}`);
  return preToolUse('deny', `Tollgate did not answer ${limit}, so the call is denied (the hook fails closed)`);
}

async function decideRemotely(
  tollgate: Tollgate,
  input: HookInput,
  action: Record<string, unknown>,
  state: HookState,
  wait: number,
  budget: HookBudget,
  signal: AbortSignal,
  asked: Asked,
): Promise<PreToolUseOutput> {
  const callKey = HookState.callKey(input.session_id, input.tool_name, input.tool_input);
  let view = await resumable(tollgate, state, callKey, signal);
  view ??= await tollgate.submit(action, signal);
  asked.view = view;
  const allowed = budget.waitSeconds(wait);
  if (view.status === 'pending') {
    // Remembered before waiting: if time runs out, the retry resumes this action.
    state.set(callKey, view.id);
    view = await tollgate.waitForVerdict(view, { wait: allowed, signal });
    asked.view = view;
  }
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
      const redeemed = await redeem(tollgate, view, signal);
      return allow(`Tollgate: ${approvedBy(redeemed)}`, updatedInput(redeemed.action, action, input.tool_name, input.tool_input));
    }
    case 'pending':
      // The timeout cut the wait short: say so, or the person who set --wait wonders why it did not wait.
      return allowed < wait ? outOfTime(budget, view) : preToolUse('deny', `Tollgate: ${new ApprovalPending(view).message}`);
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
async function resumable(tollgate: Tollgate, state: HookState, callKey: string, signal: AbortSignal): Promise<ActionView | undefined> {
  const id = state.get(callKey);
  if (id === undefined) return undefined;
  let view: ActionView | undefined;
  try {
    view = await tollgate.get(id, { signal });
  } catch (error) {
    if (error instanceof TollgateUnavailable || signal.aborted) throw error;
  }
  // Gone, or used up by an earlier run: this call is asked about anew.
  if (view === undefined || view.status === 'executed' || view.status === 'failed' || view.grant?.used === true) {
    state.delete(callKey);
    return undefined;
  }
  return view;
}

async function redeem(tollgate: Tollgate, view: ActionView, signal: AbortSignal): Promise<ActionView> {
  try {
    return await tollgate.redeem(view, signal);
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
