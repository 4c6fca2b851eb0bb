"""Long-polls an action (or a question) until people decide or the wait budget runs out. The server
holds each poll for at most 60 s, so a longer budget is several polls; a server that drops out for
a while is retried with backoff until the budget ends."""

from __future__ import annotations

import time
from typing import Any, Callable, Dict

from .errors import TollgateUnavailable

#: The longest long-poll the server accepts.
MAX_POLL_SECONDS = 60.0

View = Dict[str, Any]
Poll = Callable[[str, float], View]


def poll_seconds(wait: float) -> float:
    """A wait clamped to what one poll may ask, rounded for the query string."""
    return round(min(MAX_POLL_SECONDS, max(0.0, wait)), 3)


def wait_query(wait: float) -> str:
    seconds = poll_seconds(wait)
    if seconds <= 0:
        return ""
    return f"?wait={int(seconds) if seconds == int(seconds) else seconds}"


def wait_for_verdict(
    poll: Poll,
    view: View,
    wait: float,
    now: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> View:
    deadline = now() + max(0.0, wait)
    current = view
    backoff = 0.25
    while current.get("status") == "pending":
        remaining = deadline - now()
        if remaining <= 0:
            break
        try:
            current = poll(current["id"], min(MAX_POLL_SECONDS, remaining))
            backoff = 0.25
        except TollgateUnavailable:
            if now() + backoff >= deadline:
                raise
            sleep(backoff)
            backoff = min(backoff * 2, 5.0)
    return current
