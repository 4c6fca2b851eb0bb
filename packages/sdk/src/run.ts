// `run`: submit (or resume), wait for a verdict, execute at most once, report the outcome. The
// grant is redeemed before the function runs, so a second attempt (after a crash, in another
// process) is refused by the server and never executes the action twice.

import {
  ActionAlreadyRun,
  ActionDenied,
  ApprovalPending,
  ApprovalTimedOut,
  ChangesRequested,
  OutcomeNotReported,
  TollgateRequestError,
  TollgateSdkError,
  TollgateUnavailable,
} from './errors.js';
import { failed, succeeded } from './outcome.js';
import type { Action, ActionView, Compensation, OutcomeReport } from './types.js';

/** Picks up an action submitted earlier (by a process that crashed, say) by its id. */
export interface Resume {
  resume: string;
}

export interface RunOptions<T> {
  /** Seconds to wait for people in all (default 300); `Infinity` waits until they decide. */
  wait?: number;
  /** Called once the action is known to be pending, before waiting: keep `view.id` to resume after a crash. */
  onPending?: (view: ActionView) => void | Promise<void>;
  signal?: AbortSignal;
  /** The outcome to report for a result (default: succeeded, its summary, and `result.compensation`). */
  outcome?: (
    result: T,
    action: Record<string, unknown>,
  ) => { status?: 'succeeded' | 'failed'; detail?: string; compensation?: Compensation };
  /**
   * Errors that pause the work rather than end it (a LangGraph `interrupt()`): no outcome is
   * reported for them, so the action stays open for the run that continues it (`continues`).
   */
  paused?: (error: unknown) => boolean;
  /**
   * This run continues work that paused on this action: an action already let through (allowed,
   * or approved with its grant redeemed) whose outcome is not reported runs again, instead of
   * being refused as possibly run before.
   */
  continues?: boolean;
}

/** The agent's work: gets the action as approved (possibly modified by a person) and its view. */
export type Execute<T> = (action: Record<string, unknown>, view: ActionView) => T | Promise<T>;

/** What `run` needs from the client. */
export interface RunApi {
  submit(action: Action, signal?: AbortSignal): Promise<ActionView>;
  get(id: string, options?: { signal?: AbortSignal | undefined }): Promise<ActionView>;
  waitForVerdict(view: ActionView, options: { wait: number; signal?: AbortSignal | undefined }): Promise<ActionView>;
  redeem(view: ActionView, signal?: AbortSignal): Promise<ActionView>;
  reportOutcome(id: string, report: OutcomeReport): Promise<ActionView>;
}

export const DEFAULT_WAIT_SECONDS = 300;

export function isResume(value: Action | Resume): value is Resume {
  const fields = value as Record<string, unknown>;
  return typeof fields.resume === 'string' && fields.action_type === undefined && fields.action === undefined;
}

export async function runAction<T>(api: RunApi, target: Action | Resume, fn: Execute<T>, options: RunOptions<T> = {}): Promise<T> {
  const resuming = isResume(target);
  let view = resuming ? await api.get(target.resume, { signal: options.signal }) : await api.submit(target, options.signal);
  if (view.status === 'pending') {
    await options.onPending?.(view);
    view = await api.waitForVerdict(view, { wait: options.wait ?? DEFAULT_WAIT_SECONDS, signal: options.signal });
  }
  switch (view.status) {
    case 'allowed':
    case 'review':
      if (resuming && (options.continues !== true || view.outcome !== undefined))
        throw new ActionAlreadyRun(view.id, view.outcome === undefined ? 'no_grant' : 'outcome_reported');
      return execute(api, view, fn, options);
    case 'approved':
      // The paused run redeemed the grant already; continuing it is the same execution.
      if (options.continues === true && view.grant?.used === true && view.outcome === undefined) return execute(api, view, fn, options);
      return execute(api, await redeem(api, view, options.signal), fn, options);
    case 'pending':
      throw new ApprovalPending(view);
    case 'denied':
    case 'cancelled':
      // Cancelled: the request ended without a decision (a workflow step failed); it must not run.
      throw new ActionDenied(view);
    case 'timed_out':
      throw new ApprovalTimedOut(view);
    case 'changes_requested':
      throw new ChangesRequested(view);
    case 'executed':
    case 'failed':
    case 'reversed':
      throw new ActionAlreadyRun(view.id, 'outcome_reported');
    default:
      throw new TollgateSdkError(`action \`${view.id}\` has status \`${String(view.status)}\`, which this SDK does not know`, view.id);
  }
}

async function redeem(api: RunApi, view: ActionView, signal: AbortSignal | undefined): Promise<ActionView> {
  if (view.grant === undefined) throw new TollgateSdkError(`action \`${view.id}\` is approved but the server showed no grant`, view.id);
  if (view.grant.used) throw new ActionAlreadyRun(view.id, 'grant_used');
  try {
    return await api.redeem(view, signal);
  } catch (error) {
    if (error instanceof TollgateRequestError && error.code === 'grant.used') throw new ActionAlreadyRun(view.id, 'grant_used');
    throw error;
  }
}

async function execute<T>(api: RunApi, view: ActionView, fn: Execute<T>, options: RunOptions<T>): Promise<T> {
  let result: T;
  try {
    result = await fn(view.action, view);
  } catch (error) {
    if (options.paused?.(error) === true) throw error;
    // The agent's own error matters more than a failure to record it.
    await report(api, view.id, failed(error)).catch(() => undefined);
    throw error;
  }
  const mapped = options.outcome?.(result, view.action);
  const outcome: OutcomeReport = mapped === undefined ? succeeded(result) : { status: 'succeeded', ...mapped };
  try {
    await report(api, view.id, outcome);
  } catch (error) {
    throw new OutcomeNotReported(view.id, result, error);
  }
  return result;
}

/** Reports an outcome, retrying a server that is briefly away; a reported one counts as done. */
async function report(api: RunApi, id: string, outcome: OutcomeReport): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await api.reportOutcome(id, outcome);
      return;
    } catch (error) {
      if (error instanceof TollgateRequestError && error.code === 'action.outcome_reported') return;
      if (!(error instanceof TollgateUnavailable) || attempt >= 4) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** attempt));
    }
  }
}
