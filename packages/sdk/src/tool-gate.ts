// Gates tool calls of an agent framework or an MCP client: each call is an action. A call that
// is still waiting for people when the budget runs out is remembered, so that retrying the same
// call later resumes that action (and runs once with its grant) instead of asking again.

import { canonicalJson } from './canonical-json.js';
import { ApprovalPending } from './errors.js';
import type { Execute, RunOptions } from './run.js';
import type { Tollgate } from './tollgate.js';
import type { Action } from './types.js';

export interface ToolGateOptions {
  /** Seconds to wait for people on each call before answering that approval is pending (default 30). */
  wait?: number;
}

export class ToolGate {
  /** Pending calls by their canonical action, each with the id of the action waiting for people. */
  private readonly pending = new Map<string, string>();

  constructor(
    readonly tollgate: Tollgate,
    private readonly options: ToolGateOptions = {},
  ) {}

  /**
   * Runs `execute` for the call once Tollgate lets it go ahead; throws the SDK's typed errors
   * otherwise (their messages are written to be shown to a model as the tool's result).
   */
  async call<T>(action: Action, execute: Execute<T>, options: Omit<RunOptions<T>, 'wait'> = {}): Promise<T> {
    const key = canonicalJson(action);
    const waiting = this.pending.get(key);
    try {
      const result = await this.tollgate.run(waiting === undefined ? action : { resume: waiting }, execute, {
        ...options,
        wait: this.options.wait ?? 30,
      });
      this.pending.delete(key);
      return result;
    } catch (error) {
      if (error instanceof ApprovalPending && error.actionId !== undefined) this.pending.set(key, error.actionId);
      else this.pending.delete(key);
      throw error;
    }
  }

  /** The ids of the actions still waiting for people, by their canonical action. */
  waiting(): ReadonlyMap<string, string> {
    return this.pending;
  }
}
