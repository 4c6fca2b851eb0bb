"""What `run` and the other calls raise, one class per way an action does not go ahead, so that
agents can tell a denial from a timeout, a request for changes, or an unreachable server."""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional


class TollgateSdkError(Exception):
    """The base of every error the SDK raises; `code` is stable, the message is for people and models."""

    code: str = "sdk.error"

    def __init__(self, message: str, action_id: Optional[str] = None) -> None:
        super().__init__(message)
        self.message = message
        #: The action the error is about, when there is one.
        self.action_id = action_id


def _deciding_note(view: Mapping[str, Any], verdict: str) -> Optional[str]:
    """The note of the person whose vote decided, else the request's resolution."""
    approval = view.get("approval") or {}
    for vote in reversed(approval.get("votes") or []):
        if vote.get("verdict") == verdict and vote.get("note") is not None:
            return str(vote["note"])
    resolution = approval.get("resolution")
    return None if resolution is None else str(resolution)


def _reasons_of(view: Mapping[str, Any]) -> List[str]:
    texts = [r.get("reason") or r.get("name") or "" for r in view.get("reasons") or []]
    return [text for text in texts if text != ""]


class ActionDenied(TollgateSdkError):
    """The policy or a person refused the action; it must not run."""

    code = "sdk.denied"

    def __init__(self, view: Mapping[str, Any]) -> None:
        by_person = view.get("decision") == "REQUIRE_APPROVAL"
        note = _deciding_note(view, "deny") if by_person else None
        reasons = _reasons_of(view)
        why = (note or "no reason given") if by_person else ("; ".join(reasons) or "the policy denies it")
        super().__init__(
            f"action `{view['id']}` was denied by {'an approver' if by_person else 'the policy'}: {why}", view["id"]
        )
        self.view = view
        #: `policy` when the policy decided DENY, `person` when an approver denied it.
        self.denied_by = "person" if by_person else "policy"
        #: The policy's reasons (rule names and their stated reasons).
        self.reasons = reasons
        #: The approver's reason, when a person denied it.
        self.note = note


class ApprovalTimedOut(TollgateSdkError):
    """Nobody decided before the approval request's deadline; this is not a denial by a person."""

    code = "sdk.timed_out"

    def __init__(self, view: Mapping[str, Any]) -> None:
        super().__init__(f"the approval request for action `{view['id']}` timed out before anyone decided", view["id"])
        self.view = view
        self.approval = view.get("approval")


class ChangesRequested(TollgateSdkError):
    """People sent the action back: revise it and submit again with `revision_of: error.revision_of`."""

    code = "sdk.changes_requested"

    def __init__(self, view: Mapping[str, Any]) -> None:
        feedback = _deciding_note(view, "request_changes") or ""
        super().__init__(
            f"changes were requested for action `{view['id']}`: {feedback or 'no feedback given'}", view["id"]
        )
        self.view = view
        self.feedback = feedback
        #: The id to pass as `revision_of` when resubmitting.
        self.revision_of: str = view["id"]


class ApprovalPending(TollgateSdkError):
    """The wait budget ran out while people have not decided yet; resume later with the action id."""

    code = "sdk.pending"

    def __init__(self, view: Mapping[str, Any]) -> None:
        url = (view.get("approval") or {}).get("url")
        where = "" if url is None else f" {url}"
        super().__init__(
            f"pending approval{where}; retry the same call after a person approves it (action `{view['id']}`)",
            view["id"],
        )
        self.view = view
        #: Where people decide.
        self.url: Optional[str] = url


_ALREADY_RUN = {
    "grant_used": "its grant was redeemed already",
    "outcome_reported": "its outcome was reported already",
    "no_grant": "it was allowed without a grant, so whether it ran before cannot be known",
}


class ActionAlreadyRun(TollgateSdkError):
    """The action was (or may have been) executed already, so it is not run again: its grant was
    redeemed, its outcome was reported, or it was allowed without a grant that could prove otherwise."""

    code = "sdk.already_run"

    def __init__(self, action_id: str, reason: str) -> None:
        super().__init__(f"action `{action_id}` is not run again: {_ALREADY_RUN[reason]}", action_id)
        #: `grant_used`, `outcome_reported` or `no_grant`.
        self.reason = reason


class OutcomeNotReported(TollgateSdkError):
    """The function ran, but its outcome could not be recorded; `result` is what it returned."""

    code = "sdk.outcome_not_reported"

    def __init__(self, action_id: str, result: Any, cause: BaseException) -> None:
        super().__init__(f"action `{action_id}` ran, but its outcome could not be reported: {message_of(cause)}", action_id)
        self.result = result
        self.__cause__ = cause


class TollgateUnavailable(TollgateSdkError):
    """The Tollgate server could not be reached, or answered that it cannot serve now."""

    code = "sdk.unavailable"

    def __init__(self, url: str, cause: Any, action_id: Optional[str] = None) -> None:
        super().__init__(f"tollgate at {url} is unavailable: {message_of(cause)}", action_id)
        self.url = url
        if isinstance(cause, BaseException):
            self.__cause__ = cause


class TollgateRequestError(TollgateSdkError):
    """The server refused a request: `code` is the server's stable error code (`action.invalid`, ...)."""

    def __init__(self, status: int, code: str, message: str, details: Optional[Dict[str, Any]] = None) -> None:
        field = details.get("field") if details else None
        suffix = f" (field `{field}`)" if isinstance(field, str) else ""
        action_id = details.get("action_id") if details else None
        super().__init__(f"{code}: {message}{suffix}", action_id if isinstance(action_id, str) else None)
        self.status = status
        self.code = code
        self.details = details


class QuestionExpired(TollgateSdkError):
    """Nobody answered the question before its deadline (and any escalation); it is closed unanswered."""

    code = "sdk.question_expired"

    def __init__(self, question: Mapping[str, Any]) -> None:
        super().__init__(f"nobody answered the question `{question['id']}` in time; decide without the answer, or ask again")
        self.question = question


class QuestionPending(TollgateSdkError):
    """The wait budget ran out before anyone answered; `ask(resume=id)` waits on."""

    code = "sdk.question_pending"

    def __init__(self, question: Mapping[str, Any]) -> None:
        super().__init__(
            f"the question `{question['id']}` is not answered yet; ask again with `resume='{question['id']}'` to keep waiting"
        )
        self.question = question


class PermanentJobError(Exception):
    """Raised by a worker's handler for a failure that retrying cannot fix: the step fails at once."""


def message_of(error: Any) -> str:
    if isinstance(error, BaseException):
        text = str(error) or type(error).__name__
        cause = error.__cause__
        return f"{text} ({cause})" if cause is not None and str(cause) else text
    return str(error)
