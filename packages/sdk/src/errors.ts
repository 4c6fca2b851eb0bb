// What `run` and the other calls throw, one class per way an action does not go ahead, so that
// agents can tell a denial from a timeout, a request for changes, or an unreachable server.

import type { ActionView, ApprovalView, QuestionView } from './types.js';

/** The base of every error the SDK throws; `code` is stable, the message is for people and models. */
export class TollgateSdkError extends Error {
  readonly code: string = 'sdk.error';
  /** The action the error is about, when there is one. */
  readonly actionId: string | undefined;

  constructor(message: string, actionId?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.actionId = actionId;
  }
}

/** The note of the person whose vote decided (`deny` or `request_changes`), else the request's resolution. */
function decidingNote(view: ActionView, verdict: 'deny' | 'request_changes'): string | null {
  const vote = view.approval?.votes.findLast((v) => v.verdict === verdict && v.note !== null);
  return vote?.note ?? view.approval?.resolution ?? null;
}

function reasonsOf(view: ActionView): string[] {
  return view.reasons.map((reason) => reason.reason || reason.name).filter((text) => text !== '');
}

/** The policy or a person refused the action; it must not run. */
export class ActionDenied extends TollgateSdkError {
  override readonly code = 'sdk.denied';
  /** `policy` when the policy decided DENY, `person` when an approver denied it. */
  readonly deniedBy: 'policy' | 'person';
  /** The policy's reasons (rule names and their stated reasons). */
  readonly reasons: string[];
  /** The approver's reason, when a person denied it. */
  readonly note: string | null;

  constructor(readonly view: ActionView) {
    const byPerson = view.decision === 'REQUIRE_APPROVAL';
    const note = byPerson ? decidingNote(view, 'deny') : null;
    const reasons = reasonsOf(view);
    const why = byPerson ? (note ?? 'no reason given') : reasons.join('; ') || 'the policy denies it';
    super(`action \`${view.id}\` was denied by ${byPerson ? 'an approver' : 'the policy'}: ${why}`, view.id);
    this.deniedBy = byPerson ? 'person' : 'policy';
    this.reasons = reasons;
    this.note = note;
  }
}

/** Nobody decided before the approval request's deadline; this is not a denial by a person. */
export class ApprovalTimedOut extends TollgateSdkError {
  override readonly code = 'sdk.timed_out';
  readonly approval: ApprovalView | undefined;

  constructor(readonly view: ActionView) {
    super(`the approval request for action \`${view.id}\` timed out before anyone decided`, view.id);
    this.approval = view.approval;
  }
}

/** People sent the action back: revise it and submit again with `revision_of: actionId`. */
export class ChangesRequested extends TollgateSdkError {
  override readonly code = 'sdk.changes_requested';
  readonly feedback: string;
  /** The id to pass as `revision_of` when resubmitting. */
  readonly revisionOf: string;

  constructor(readonly view: ActionView) {
    const feedback = decidingNote(view, 'request_changes') ?? '';
    super(`changes were requested for action \`${view.id}\`: ${feedback || 'no feedback given'}`, view.id);
    this.feedback = feedback;
    this.revisionOf = view.id;
  }
}

/** The wait budget ran out while people have not decided yet; resume later with the action id. */
export class ApprovalPending extends TollgateSdkError {
  override readonly code = 'sdk.pending';
  /** Where people decide. */
  readonly url: string | undefined;

  constructor(readonly view: ActionView) {
    const url = view.approval?.url;
    super(
      `pending approval${url === undefined ? '' : ` ${url}`}; retry the same call after a person approves it (action \`${view.id}\`)`,
      view.id,
    );
    this.url = url;
  }
}

/**
 * The action was (or may have been) executed already, so it is not run again: its grant was
 * redeemed, its outcome was reported, or it was allowed without a grant that could prove otherwise.
 */
export class ActionAlreadyRun extends TollgateSdkError {
  override readonly code = 'sdk.already_run';

  constructor(
    actionId: string,
    readonly reason: 'grant_used' | 'outcome_reported' | 'no_grant',
  ) {
    const why = {
      grant_used: 'its grant was redeemed already',
      outcome_reported: 'its outcome was reported already',
      no_grant: 'it was allowed without a grant, so whether it ran before cannot be known',
    }[reason];
    super(`action \`${actionId}\` is not run again: ${why}`, actionId);
  }
}

/** The function ran, but its outcome could not be recorded; `result` is what it returned. */
export class OutcomeNotReported extends TollgateSdkError {
  override readonly code = 'sdk.outcome_not_reported';

  constructor(
    actionId: string,
    readonly result: unknown,
    cause: unknown,
  ) {
    super(`action \`${actionId}\` ran, but its outcome could not be reported: ${messageOf(cause)}`, actionId, { cause });
  }
}

/** The Tollgate server could not be reached, or answered that it cannot serve now. */
export class TollgateUnavailable extends TollgateSdkError {
  override readonly code = 'sdk.unavailable';

  constructor(
    readonly url: string,
    cause: unknown,
    actionId?: string,
  ) {
    super(`tollgate at ${url} is unavailable: ${messageOf(cause)}`, actionId, { cause });
  }
}

/** The server refused a request: `code` is the server's stable error code (`action.invalid`, …). */
export class TollgateRequestError extends TollgateSdkError {
  override readonly code: string;

  constructor(
    readonly status: number,
    code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    const field = typeof details?.field === 'string' ? ` (field \`${details.field}\`)` : '';
    super(`${code}: ${message}${field}`, typeof details?.action_id === 'string' ? details.action_id : undefined);
    this.code = code;
  }
}

export function messageOf(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
    return `${error.message}${cause}`;
  }
  return String(error);
}

/** Nobody answered the question before its deadline (and any escalation); it is closed unanswered. */
export class QuestionExpired extends TollgateSdkError {
  override readonly code = 'sdk.question_expired';

  constructor(readonly question: QuestionView) {
    super(`nobody answered the question \`${question.id}\` in time; decide without the answer, or ask again`);
  }
}

/** The wait budget ran out before anyone answered; `ask({ resume: id })` waits on. */
export class QuestionPending extends TollgateSdkError {
  override readonly code = 'sdk.question_pending';

  constructor(readonly question: QuestionView) {
    super(`the question \`${question.id}\` is not answered yet; ask again with \`resume: '${question.id}'\` to keep waiting`);
  }
}
