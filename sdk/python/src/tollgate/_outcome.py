"""Turns what the agent's function returned (or raised) into the outcome reported to Tollgate: a
short summary for people, and the compensation that undoes it when one was given."""

from __future__ import annotations

import json
from typing import Any, Dict

from .errors import message_of

#: The server keeps details up to 10 000 characters; summaries are for a person to skim.
MAX_DETAIL = 2000


def truncate(text: str, limit: int = MAX_DETAIL) -> str:
    return text if len(text) <= limit else f"{text[: limit - 1]}…"


def summarize(result: Any) -> str:
    if result is None:
        return "done"
    if isinstance(result, str):
        return truncate(result)
    try:
        return truncate(json.dumps(result, separators=(",", ":"), ensure_ascii=False))
    except (TypeError, ValueError):
        return truncate(str(result))


def succeeded(result: Any) -> Dict[str, Any]:
    """The default outcome of a result: succeeded, its summary, and `result["compensation"]` if it has one."""
    outcome: Dict[str, Any] = {"status": "succeeded", "detail": summarize(result)}
    if isinstance(result, dict) and isinstance(result.get("compensation"), dict):
        outcome["compensation"] = result["compensation"]
    return outcome


def failed(error: BaseException) -> Dict[str, Any]:
    return {"status": "failed", "detail": truncate(message_of(error))}
