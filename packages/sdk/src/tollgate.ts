// The agent's client: ask Tollgate before acting (`check`), or hand it the whole act (`run`):
// wait for people, execute once with the grant, and report what happened.

import { Http, type HttpOptions } from './http.js';
import { DEFAULT_WAIT_SECONDS, runAction, type Execute, type Resume, type RunApi, type RunOptions } from './run.js';
import { QuestionExpired, QuestionPending } from './errors.js';
import type { Action, ActionView, Answered, OutcomeReport, Question, QuestionView } from './types.js';
import { MAX_POLL_SECONDS, waitForVerdict } from './wait.js';
import { startWorker, type RunningWorker, type WorkerOptions } from './worker.js';

export type TollgateOptions = HttpOptions;

/** `ask()`'s input: a question to ask, or `{ resume: id }` for one asked earlier; `wait` in seconds in all (default 300; `Infinity` until answered). */
export type AskInput = (Question | { resume: string }) & { wait?: number; signal?: AbortSignal };

export class Tollgate implements RunApi {
  private readonly http: Http;

  constructor(options: TollgateOptions) {
    this.http = new Http(options);
  }

  get baseUrl(): string {
    return this.http.baseUrl;
  }

  /**
   * Submits the action and answers the decision at once, without waiting for people. The action
   * is recorded (and, when it needs approval, its approval request is opened): pass its id to
   * `run({ resume: id }, fn)` to execute it once people decide.
   */
  check(action: Action, options: { signal?: AbortSignal } = {}): Promise<ActionView> {
    return this.submit(action, options.signal);
  }

  /** Submits the action for a decision (POST /v1/actions) and answers at once. */
  async submit(action: Action, signal?: AbortSignal): Promise<ActionView> {
    if (typeof action !== 'object' || action === null || Array.isArray(action))
      throw new TypeError('the action must be an object with an `action_type`');
    return this.http.request<ActionView>('POST', '/v1/actions', { body: action, signal });
  }

  /** Reads an action; with `wait`, the server holds the answer until people decide (at most 60 s). */
  get(id: string, options: { wait?: number; signal?: AbortSignal | undefined } = {}): Promise<ActionView> {
    const wait = Math.min(MAX_POLL_SECONDS, Math.max(0, options.wait ?? 0));
    const query = wait > 0 ? `?wait=${wait}` : '';
    return this.http.request<ActionView>('GET', `/v1/actions/${encodeURIComponent(id)}${query}`, {
      waitSeconds: wait,
      signal: options.signal,
    });
  }

  /** Long-polls a pending action for up to `wait` seconds in all; answers it as it then stands. */
  waitForVerdict(view: ActionView, options: { wait: number; signal?: AbortSignal | undefined }): Promise<ActionView> {
    return waitForVerdict((id, wait, signal) => this.get(id, { wait, signal }), view, options);
  }

  /** Consumes the approved action's single-use grant; a second redemption is refused (`grant.used`). */
  redeem(view: ActionView, signal?: AbortSignal): Promise<ActionView> {
    if (view.grant === undefined) throw new TypeError(`action \`${view.id}\` has no grant to redeem`);
    return this.http.request<ActionView>('POST', '/v1/grants/redeem', {
      body: { grant: view.grant.token, digest: view.grant.digest },
      signal,
    });
  }

  reportOutcome(id: string, report: OutcomeReport): Promise<ActionView> {
    return this.http.request<ActionView>('POST', `/v1/actions/${encodeURIComponent(id)}/outcome`, { body: report });
  }

  /**
   * Records the answer of an MCP client's own user, asked in the client (MCP elicitation), as the
   * vote on a pending action whose rule says `elicitation: allowed`; bound to the digest they saw.
   */
  recordElicitedVote(
    id: string,
    vote: { verdict: 'approve' | 'deny'; digest: string; user: string; note?: string },
    signal?: AbortSignal,
  ): Promise<Record<string, unknown>> {
    return this.http.request<Record<string, unknown>>('POST', `/v1/actions/${encodeURIComponent(id)}/elicited-vote`, {
      body: vote,
      signal,
    });
  }

  /**
   * Runs `fn` only if Tollgate lets the action go ahead: waits for people when it needs approval,
   * redeems the grant before `fn` runs (so it runs at most once), and reports the outcome. Throws
   * `ActionDenied`, `ApprovalTimedOut`, `ChangesRequested`, `ApprovalPending` (budget spent) or
   * `TollgateUnavailable` without running `fn`. Pass `{ resume: id }` instead of an action to pick
   * up an action submitted earlier.
   */
  run<T>(action: Action | Resume, fn: Execute<T>, options?: RunOptions<T>): Promise<T> {
    return runAction(this, action, fn, options);
  }

  /**
   * Asks a person and resolves with their answer (the choices picked, any text, and who answered).
   * Long-polls for up to `wait` seconds in all, riding out a server that drops out for a while;
   * throws `QuestionExpired` when nobody answered before the question's deadline, and
   * `QuestionPending` (with the question's id) when the wait ran out first: `ask({ resume: id })`
   * waits on without asking again.
   */
  async ask(input: AskInput): Promise<Answered> {
    const { wait = DEFAULT_WAIT_SECONDS, signal, ...rest } = input;
    const started = Date.now();
    const first = Math.min(MAX_POLL_SECONDS, Math.max(0, wait));
    let view: QuestionView;
    if ('resume' in rest) view = await this.question(rest.resume, { wait: first, signal });
    else {
      if (typeof rest.question !== 'string') throw new TypeError('`question` must be the text to ask');
      view = await this.http.request<QuestionView>('POST', `/v1/questions${first > 0 ? `?wait=${first}` : ''}`, {
        body: rest,
        waitSeconds: first,
        signal,
      });
    }
    const remaining = Math.max(0, wait - (Date.now() - started) / 1000);
    view = await waitForVerdict((id, seconds, s) => this.question(id, { wait: seconds, signal: s }), view, { wait: remaining, signal });
    if (view.status === 'expired') throw new QuestionExpired(view);
    if (view.status !== 'answered' || view.answer === null) throw new QuestionPending(view);
    return { question_id: view.id, ...view.answer };
  }

  /** Reads a question this agent asked; with `wait`, the server holds the answer until someone answers (at most 60 s). */
  question(id: string, options: { wait?: number; signal?: AbortSignal | undefined } = {}): Promise<QuestionView> {
    const wait = Math.min(MAX_POLL_SECONDS, Math.max(0, options.wait ?? 0));
    return this.http.request<QuestionView>('GET', `/v1/questions/${encodeURIComponent(id)}${wait > 0 ? `?wait=${wait}` : ''}`, {
      waitSeconds: wait,
      signal: options.signal,
    });
  }

  /**
   * Works on workflow worker steps of one capability (an analysis, a deploy after approval):
   * takes jobs, heartbeats while `handler` runs, completes them with its output or fails them.
   * Needs a worker key serving `capability` (`tollgate keys create --worker NAME --capability C`);
   * an agent key submits actions and takes no jobs, so no agent is the worker of its own request.
   */
  worker(options: WorkerOptions): RunningWorker {
    return startWorker(this.http, options);
  }
}
