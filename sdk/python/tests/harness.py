"""What the live tests share: the server and keys from the environment (set by
packages/server/test/python-sdk.e2e.test.ts), and a person acting over the HTTP API."""

from __future__ import annotations

import json
import os
import threading
import time
import unittest
import urllib.request
import uuid
from typing import Any, Callable, Dict, Optional

URL = os.environ.get("TOLLGATE_URL", "")
WORKER_KEY = os.environ.get("TOLLGATE_WORKER_KEY", "")
PERSON_TOKEN = os.environ.get("TOLLGATE_PERSON_TOKEN", "")

live = unittest.skipUnless(
    URL and WORKER_KEY and PERSON_TOKEN and os.environ.get("TOLLGATE_API_KEY"),
    "needs a server: run through packages/server/test/python-sdk.e2e.test.ts",
)


def unique() -> str:
    """A fresh attribute, so no two tests submit identical actions (the server would merge them)."""
    return uuid.uuid4().hex


def as_person(method: str, path: str, body: Optional[Dict[str, Any]] = None) -> Any:
    """A call of the HTTP API as the approver signed in for the tests; raises on a refusal."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        f"{URL}{path}",
        data=data,
        method=method,
        headers={"authorization": f"Bearer {PERSON_TOKEN}", "content-type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"null")


def vote(view: Dict[str, Any], verdict: str, note: Optional[str] = None) -> None:
    body: Dict[str, Any] = {"verdict": verdict, "digest": view["approval"]["digest"]}
    if note is not None:
        body["note"] = note
    as_person("POST", f"/v1/approvals/{view['approval']['id']}/votes", body)


def in_background(work: Callable[[], None]) -> threading.Thread:
    """Runs a person's part while the agent waits; its failure is kept for the test to raise."""
    errors: list = []

    def target() -> None:
        try:
            work()
        except BaseException as error:  # kept and raised by `join_clean`
            errors.append(error)

    thread = threading.Thread(target=target, daemon=True)
    thread.errors = errors  # type: ignore[attr-defined]
    thread.start()
    return thread


def join_clean(thread: threading.Thread) -> None:
    thread.join(30)
    errors = thread.errors  # type: ignore[attr-defined]
    if errors:
        raise errors[0]


def eventually(read: Callable[[], Any], what: str, seconds: float = 20) -> Any:
    """Reads until `read` answers something truthy: for a state another thread or the server reaches."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = read()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")
