"""tollgate: the agent side of Tollgate for Python. `Tollgate(base_url, api_key)` checks and runs
actions through the policy, asks people questions, and works on the worker steps of workflows."""

from .client import DEFAULT_WAIT_SECONDS, Tollgate
from .errors import (
    ActionAlreadyRun,
    ActionDenied,
    ApprovalPending,
    ApprovalTimedOut,
    ChangesRequested,
    OutcomeNotReported,
    PermanentJobError,
    QuestionExpired,
    QuestionPending,
    TollgateRequestError,
    TollgateSdkError,
    TollgateUnavailable,
)
from .types import ActionView, Answered, ApprovalView, GrantView, Job, OutcomeView, QuestionAnswer, QuestionView
from .worker import RunningWorker

__all__ = [
    "DEFAULT_WAIT_SECONDS",
    "ActionAlreadyRun",
    "ActionDenied",
    "ActionView",
    "Answered",
    "ApprovalPending",
    "ApprovalTimedOut",
    "ApprovalView",
    "ChangesRequested",
    "GrantView",
    "Job",
    "OutcomeNotReported",
    "OutcomeView",
    "PermanentJobError",
    "QuestionAnswer",
    "QuestionExpired",
    "QuestionPending",
    "QuestionView",
    "RunningWorker",
    "Tollgate",
    "TollgateRequestError",
    "TollgateSdkError",
    "TollgateUnavailable",
]
