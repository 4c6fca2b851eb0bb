"""The SDK against a real Tollgate server: allow, deny, an approval while waiting, changes
requested, pending then resumed by id, at most once after a crash, outcomes reported once, a
worker completing a job, and a question answered."""

from __future__ import annotations

import threading
import unittest
from typing import Any, Dict, List

from tollgate import (
    ActionAlreadyRun,
    ActionDenied,
    ApprovalPending,
    ChangesRequested,
    PermanentJobError,
    QuestionPending,
    Tollgate,
    TollgateRequestError,
)

from .harness import URL, WORKER_KEY, as_person, eventually, in_background, join_clean, live, unique, vote


@live
class RunTest(unittest.TestCase):
    def setUp(self) -> None:
        self.tollgate = Tollgate()  # TOLLGATE_URL and TOLLGATE_API_KEY
        self.calls: List[Dict[str, Any]] = []
        self.ids: List[str] = []

    def work(self, action: Dict[str, Any], view: Any) -> Dict[str, Any]:
        self.calls.append(action)
        self.ids.append(view["id"])
        return {"done": action["action_type"]}

    def test_allowed_action_runs_once_and_reports_its_outcome(self) -> None:
        result = self.tollgate.run({"action_type": "read_report", "ticket": unique()}, self.work)
        self.assertEqual(result, {"done": "read_report"})
        self.assertEqual(len(self.calls), 1)
        view = self.tollgate.get(self.ids[0])
        self.assertEqual(view["status"], "executed")
        self.assertEqual(view["outcome"]["status"], "succeeded")
        self.assertEqual(view["outcome"]["detail"], '{"done":"read_report"}')

    def test_policy_denial_raises_without_running(self) -> None:
        with self.assertRaises(ActionDenied) as caught:
            self.tollgate.run({"action_type": "drop_table", "table": "users", "ticket": unique()}, self.work)
        self.assertEqual(caught.exception.denied_by, "policy")
        self.assertIn("dropping tables is never allowed", caught.exception.reasons)
        self.assertEqual(caught.exception.code, "sdk.denied")
        self.assertEqual(self.calls, [])

    def test_approval_while_waiting_redeems_the_grant_then_runs(self) -> None:
        people: List[threading.Thread] = []
        seen: List[Any] = []

        def on_pending(view: Any) -> None:
            seen.append(view)
            people.append(in_background(lambda: vote(view, "approve")))

        def deploy(action: Dict[str, Any], view: Any) -> str:
            # The grant is used before the function runs: a second process could not run it too.
            self.assertTrue(view["grant"]["used"])
            self.calls.append(action)
            return "deployed"

        result = self.tollgate.run(
            {"action_type": "deploy", "service": "checkout", "ticket": unique()}, deploy, wait=30, on_pending=on_pending
        )
        join_clean(people[0])
        self.assertEqual(result, "deployed")
        self.assertEqual(len(self.calls), 1)
        view = self.tollgate.get(seen[0]["id"])
        self.assertEqual(view["status"], "executed")
        self.assertEqual(view["outcome"]["detail"], "deployed")

    def test_person_denial_while_waiting_carries_the_note(self) -> None:
        people: List[threading.Thread] = []
        on_pending = lambda view: people.append(in_background(lambda: vote(view, "deny", "freeze until Monday")))
        with self.assertRaises(ActionDenied) as caught:
            self.tollgate.run({"action_type": "deploy", "ticket": unique()}, self.work, wait=30, on_pending=on_pending)
        join_clean(people[0])
        self.assertEqual(caught.exception.denied_by, "person")
        self.assertEqual(caught.exception.note, "freeze until Monday")
        self.assertEqual(self.calls, [])

    def test_changes_requested_names_the_action_to_revise(self) -> None:
        people: List[threading.Thread] = []
        on_pending = lambda view: people.append(in_background(lambda: vote(view, "request_changes", "use the canary")))
        with self.assertRaises(ChangesRequested) as caught:
            self.tollgate.run({"action_type": "deploy", "ticket": unique()}, self.work, wait=30, on_pending=on_pending)
        join_clean(people[0])
        self.assertEqual(caught.exception.feedback, "use the canary")
        self.assertEqual(caught.exception.revision_of, caught.exception.action_id)
        self.assertEqual(self.calls, [])

    def test_pending_then_resumed_by_id_runs_once(self) -> None:
        action = {"action_type": "deploy", "ticket": unique()}
        with self.assertRaises(ApprovalPending) as caught:
            self.tollgate.run(action, self.work, wait=0)
        pending = caught.exception
        self.assertIsNotNone(pending.url)
        self.assertEqual(self.calls, [])
        vote(self.tollgate.get(pending.action_id or ""), "approve")

        # A restarted process picks the action up by its id.
        restarted = Tollgate(URL, self.tollgate._http._api_key)
        self.assertEqual(restarted.run({"resume": pending.action_id}, self.work), {"done": "deploy"})
        self.assertEqual(len(self.calls), 1)
        with self.assertRaises(ActionAlreadyRun) as again:
            restarted.run({"resume": pending.action_id}, self.work)
        self.assertEqual(again.exception.reason, "outcome_reported")
        self.assertEqual(len(self.calls), 1)

    def test_a_retried_identical_call_after_approval_runs_that_action_once(self) -> None:
        action = {"action_type": "deploy", "service": "search", "ticket": unique()}
        with self.assertRaises(ApprovalPending) as caught:
            self.tollgate.run(action, self.work, wait=0)
        vote(self.tollgate.get(caught.exception.action_id or ""), "approve")
        self.assertEqual(self.tollgate.run(action, self.work), {"done": "deploy"})
        self.assertEqual(self.ids, [caught.exception.action_id])

    def test_a_grant_redeemed_before_a_crash_is_never_run_again(self) -> None:
        view = self.tollgate.check({"action_type": "deploy", "ticket": unique()})
        self.assertEqual(view["status"], "pending")
        vote(view, "approve")
        # The first process redeemed the grant, then crashed before reporting anything.
        self.tollgate.redeem(self.tollgate.get(view["id"]))
        with self.assertRaises(ActionAlreadyRun) as caught:
            self.tollgate.run({"resume": view["id"]}, self.work)
        self.assertEqual(caught.exception.reason, "grant_used")
        self.assertEqual(self.calls, [])

    def test_an_allowed_action_is_not_resumed(self) -> None:
        view = self.tollgate.check({"action_type": "read_report", "ticket": unique()})
        self.assertEqual(view["status"], "allowed")
        with self.assertRaises(ActionAlreadyRun) as caught:
            self.tollgate.run({"resume": view["id"]}, self.work)
        self.assertEqual(caught.exception.reason, "no_grant")

    def test_the_outcome_is_reported_once_and_a_failure_is_reported_as_failed(self) -> None:
        ids: List[str] = []

        def broken(action: Dict[str, Any], view: Any) -> None:
            ids.append(view["id"])
            raise RuntimeError("disk full")

        with self.assertRaisesRegex(RuntimeError, "disk full"):
            self.tollgate.run({"action_type": "read_report", "ticket": unique()}, broken)
        view = self.tollgate.get(ids[0])
        self.assertEqual(view["status"], "failed")
        self.assertEqual(view["outcome"], {**view["outcome"], "status": "failed", "detail": "disk full"})
        with self.assertRaises(TollgateRequestError) as second:
            self.tollgate.report_outcome(ids[0], {"status": "succeeded"})
        self.assertEqual(second.exception.code, "action.outcome_reported")
        self.assertEqual(self.tollgate.get(ids[0])["outcome"]["status"], "failed")

    def test_a_malformed_action_is_refused_naming_the_field(self) -> None:
        with self.assertRaises(TollgateRequestError) as caught:
            self.tollgate.run({"action_type": "deploy", "confidence": "very"}, self.work)
        self.assertEqual(caught.exception.code, "action.invalid")
        self.assertEqual(caught.exception.status, 400)
        self.assertIn("confidence", str(caught.exception))
        self.assertEqual(self.calls, [])


@live
class WorkerTest(unittest.TestCase):
    def test_a_worker_completes_the_analysis_job(self) -> None:
        agent = Tollgate()
        taken: List[Any] = []
        errors: List[BaseException] = []

        def analyse(job: Any, lost: threading.Event) -> Dict[str, Any]:
            taken.append(job)
            return {"risk": "low", "service": job["action"]["service"]}

        running = Tollgate(URL, WORKER_KEY).worker("analyzer", analyse, wait=1, heartbeat=0.2, on_error=errors.append)
        try:
            view = agent.check({"action_type": "checked_deploy", "service": "checkout", "ticket": unique()})
            self.assertEqual(view["status"], "pending")
            approval = view["approval"]["id"]

            def analysed() -> Any:
                steps = as_person("GET", f"/v1/approvals/{approval}")["steps"]
                return next((s for s in steps if s["id"] == "analysis" and s["status"] == "done"), None)

            step = eventually(analysed, "the analysis step to be done")
            self.assertEqual(step["output"], {"risk": "low", "service": "checkout"})
            self.assertEqual(len(taken), 1)
            self.assertEqual(taken[0]["action_id"], view["id"])
        finally:
            running.stop()
        self.assertFalse(running.running)
        self.assertEqual(errors, [])

    def test_a_permanent_failure_fails_the_step_and_the_action_does_not_run(self) -> None:
        agent = Tollgate()

        def refuse(job: Any, lost: threading.Event) -> None:
            raise PermanentJobError("the manifest does not parse")

        running = Tollgate(URL, WORKER_KEY).worker("analyzer", refuse, wait=1)
        try:
            view = agent.check({"action_type": "checked_deploy", "service": "billing", "ticket": unique()})
            eventually(lambda: agent.get(view["id"])["status"] == "cancelled", "the request to end")
        finally:
            running.stop()
        ran: List[Any] = []
        with self.assertRaises(ActionDenied):
            agent.run({"resume": view["id"]}, lambda action, v: ran.append(action))
        self.assertEqual(ran, [])

    def test_an_agent_key_takes_no_jobs(self) -> None:
        errors: List[BaseException] = []
        running = Tollgate().worker("analyzer", lambda job, lost: None, wait=1, on_error=errors.append)
        running.join(30)
        self.assertFalse(running.running)
        self.assertIsInstance(running.error, TollgateRequestError)
        self.assertEqual(getattr(running.error, "code", None), "auth.forbidden")


@live
class AskTest(unittest.TestCase):
    def test_a_question_answered_while_the_agent_waits(self) -> None:
        text = f"Which region should the canary go to? ({unique()})"

        def answer() -> None:
            mine = lambda: next((q for q in as_person("GET", "/v1/questions")["questions"] if q["question"] == text), None)
            question = eventually(mine, "the question to reach the inbox")
            as_person("POST", f"/v1/questions/{question['id']}/answers", {"choice": "eu-west-1", "text": "quieter"})

        person = in_background(answer)
        answered = Tollgate().ask(text, choices=["eu-west-1", "us-east-1"], free_text=True, context={"service": "checkout"}, wait=30)
        join_clean(person)
        self.assertEqual(answered["choices"], ["eu-west-1"])
        self.assertEqual(answered["text"], "quieter")
        self.assertEqual(answered["answered_by"]["name"], "olga")

    def test_a_question_not_answered_in_time_is_resumed_by_id(self) -> None:
        tollgate = Tollgate()
        with self.assertRaises(QuestionPending) as caught:
            tollgate.ask("Roll back the canary?", choices=["yes", "no"], wait=0)
        question_id = caught.exception.question["id"]
        as_person("POST", f"/v1/questions/{question_id}/answers", {"choice": "no"})
        answered = tollgate.ask(resume=question_id, wait=10)
        self.assertEqual(answered["question_id"], question_id)
        self.assertEqual(answered["choices"], ["no"])

    def test_a_malformed_question_is_refused_naming_the_field(self) -> None:
        with self.assertRaises(TollgateRequestError) as caught:
            Tollgate().ask("Which?", choices=[], wait=0)
        self.assertEqual(caught.exception.code, "question.invalid")
        self.assertEqual((caught.exception.details or {}).get("field"), "choices")


if __name__ == "__main__":
    unittest.main()
