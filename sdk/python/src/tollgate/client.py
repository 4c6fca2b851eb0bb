"""The agent's client: ask Tollgate before acting (`check`), or hand it the whole act (`run`): wait
for people, execute once with the grant, and report what happened. Also `ask()` a person, and
`worker()` for the worker steps of a workflow."""

from __future__ import annotations

import math
import os
import time
import urllib.parse
from typing import Any, Callable, Dict, List, Mapping, Optional, TypeVar, Union, cast

from ._http import Http
from ._outcome import failed, succeeded
from ._wait import MAX_POLL_SECONDS, poll_seconds, wait_for_verdict, wait_query
from .errors import (
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
)
from .types import ActionView, Answered, QuestionView
from .worker import Handler, RunningWorker

T = TypeVar("T")

#: Seconds `run` and `ask` wait for people in all, unless told otherwise.
DEFAULT_WAIT_SECONDS = 300.0

#: The agent's work: gets the action as approved (possibly modified by a person) and its view.
Execute = Callable[[Dict[str, Any], ActionView], T]


def _id(path_part: str) -> str:
    return urllib.parse.quote(path_part, safe="")


def _seconds(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or math.isnan(value):
        raise ValueError(f"`{name}` must be a number of seconds, 0 or more (math.inf waits until people decide)")
    return float(value)


def _is_resume(target: Mapping[str, Any]) -> bool:
    return isinstance(target.get("resume"), str) and "action_type" not in target and "action" not in target


class Tollgate:
    """A client of one Tollgate server, with an agent key (or a worker key for `worker`).

    `base_url` and `api_key` default to the environment's TOLLGATE_URL and TOLLGATE_API_KEY.
    """

    def __init__(
        self, base_url: Optional[str] = None, api_key: Optional[str] = None, *, request_timeout: float = 30.0
    ) -> None:
        self._http = Http(
            base_url if base_url is not None else os.environ.get("TOLLGATE_URL", ""),
            api_key if api_key is not None else os.environ.get("TOLLGATE_API_KEY", ""),
            request_timeout,
        )

    @property
    def base_url(self) -> str:
        return self._http.base_url

    # Actions

    def check(self, action: Mapping[str, Any]) -> ActionView:
        """Submits the action and answers the decision at once, without waiting for people. The action
        is recorded (and, when it needs approval, its approval request is opened): pass its id to
        `run({"resume": id}, fn)` to execute it once people decide."""
        return self.submit(action)

    def submit(self, action: Mapping[str, Any]) -> ActionView:
        """Submits the action for a decision (POST /v1/actions) and answers at once."""
        if not isinstance(action, Mapping):
            raise TypeError("`action` must be a dict with an `action_type`")
        return cast(ActionView, self._http.request("POST", "/v1/actions", dict(action)))

    def get(self, action_id: str, wait: float = 0) -> ActionView:
        """Reads an action; with `wait`, the server holds the answer until people decide (at most 60 s)."""
        if not isinstance(action_id, str) or action_id == "":
            raise ValueError("`action_id` must be the id of an action")
        seconds = poll_seconds(_seconds("wait", wait))
        return cast(
            ActionView, self._http.request("GET", f"/v1/actions/{_id(action_id)}{wait_query(seconds)}", wait_seconds=seconds)
        )

    def wait_for_verdict(self, view: ActionView, wait: float) -> ActionView:
        """Long-polls a pending action for up to `wait` seconds in all; answers it as it then stands."""
        return cast(ActionView, wait_for_verdict(lambda i, s: cast(Dict[str, Any], self.get(i, s)), cast(Dict[str, Any], view), wait))

    def redeem(self, view: ActionView) -> ActionView:
        """Consumes the approved action's single-use grant; a second redemption is refused (`grant.used`)."""
        grant = view.get("grant")
        if grant is None:
            raise TollgateSdkError(f"action `{view.get('id')}` has no grant to redeem", view.get("id"))
        body = {"grant": grant["token"], "digest": grant["digest"]}
        return cast(ActionView, self._http.request("POST", "/v1/grants/redeem", body))

    def report_outcome(self, action_id: str, report: Mapping[str, Any]) -> ActionView:
        """Reports what happened: `{"status": "succeeded" | "failed", "detail": ..., "compensation": {...}}`."""
        if not isinstance(report, Mapping) or report.get("status") not in ("succeeded", "failed"):
            raise ValueError("`report.status` must be `succeeded` or `failed`")
        return cast(ActionView, self._http.request("POST", f"/v1/actions/{_id(action_id)}/outcome", dict(report)))

    def run(
        self,
        action: Mapping[str, Any],
        fn: Callable[[Dict[str, Any], ActionView], T],
        *,
        wait: float = DEFAULT_WAIT_SECONDS,
        on_pending: Optional[Callable[[ActionView], None]] = None,
        outcome: Optional[Callable[[T, Dict[str, Any]], Mapping[str, Any]]] = None,
        paused: Optional[Callable[[Exception], bool]] = None,
        continues: bool = False,
    ) -> T:
        """Runs `fn(action, view)` only if Tollgate lets the action go ahead: waits for people when it
        needs approval, redeems the grant before `fn` runs (so it runs at most once), and reports the
        outcome. Raises `ActionDenied`, `ApprovalTimedOut`, `ChangesRequested`, `ApprovalPending`
        (budget spent) or `TollgateUnavailable` without running `fn`. Pass `{"resume": id}` instead of
        an action to pick up an action submitted earlier; `ActionAlreadyRun` if it may have run."""
        if not isinstance(action, Mapping):
            raise TypeError('`action` must be a dict with an `action_type`, or {"resume": action_id}')
        if not callable(fn):
            raise TypeError("`fn` must be a function (action, view) -> result")
        budget = _seconds("wait", wait)
        resuming = _is_resume(action)
        view = self.get(action["resume"]) if resuming else self.submit(action)
        if view.get("status") == "pending":
            if on_pending is not None:
                on_pending(view)
            view = self.wait_for_verdict(view, budget)
        status = view.get("status")
        action_id = view["id"]
        if status in ("allowed", "review"):
            if resuming and (not continues or "outcome" in view):
                raise ActionAlreadyRun(action_id, "no_grant" if "outcome" not in view else "outcome_reported")
            return self._execute(view, fn, outcome, paused)
        if status == "approved":
            # The paused run redeemed the grant already; continuing it is the same execution.
            grant = view.get("grant")
            if continues and grant is not None and grant.get("used") and "outcome" not in view:
                return self._execute(view, fn, outcome, paused)
            return self._execute(self._redeem_once(view), fn, outcome, paused)
        if status == "pending":
            raise ApprovalPending(view)
        if status in ("denied", "cancelled"):
            # Cancelled: the request ended without a decision (a workflow step failed); it must not run.
            raise ActionDenied(view)
        if status == "timed_out":
            raise ApprovalTimedOut(view)
        if status == "changes_requested":
            raise ChangesRequested(view)
        if status in ("executed", "failed", "reversed"):
            raise ActionAlreadyRun(action_id, "outcome_reported")
        raise TollgateSdkError(f"action `{action_id}` has status `{status}`, which this SDK does not know", action_id)

    def _redeem_once(self, view: ActionView) -> ActionView:
        grant = view.get("grant")
        if grant is None:
            raise TollgateSdkError(f"action `{view['id']}` is approved but the server showed no grant", view["id"])
        if grant.get("used"):
            raise ActionAlreadyRun(view["id"], "grant_used")
        try:
            return self.redeem(view)
        except TollgateRequestError as error:
            if error.code == "grant.used":
                raise ActionAlreadyRun(view["id"], "grant_used") from error
            raise

    def _execute(
        self,
        view: ActionView,
        fn: Callable[[Dict[str, Any], ActionView], T],
        outcome: Optional[Callable[[T, Dict[str, Any]], Mapping[str, Any]]],
        paused: Optional[Callable[[Exception], bool]],
    ) -> T:
        try:
            result = fn(view["action"], view)
        except Exception as error:
            # (A KeyboardInterrupt or SystemExit is left unreported, as a crash is: the grant is
            # used, so the action is not run again, and a person sees it ran with no outcome.)
            if paused is not None and paused(error):
                raise
            # The agent's own error matters more than a failure to record it.
            try:
                self._report(view["id"], failed(error))
            except Exception:
                pass
            raise
        mapped = outcome(result, view["action"]) if outcome is not None else None
        report = succeeded(result) if mapped is None else {"status": "succeeded", **mapped}
        try:
            self._report(view["id"], report)
        except Exception as error:
            raise OutcomeNotReported(view["id"], result, error) from error
        return result

    def _report(self, action_id: str, report: Mapping[str, Any]) -> None:
        """Reports an outcome, retrying a server that is briefly away; a reported one counts as done."""
        attempt = 1
        while True:
            try:
                self.report_outcome(action_id, report)
                return
            except TollgateRequestError as error:
                if error.code == "action.outcome_reported":
                    return
                raise
            except TollgateUnavailable:
                if attempt >= 4:
                    raise
                time.sleep(0.25 * 2**attempt)
                attempt += 1

    # Questions

    def ask(
        self,
        question: Optional[str] = None,
        *,
        choices: Optional[List[str]] = None,
        multiple: Optional[bool] = None,
        free_text: Optional[bool] = None,
        context: Optional[Mapping[str, Any]] = None,
        urgency: Optional[str] = None,
        resume: Optional[str] = None,
        wait: float = DEFAULT_WAIT_SECONDS,
    ) -> Answered:
        """Asks a person and returns their answer (the choices picked, any text, and who answered).
        Long-polls for up to `wait` seconds in all, riding out a server that drops out for a while;
        raises `QuestionExpired` when nobody answered before the question's deadline, and
        `QuestionPending` (with the question's id) when the wait ran out first:
        `ask(resume=error.question["id"])` waits on without asking again."""
        budget = _seconds("wait", wait)
        started = time.monotonic()
        first = poll_seconds(budget)
        if resume is not None:
            if question is not None:
                raise ValueError("give either `question` (to ask) or `resume` (to wait on one asked earlier), not both")
            view = self.question(resume, first)
        else:
            if not isinstance(question, str):
                raise TypeError("`question` must be the text to ask")
            body: Dict[str, Any] = {"question": question}
            for name, value in (
                ("choices", choices),
                ("multiple", multiple),
                ("free_text", free_text),
                ("context", context),
                ("urgency", urgency),
            ):
                if value is not None:
                    body[name] = dict(value) if isinstance(value, Mapping) else value
            view = cast(QuestionView, self._http.request("POST", f"/v1/questions{wait_query(first)}", body, wait_seconds=first))
        remaining = max(0.0, budget - (time.monotonic() - started))
        view = cast(
            QuestionView,
            wait_for_verdict(lambda i, s: cast(Dict[str, Any], self.question(i, s)), cast(Dict[str, Any], view), remaining),
        )
        if view.get("status") == "expired":
            raise QuestionExpired(view)
        answer = view.get("answer")
        if view.get("status") != "answered" or answer is None:
            raise QuestionPending(view)
        return {
            "question_id": view["id"],
            "choices": answer["choices"],
            "text": answer["text"],
            "answered_by": answer["answered_by"],
            "answered_at": answer["answered_at"],
        }

    def question(self, question_id: str, wait: float = 0) -> QuestionView:
        """Reads a question this agent asked; with `wait`, the server holds the answer until someone answers (at most 60 s)."""
        if not isinstance(question_id, str) or question_id == "":
            raise ValueError("`resume` must be the id of a question asked earlier")
        seconds = poll_seconds(_seconds("wait", wait))
        return cast(
            QuestionView,
            self._http.request("GET", f"/v1/questions/{_id(question_id)}{wait_query(seconds)}", wait_seconds=seconds),
        )

    # Workers

    def worker(
        self,
        capability: str,
        handler: Handler,
        *,
        wait: float = 30,
        heartbeat: float = 10,
        on_error: Optional[Callable[[BaseException], None]] = None,
    ) -> RunningWorker:
        """Works on workflow worker steps of one capability on a background thread: takes jobs
        (long-polls of `wait` seconds, at most 60), heartbeats every `heartbeat` seconds while
        `handler(job, lost)` runs, completes the job with its return value or fails it (a
        `PermanentJobError` fails the step at once). `lost` is set when the lease was lost. Needs a
        worker key serving `capability` (`tollgate keys create --worker NAME --capability C`)."""
        if not isinstance(capability, str) or capability == "":
            raise ValueError("`capability` must name the kind of job to take")
        if not callable(handler):
            raise TypeError("`handler` must be a function (job, lost) -> output")
        _seconds("wait", wait)
        if _seconds("heartbeat", heartbeat) <= 0:
            raise ValueError("`heartbeat` must be a number of seconds, more than 0")
        return RunningWorker(self._http, capability, handler, wait, heartbeat, on_error)


__all__ = ["Tollgate", "DEFAULT_WAIT_SECONDS", "MAX_POLL_SECONDS", "Execute"]
