// Gates tool calls of an agent framework or an MCP client: each call is an action. A call that
// is still waiting for people when the budget runs out (or when the caller gives up on it) is
// remembered, so that retrying the same call later resumes that action (and runs once with its
// grant) instead of asking again; a call that paused (a LangGraph interrupt) is continued.

import { canonicalJson } from './canonical-json.js';
import { ApprovalPending } from './errors.js';
import type { Execute, RunOptions } from './run.js';
import type { Tollgate } from './tollgate.js';
import type { Action } from './types.js';

export interface ToolGateOptions {
  /** Seconds to wait for people on each call before answering that approval is pending (default 30). */
  wait?: number;
}

export interface ToolCallRunOptions<T> extends Omit<RunOptions<T>, 'wait' | 'continues'> {
  /** Seconds to wait for people on this call, when it must answer sooner than the gate's `wait`. */
  wait?: number;
  /**
   * Names this one call across a pause (`paused`), e.g. its thread and tool call id: when it is
   * called again after pausing, it continues the same action.
   */
  callKey?: string;
  /** The framework says this call continues one that paused, perhaps in another process. */
  continues?: boolean;
}

export class ToolGate {
  /** Pending calls by their canonical action, each with the id of the action waiting for people. */
  private readonly pending = new Map<string, string>();
  /** Calls that paused inside the tool, by their `callKey`, with the id of their action. */
  private readonly paused = new Map<string, string>();

  constructor(
    readonly tollgate: Tollgate,
    private readonly options: ToolGateOptions = {},
  ) {}

  /**
   * Runs `execute` for the call once Tollgate lets it go ahead; throws the SDK's typed errors
   * otherwise (their messages are written to be shown to a model as the tool's result).
   */
  async call<T>(action: Action, execute: Execute<T>, options: ToolCallRunOptions<T> = {}): Promise<T> {
    const { callKey, wait, continues, ...run } = options;
    // A retry of the call may carry another idempotency key (another tool call id): it is the same call.
    const { idempotency_key: _key, ...call } = action;
    const key = canonicalJson(call);
    const pausedId = callKey === undefined ? undefined : this.paused.get(callKey);
    const waiting = this.pending.get(key);
    const resume = pausedId ?? waiting;
    let pendingId: string | undefined;
    let actionId: string | undefined;
    try {
      const result = await this.tollgate.run(
        resume === undefined ? action : { resume },
        (approved, view) => {
          actionId = view.id;
          return execute(approved, view);
        },
        {
          ...run,
          wait: Math.min(this.options.wait ?? 30, wait ?? Infinity),
          continues: pausedId !== undefined || continues === true,
          onPending: async (view) => {
            pendingId = view.id;
            await run.onPending?.(view);
          },
        },
      );
      this.forget(key, callKey);
      return result;
    } catch (error) {
      this.forget(key, callKey);
      if (error instanceof ApprovalPending && error.actionId !== undefined) this.pending.set(key, error.actionId);
      // The caller gave up (its own time limit, an abort) while people had not decided: the
      // request stays open for them, and the retry picks it up.
      else if (pendingId !== undefined && actionId === undefined && options.signal?.aborted === true) this.pending.set(key, pendingId);
      else if (callKey !== undefined && actionId !== undefined && run.paused?.(error) === true) this.paused.set(callKey, actionId);
      throw error;
    }
  }

  /** The ids of the actions still waiting for people, by their canonical action. */
  waiting(): ReadonlyMap<string, string> {
    return this.pending;
  }

  private forget(key: string, callKey: string | undefined): void {
    this.pending.delete(key);
    if (callKey !== undefined) this.paused.delete(callKey);
  }
}
