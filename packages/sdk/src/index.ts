// @tollgate/sdk: the agent side of Tollgate. Framework adapters live in the subpath exports
// `@tollgate/sdk/ai`, `@tollgate/sdk/openai-agents` and `@tollgate/sdk/langchain`.

export { Tollgate, type AskInput, type TollgateOptions } from './tollgate.js';
export { DEFAULT_WAIT_SECONDS, type Execute, type Resume, type RunOptions } from './run.js';
export { ToolGate, type ToolGateOptions } from './tool-gate.js';
export { PermanentJobError, type Job, type RunningWorker, type WorkerOptions } from './worker.js';
export {
  ActionAlreadyRun,
  ActionDenied,
  ApprovalPending,
  ApprovalTimedOut,
  ChangesRequested,
  OutcomeNotReported,
  QuestionExpired,
  QuestionPending,
  TollgateRequestError,
  TollgateSdkError,
  TollgateUnavailable,
} from './errors.js';
export { canonicalJson } from './canonical-json.js';
export type { FetchLike } from './http.js';
export type * from './types.js';
