// The one error class the server throws for expected failures, and the table that maps its
// stable codes to HTTP statuses. docs/errors.md lists every code.

export interface ErrorDetails {
  /** The field or path the error is about, e.g. `body.verdict`. */
  field?: string;
  [key: string]: unknown;
}

export class TollgateError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details?: ErrorDetails,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TollgateError';
  }
}

/** HTTP status by code prefix or exact code; exact codes win. */
const STATUS_BY_CODE: Record<string, number> = {
  'request.invalid': 400,
  'request.too_large': 413,
  'request.unsupported_media_type': 415,
  'action.invalid': 400,
  'vote.invalid': 400,
  'auth.required': 401,
  'auth.invalid_credentials': 401,
  'auth.invalid_key': 401,
  'auth.forbidden': 403,
  'approval.not_eligible': 403,
  'approval.self_approval': 403,
  'approval.elicitation_not_allowed': 403,
  'job.capability_not_granted': 403,
  'job.own_request': 403,
  'request.not_found': 404,
  'action.not_found': 404,
  'approval.not_found': 404,
  'user.not_found': 404,
  'key.not_found': 404,
  'approval.closed': 409,
  'approval.already_voted': 409,
  'approval.stale_digest': 409,
  'action.conflict': 409,
  'action.not_approved': 409,
  'action.outcome_reported': 409,
  'grant.used': 409,
  'grant.digest_mismatch': 409,
  'grant.expired': 409,
  'grant.not_found': 404,
  'grant.held_by_workflow': 409,
  'user.exists': 409,
  'agent.not_found': 404,
  'question.invalid': 400,
  'question.invalid_answer': 400,
  'question.not_found': 404,
  'question.not_eligible': 403,
  'question.closed': 409,
  'review.not_allowed': 403,
  'review.invalid': 400,
  'review.closed': 409,
  'review.window_closed': 409,
  'review.not_reversible': 409,
  'review.not_executed': 409,
  'review.no_compensation': 409,
  'review.reversal_failed': 502,
  'job.not_found': 404,
  'job.lease_lost': 409,
  'job.not_active': 409,
  'approval.modification_refused': 400,
  'standing.not_allowed': 400,
  'standing.too_wide': 400,
  'standing.across_agents': 400,
  'standing.approve_only': 400,
  'standing.not_found': 404,
  'approval.separation_of_duties': 403,
  'approval.step_required': 400,
  'approval.unknown_step': 400,
  'approval.step_not_active': 409,
  'approval.invalid_delegate': 400,
  'policy.invalid': 422,
  'policy.secret_not_granted': 422,
  'policy.no_files': 409,
  'tenant.not_found': 404,
  'tenant.exists': 409,
  'simulate.busy': 503,
  'simulate.timeout': 504,
  'shadow.not_set': 404,
  'shadow.changed': 409,
  'notify.not_found': 404,
  'notify.not_dead': 409,
  'notify.not_configured': 404,
  'notify.bad_signature': 401,
  'notify.stale_request': 401,
  'notify.bad_payload': 400,
  'notify.unknown_slack_user': 403,
  'notify.wrong_tenant': 403,
  'notify.unknown_ticket': 404,
  'notify.unknown_ticket_user': 403,
  'notify.link_invalid': 404,
  'notify.link_used': 409,
  'notify.link_expired': 410,
  'outbound.refused': 403,
  'outbound.failed': 502,
  'request.rate_limited': 429,
  'request.too_many_open': 429,
  'server.unavailable': 503,
  'server.internal': 500,
};

export function statusOf(code: string): number {
  return STATUS_BY_CODE[code] ?? 500;
}

export const ERROR_CODES = Object.keys(STATUS_BY_CODE);

/** A 429 saying when to retry: the error handler copies `retry_after` to the Retry-After header. */
export function rateLimited(retryAfterMs: number, what: string): TollgateError {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return new TollgateError('request.rate_limited', `${what}; retry in ${seconds} s`, { retry_after: seconds });
}

export function notFound(what: 'action' | 'approval' | 'user' | 'key' | 'grant', id: string): TollgateError {
  return new TollgateError(`${what}.not_found`, `no ${what} \`${id}\``);
}
