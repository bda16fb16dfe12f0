"""/healthz (the process answers) and /readyz (it should get traffic), and the lifespan that drives readiness.

Ready means: the application finished its start-up, the vendored plotly.js and KaTeX files are there, and the
server is not shutting down. On SIGTERM (or SIGINT) readiness turns off at once and running trainings are told to
end with their final event; uvicorn meanwhile stops accepting connections and lets the requests in flight finish
(`graceful_shutdown_s`), then the lifespan ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse

from app.service import trainings
from app.service.assets import KATEX_VERSION, PLOTLY_CARTESIAN, STATIC_DIR
from app.service.logs import log

router = APIRouter(include_in_schema=False)
NO_STORE = {"Cache-Control": "no-store"}
_KATEX = STATIC_DIR / "vendor" / f"katex-{KATEX_VERSION}"
ASSETS = (
    STATIC_DIR / PLOTLY_CARTESIAN,
    _KATEX / "katex.min.js",
    _KATEX / "katex.min.css",
    _KATEX / "contrib" / "auto-render.min.js",
)


@dataclass
class Readiness:
    """Where the application is in its life."""

    started: bool = False
    stopping: bool = False


def missing_assets(paths: tuple[Path, ...] = ASSETS) -> list[str]:
    """The vendored files the pages need that are not there."""
    return [str(p) for p in paths if not p.is_file()]


def not_ready_because(state: Readiness, paths: tuple[Path, ...] = ASSETS) -> list[str]:
    """Why the server should get no traffic now (empty when it should)."""
    reasons = []
    if not state.started:
        reasons.append("the application has not finished starting")
    if state.stopping:
        reasons.append("the server is shutting down")
    missing = missing_assets(paths)
    if missing:
        reasons.append(f"vendored assets are missing: {', '.join(missing)}")
    return reasons


def readiness(app: FastAPI) -> Readiness:
    state = getattr(app.state, "readiness", None)
    return state if isinstance(state, Readiness) else Readiness()


@router.get("/healthz")
def healthz() -> JSONResponse:
    """Liveness: the process answers."""
    return JSONResponse({"status": "ok"}, headers=NO_STORE)


@router.get("/readyz")
def readyz(request: Request) -> JSONResponse:
    """Readiness: 200 when the server should get traffic, else 503 with the reason."""
    reasons = not_ready_because(readiness(request.app), ASSETS)
    if reasons:
        return JSONResponse({"status": "not ready", "reason": "; ".join(reasons)}, status_code=503, headers=NO_STORE)
    return JSONResponse({"status": "ready"}, headers=NO_STORE)


SHUTDOWN_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def _chain_signals(on_signal: Callable[[str], None]) -> Callable[[], None]:
    """Runs `on_signal` on the event loop when a shutdown signal arrives, then the handler that was there before
    (uvicorn's, which starts its graceful shutdown). Returns what puts the previous handlers back.

    Signal handlers belong to the main thread: elsewhere (an in-process test client) nothing is installed.
    """
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    loop = asyncio.get_running_loop()
    previous = {sig: signal.getsignal(sig) for sig in SHUTDOWN_SIGNALS}

    def handler(sig: int, frame: FrameType | None) -> None:
        with contextlib.suppress(RuntimeError):  # the loop has closed: nothing is left to drain
            loop.call_soon_threadsafe(on_signal, signal.Signals(sig).name)  # no locks taken in a signal handler
        before = previous[signal.Signals(sig)]
        if callable(before):
            before(sig, frame)
        elif before == signal.SIG_DFL:  # nobody else listens: do what the signal would have done
            signal.signal(sig, signal.SIG_DFL)
            signal.raise_signal(sig)

    for sig in SHUTDOWN_SIGNALS:
        signal.signal(sig, handler)

    def restore() -> None:
        for sig, before in previous.items():
            if signal.getsignal(sig) is handler:
                signal.signal(sig, before)

    return restore


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Ready after start-up; not ready, and trainings told to finish, as soon as a shutdown signal arrives."""
    state = Readiness()
    app.state.readiness = state
    trainings.draining.clear()

    def drain(signal_name: str) -> None:
        if state.stopping:
            return
        state.stopping = True
        trainings.draining.set()
        log("shutdown", signal=signal_name, trainings=trainings.slots.running)

    restore = _chain_signals(drain)
    state.started = True
    log("started", missing_assets=missing_assets())
    try:
        yield
    finally:
        state.stopping = True
        restore()
        log("stopped")
