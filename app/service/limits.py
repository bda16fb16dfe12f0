"""Bounded cost per request: refuse what is too large, cap how long a computation runs and how many heavy
ones run at once.

`Guard.run()` wraps one computation (a cache miss; hits never get here):

1. estimate its seconds from the query (app/contract/cost.py); over max_request_seconds: 422 naming what to lower;
2. heavy (estimate over heavy_threshold_seconds): take one of max_heavy slots, waiting at most
   queue_wait_seconds; none free: 503 with Retry-After from the running jobs' estimates. Light requests
   never wait;
3. compute under a cooperative limit of request_timeout_seconds of CPU time (core/deadline.py): past it, 503.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from fastapi.responses import JSONResponse

from app.contract import cost
from app.contract.errors import ErrorBody
from app.service.settings import Settings
from core import deadline


class Refused(Exception):
    """A request answered with an error instead of a body: its JSON response."""

    def __init__(self, response: JSONResponse) -> None:
        super().__init__(response.status_code)
        self.response = response


# How the OpenAPI schema documents the limits' 503 on every computing endpoint (the 422 over the time budget is
# the app's usual refusal, app/contract/errors.py INVALID).
LIMITED: dict[int | str, dict[str, Any]] = {
    503: {
        "model": ErrorBody,
        "description": "Every heavy slot is busy (`type` busy; Retry-After says when one frees) or the computation "
        "reached the per-request compute cap (`type` timeout; `field` names what to lower).",
        "headers": {
            "Retry-After": {"description": "Seconds to wait before asking again.", "schema": {"type": "integer"}}
        },
    }
}


def _error(status: int, field: str, message: str, kind: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"detail": [{"field": field, "message": message, "type": kind}]}, status, headers)


class Slots:
    """max_heavy slots for heavy computations, with the estimated end of each running one."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._free = threading.Semaphore(limit)
        self._lock = threading.Lock()
        self._ends: dict[int, float] = {}  # token -> estimated end (monotonic seconds)
        self._next = 0

    def take(self, seconds: float, wait: float) -> int | None:
        """A token for a job expected to take `seconds`, or None if no slot frees within `wait` seconds."""
        if not self._free.acquire(timeout=wait):
            return None
        with self._lock:
            self._next += 1
            self._ends[self._next] = time.monotonic() + seconds
            return self._next

    def give(self, token: int) -> None:
        """Frees the token's slot (a token already given back is ignored)."""
        with self._lock:
            if self._ends.pop(token, None) is None:
                return
        self._free.release()

    @property
    def running(self) -> int:
        with self._lock:
            return len(self._ends)

    def retry_after(self) -> int:
        """Whole seconds until the first running job is expected to end (at least 1)."""
        with self._lock:
            first = min(self._ends.values(), default=time.monotonic())
        return max(1, math.ceil(first - time.monotonic()))


class Guard:
    """The limits of one application, from its settings."""

    def __init__(self, s: Settings) -> None:
        self.settings = s
        self.slots = Slots(s.max_heavy)

    def check(self, endpoint: str, q: Mapping[str, Any]) -> float:
        """The request's estimated seconds; raises Refused (422) when it is over max_request_seconds."""
        r = cost.refusal(endpoint, q, self.settings.max_request_seconds)
        if r is None:
            return cost.estimate(endpoint, q)
        raise Refused(JSONResponse({"detail": r.detail()}, 422))

    def run(self, endpoint: str, q: Mapping[str, Any], compute: Callable[[], bytes]) -> bytes:
        """compute() within the limits; raises Refused with a 422 or 503 answer instead."""
        seconds = self.check(endpoint, q)
        names = m.lower if (m := cost.model_of(endpoint)) else ()
        return self.within(seconds, compute, names)

    def within(
        self, seconds: float, compute: Callable[[], bytes], names: tuple[str, ...] = (), capped: bool = True
    ) -> bytes:
        """compute(), estimated at `seconds`, in a heavy slot if it is heavy and (when capped) within the time
        cap; raises Refused with a 503 answer when no slot frees in time or the cap is reached. `names`: the
        parameters a timeout asks to lower."""
        s = self.settings
        token = None
        if seconds > s.heavy_threshold_seconds:
            token = self.slots.take(seconds, s.queue_wait_seconds)
            if token is None:
                retry = self.slots.retry_after()
                raise Refused(
                    _error(
                        503,
                        "query",
                        f"The server is busy with {s.max_heavy} large computation{'s' if s.max_heavy > 1 else ''}; "
                        f"this one (about {seconds:.1f} s) "
                        f"can start in about {retry} s. Retry then, or lower the sizes to get an answer at once.",
                        "busy",
                        {"Retry-After": str(retry)},
                    )
                )
        try:
            if not capped:
                return compute()
            with deadline.limit(s.request_timeout_seconds):
                return compute()
        except deadline.DeadlineExceeded as e:
            raise Refused(
                _error(
                    503,
                    names[0] if names else "query",
                    f"The computation stopped at the limit of {e.seconds:g} s of compute per request: lower "
                    f"{' or '.join(names) or 'the sizes'} and try again.",
                    "timeout",
                    {"Retry-After": str(max(1, math.ceil(seconds)))},
                )
            ) from e
        finally:
            if token is not None:
                self.slots.give(token)
