// How a call that Tollgate did not let run reads to a model: the SDK error's message (denied
// with the reason, pending with the link, changes requested with the feedback…) as the tool result.

import { OutcomeNotReported, TollgateSdkError } from '../errors.js';

/** The tool result for an error thrown by a gated call; rethrows what is not Tollgate's. */
export function resultOfRefusal(error: unknown): unknown {
  // The tool did run; only its outcome was not recorded, so the model gets the real result.
  if (error instanceof OutcomeNotReported) return error.result;
  if (error instanceof TollgateSdkError) return `Tollgate: ${error.message}`;
  throw error;
}
