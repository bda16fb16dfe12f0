"""A cooperative limit on a computation's time.

NumPy work cannot be interrupted from outside, so the loops of the core call check() once per time step,
layer or sweep; inside `limit(seconds)` it raises DeadlineExceeded once the computation has used `seconds` of
CPU time on its thread. CPU time rather than wall time: a request waiting for a core on a busy machine is not
stopped for the wait (how many heavy requests share the cores is bounded elsewhere), and the limit is in the
same unit as the cost estimates. A thread's CPU time never runs ahead of the wall clock, so check() reads the
cheap monotonic clock and asks for the thread's CPU time only once the wall clock has passed the limit; then it
moves the wall-clock mark by what is left. Outside any limit check() costs one context-variable read.

The limit lives in a ContextVar, so it follows the code that set it (each request's worker thread) and never
leaks into another request; on another thread that inherited the context it counts wall time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar


class _Limit:
    __slots__ = ("cpu", "seconds", "thread", "wall")

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.thread = threading.get_ident()
        self.cpu = time.thread_time() + seconds  # the limit, in this thread's CPU time
        self.wall = time.monotonic() + seconds  # no earlier than the CPU limit can be reached


_deadline: ContextVar[_Limit | None] = ContextVar("bptt_deadline", default=None)


class DeadlineExceeded(Exception):
    """The computation used up its time limit (seconds)."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"computation stopped at its time limit of {seconds:g} s")
        self.seconds = seconds


@contextmanager
def limit(seconds: float | None) -> Iterator[None]:
    """Within this block check() raises DeadlineExceeded after `seconds` of CPU time (None or <= 0: no limit)."""
    token = _deadline.set(_Limit(seconds) if seconds and seconds > 0 else None)
    try:
        yield
    finally:
        _deadline.reset(token)


def check() -> None:
    """Raise DeadlineExceeded when the current limit is used up; nothing otherwise."""
    d = _deadline.get()
    if d is None or time.monotonic() <= d.wall:
        return
    if threading.get_ident() != d.thread:
        raise DeadlineExceeded(d.seconds)
    left = d.cpu - time.thread_time()
    if left <= 0:
        raise DeadlineExceeded(d.seconds)
    d.wall = time.monotonic() + left


def remaining() -> float | None:
    """Seconds left under the current limit (None: no limit)."""
    d = _deadline.get()
    if d is None:
        return None
    if threading.get_ident() != d.thread:
        return d.wall - time.monotonic()
    return d.cpu - time.thread_time()
