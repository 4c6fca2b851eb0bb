"""Workers for workflow worker steps: take jobs of one capability (long-poll), keep their lease
alive with heartbeats while the handler works, and complete them with its output or fail them.
A lost lease sets the handler's `lost` event: the job has been offered to another worker."""

from __future__ import annotations

import threading
import urllib.parse
from typing import Any, Callable, Optional

from ._http import Http
from .errors import PermanentJobError, TollgateRequestError, TollgateUnavailable
from .types import Job

#: Does the job; its return value is the job's output. Raise to fail it.
Handler = Callable[[Job, threading.Event], Any]

_RETRY_SECONDS = 1.0


class RunningWorker:
    """A worker taking jobs on a background thread until `stop()`."""

    def __init__(
        self,
        http: Http,
        capability: str,
        handler: Handler,
        wait: float,
        heartbeat: float,
        on_error: Optional[Callable[[BaseException], None]],
    ) -> None:
        self._http = http
        self._capability = capability
        self._handler = handler
        self._wait = int(min(60, max(1, wait)))
        self._heartbeat = heartbeat
        self._report: Callable[[BaseException], None] = on_error or (lambda error: None)
        self._stopping = threading.Event()
        #: The error that ended the worker (a revoked key, say), if one did.
        self.error: Optional[BaseException] = None
        self._thread = threading.Thread(target=self._loop, name=f"tollgate-worker-{capability}", daemon=True)
        self._thread.start()

    def stop(self, timeout: Optional[float] = None) -> None:
        """Stops taking jobs; returns once the job in hand (if any) is settled and the poll in flight
        (at most `wait` seconds) has returned."""
        self._stopping.set()
        self._thread.join(timeout)

    def join(self, timeout: Optional[float] = None) -> None:
        """Waits until the worker has stopped (after `stop()`, or an error that ends it)."""
        self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def _loop(self) -> None:
        query = f"capability={urllib.parse.quote(self._capability, safe='')}&wait={self._wait}"
        while not self._stopping.is_set():
            try:
                job = self._http.request("GET", f"/v1/jobs/next?{query}", wait_seconds=self._wait, allow_empty=True)
            except TollgateUnavailable as error:
                # An unreachable server is waited out; other errors (a revoked key) end the worker.
                self._report(error)
                self._stopping.wait(_RETRY_SECONDS)
                continue
            except BaseException as error:
                self._report(error)
                self.error = error
                return
            if job is not None:
                self._handle(job)

    def _handle(self, job: Job) -> None:
        lost = threading.Event()
        done = threading.Event()
        path = f"/v1/jobs/{urllib.parse.quote(job['id'], safe='')}"

        def beat() -> None:
            while not done.wait(self._heartbeat):
                try:
                    self._http.request("POST", f"{path}/heartbeat?attempt={job['attempt']}")
                except TollgateRequestError as error:
                    if error.code == "job.lease_lost":
                        lost.set()
                        return
                    self._report(error)
                except Exception as error:
                    self._report(error)

        beating = threading.Thread(target=beat, name=f"tollgate-heartbeat-{job['id']}", daemon=True)
        beating.start()
        try:
            try:
                output = self._handler(job, lost)
            except Exception as error:
                if lost.is_set():
                    return
                message = str(error) or "the handler failed"
                self._http.request(
                    "POST",
                    f"{path}/fail",
                    {"error": message, "retry": not isinstance(error, PermanentJobError), "attempt": job["attempt"]},
                )
                return
            if lost.is_set():
                return
            self._http.request("POST", f"{path}/complete", {"output": output, "attempt": job["attempt"]})
        except Exception as error:
            self._report(error)
        finally:
            done.set()
            beating.join()
