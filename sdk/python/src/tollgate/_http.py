"""JSON over `urllib.request`, so the SDK needs nothing beyond the standard library: bearer key,
per-request time limit, and server errors turned into typed errors."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from typing import Any, Optional

from .errors import TollgateRequestError, TollgateUnavailable

#: Statuses that say the server cannot serve now, rather than that the request is wrong.
_UNAVAILABLE = {502, 503, 504}


class Http:
    def __init__(self, base_url: str, api_key: str, request_timeout: float = 30.0) -> None:
        if not isinstance(base_url, str) or not base_url.startswith(("http://", "https://")):
            raise ValueError(
                "`base_url` (or TOLLGATE_URL) must be an http:// or https:// address of a Tollgate server"
            )
        if not isinstance(api_key, str) or api_key == "":
            raise ValueError(
                "`api_key` (or TOLLGATE_API_KEY) must be an API key: an agent key "
                "(tollgate keys create --agent NAME), or a worker key for `worker` (--worker NAME --capability C)"
            )
        if not isinstance(request_timeout, (int, float)) or request_timeout <= 0:
            raise ValueError("`request_timeout` must be a positive number of seconds")
        self.base_url = base_url.rstrip("/")
        self._api_key = api_key
        self._timeout = float(request_timeout)

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        wait_seconds: float = 0,
        allow_empty: bool = False,
    ) -> Any:
        """Sends one request; `wait_seconds` is the long-poll the server may hold it for."""
        headers = {"authorization": f"Bearer {self._api_key}", "accept": "application/json"}
        data: Optional[bytes] = None
        if body is not None:
            headers["content-type"] = "application/json"
            data = json.dumps(body).encode("utf-8")
        request = urllib.request.Request(f"{self.base_url}{path}", data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=self._timeout + wait_seconds) as response:
                status, text = response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            status, text = error.code, _read(error)
        except (urllib.error.URLError, socket.timeout, ConnectionError, OSError) as error:
            raise TollgateUnavailable(self.base_url, getattr(error, "reason", error)) from error
        payload = _parse(text)
        ok = 200 <= status < 300
        if ok and payload is not None:
            return payload
        # 204: nothing to answer (no job came), when the caller expects that.
        if status == 204 and allow_empty:
            return None
        err = payload.get("error") if isinstance(payload, dict) else None
        err = err if isinstance(err, dict) else None
        if status in _UNAVAILABLE or (status >= 500 and err is None) or (ok and payload is None):
            raise TollgateUnavailable(self.base_url, f"HTTP {status} {text[:200]}".strip())
        code = err.get("code") if err else None
        message = err.get("message") if err else None
        details = err.get("details") if err else None
        raise TollgateRequestError(
            status,
            code if isinstance(code, str) else f"http.{status}",
            message if isinstance(message, str) else "request failed",
            details if isinstance(details, dict) else None,
        )


def _read(error: urllib.error.HTTPError) -> str:
    try:
        return error.read().decode("utf-8", "replace")
    except Exception:  # a body that cannot be read is treated as none
        return ""


def _parse(text: str) -> Any:
    if text == "":
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None
