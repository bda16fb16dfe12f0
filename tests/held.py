"""A real uvicorn serving an application in this process, and a guard whose first heavy computation holds its
slot until the test releases it: tests of a busy server that depend on no computation being slow enough."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import uvicorn
from fastapi import FastAPI

from app.main import create_app
from app.service.limits import Guard
from app.service.settings import Settings
from scripts.serve import free_port


class HeldGuard(Guard):
    """After hold(), the next heavy computation takes its slot, sets `entered`, and waits for `release`."""

    def __init__(self, s: Settings) -> None:
        super().__init__(s)
        self.entered = threading.Event()
        self.release = threading.Event()
        self._armed = threading.Lock()
        self._armed.acquire()

    def hold(self) -> None:
        """Holds the next heavy computation."""
        self._armed.release()

    def within(
        self, seconds: float, compute: Callable[[], bytes], names: tuple[str, ...] = (), capped: bool = True
    ) -> bytes:
        if seconds <= self.settings.heavy_threshold_seconds or not self._armed.acquire(blocking=False):
            return super().within(seconds, compute, names, capped)

        def held() -> bytes:
            self.entered.set()
            assert self.release.wait(300), "the test never released the held slot"
            return compute()

        return super().within(seconds, held, names, capped)


def held_app(s: Settings) -> tuple[FastAPI, HeldGuard]:
    """The application with `s`, its limits replaced by a HeldGuard."""
    app = create_app(s)
    guard = HeldGuard(s)
    app.state.guard = guard
    return app, guard


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """uvicorn serving `app` on a free loopback port from a thread of this process; yields the base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(30)
