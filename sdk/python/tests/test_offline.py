"""What the SDK decides without a server: bad arguments refused naming the field, an unreachable
server reported as unavailable, and the typed errors built from the server's views."""

from __future__ import annotations

import os
import socket
import unittest
from unittest import mock

from tollgate import ApprovalTimedOut, ChangesRequested, Tollgate, TollgateUnavailable
from tollgate.errors import ActionDenied

KEY = "tg_test_key"


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ArgumentsTest(unittest.TestCase):
    def test_the_address_and_key_are_required_and_named(self) -> None:
        with mock.patch.dict(os.environ, {}, clear=True):
            with self.assertRaisesRegex(ValueError, "`base_url` \\(or TOLLGATE_URL\\)"):
                Tollgate()
            with self.assertRaisesRegex(ValueError, "`api_key` \\(or TOLLGATE_API_KEY\\)"):
                Tollgate("http://127.0.0.1:7300")
        with mock.patch.dict(os.environ, {"TOLLGATE_URL": "http://127.0.0.1:7300/", "TOLLGATE_API_KEY": KEY}):
            self.assertEqual(Tollgate().base_url, "http://127.0.0.1:7300")

    def test_bad_arguments_name_the_argument(self) -> None:
        tollgate = Tollgate("http://127.0.0.1:7300", KEY)
        with self.assertRaisesRegex(TypeError, "`action`"):
            tollgate.run("deploy", lambda a, v: None)  # type: ignore[arg-type]
        with self.assertRaisesRegex(TypeError, "`fn`"):
            tollgate.run({"action_type": "deploy"}, None)  # type: ignore[arg-type]
        with self.assertRaisesRegex(ValueError, "`wait`"):
            tollgate.run({"action_type": "deploy"}, lambda a, v: None, wait=-1)
        with self.assertRaisesRegex(TypeError, "`question`"):
            tollgate.ask()
        with self.assertRaisesRegex(ValueError, "`capability`"):
            tollgate.worker("", lambda job, lost: None)
        with self.assertRaisesRegex(ValueError, "`report.status`"):
            tollgate.report_outcome("a", {"status": "done"})

    def test_an_unreachable_server_is_unavailable(self) -> None:
        tollgate = Tollgate(f"http://127.0.0.1:{closed_port()}", KEY)
        calls = []
        with self.assertRaises(TollgateUnavailable) as caught:
            tollgate.run({"action_type": "deploy"}, lambda a, v: calls.append(a))
        self.assertEqual(caught.exception.code, "sdk.unavailable")
        self.assertEqual(calls, [])


VIEW = {"id": "act_1", "decision": "REQUIRE_APPROVAL", "reasons": [{"name": "deploys", "reason": ""}]}


class ErrorsTest(unittest.TestCase):
    def test_the_deciding_note_is_the_last_vote_of_that_verdict(self) -> None:
        votes = [
            {"verdict": "request_changes", "note": "older"},
            {"verdict": "approve", "note": "fine"},
            {"verdict": "request_changes", "note": "use the canary"},
        ]
        error = ChangesRequested({**VIEW, "approval": {"votes": votes, "resolution": None}})
        self.assertEqual(error.feedback, "use the canary")
        self.assertEqual(error.revision_of, "act_1")

    def test_a_timeout_is_not_a_denial(self) -> None:
        error = ApprovalTimedOut({**VIEW, "approval": {"votes": [], "status": "timed_out"}})
        self.assertNotIsInstance(error, ActionDenied)
        self.assertEqual(error.code, "sdk.timed_out")
        self.assertIn("timed out", str(error))

    def test_a_policy_denial_lists_rule_names_without_reasons(self) -> None:
        error = ActionDenied({**VIEW, "decision": "DENY"})
        self.assertEqual(error.denied_by, "policy")
        self.assertEqual(error.reasons, ["deploys"])


if __name__ == "__main__":
    unittest.main()
