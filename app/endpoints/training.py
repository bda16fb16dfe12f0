"""GET /api/v1/train: train a small RNN, LSTM or GRU and stream its progress as server-sent events.

The run trains on a thread of its own (the event loop keeps serving other requests), stops at the time budget,
at its last update, or when the client goes away, and at most MAX_RUNS run at once: beyond that the answer is
503 with Retry-After. Events (each `event: <name>` and one line of JSON `data:`):

start     the configuration, the task's sizes and baselines, the budget
progress  the updates since the last event, as columns, and any (t, k) snapshot rows among them; every half
          second or so also the run's figures as app.figures.train draws them ("figures", "facts")
done      why the run ended (finished, budget, diverged, shutdown), the held-out score of the final parameters,
          and the final figures
error     an unexpected failure, with its message
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.types import Receive, Scope, Send

from app.contract.errors import ErrorBody
from app.contract.training import TrainQuery, TrainStatus, columns, done_event, snapshots, start_event
from app.figures import encode
from app.figures.train import NAMES, facts, figures
from app.figures.train_run import record
from app.service.trainings import BUDGET_S, draining, slots
from core.training import TrainConfig, initial_params, train

router = APIRouter(prefix="/api/v1", tags=["training"])
EVENT_INTERVAL_S = 0.1  # at most about ten progress events a second; updates in between travel together
# The figures travel less often: at most twice a second, and no more than about 48 kB a second of them (a lecture
# hall shares its Wi-Fi): at the largest sizes a progress event with all four figures is about 210 kB.
FIGURE_INTERVAL_S = 0.5
FIGURE_BYTES_PER_S = 48_000


def sse(event: str, data: dict[str, Any]) -> bytes:
    """One server-sent event: its name and one line of JSON."""
    return f"event: {event}\ndata: {json.dumps(data, separators=(',', ':'), allow_nan=False)}\n\n".encode()


class Run:
    """One training on its own thread; what it produces goes to an asyncio queue of the serving loop."""

    def __init__(self, cfg: TrainConfig, token: int, lang: str = "en") -> None:
        self.cfg = cfg
        self.lang = lang  # of the figures' texts
        self.token = token
        self.stop = threading.Event()
        self.queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        self._loop: asyncio.AbstractEventLoop | None = None

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        threading.Thread(target=self._work, name=f"train-{self.token}", daemon=True).start()

    def __del__(self) -> None:
        if self._loop is None:  # never started (the response was never sent): its slot is free again
            slots.give(self.token)

    def _emit(self, kind: str, payload: Any) -> None:
        assert self._loop is not None
        try:
            self._loop.call_soon_threadsafe(self.queue.put_nowait, (kind, payload))
        except RuntimeError:  # the serving loop is closed: nobody is listening
            self.stop.set()

    def _work(self) -> None:
        try:
            self._train()
        except Exception as exc:  # reported to the client rather than lost in a thread
            self._emit("error", {"message": f"training failed: {exc}"})
        finally:
            slots.give(self.token)

    def _train(self) -> None:
        cfg = self.cfg
        t0 = time.monotonic()
        params = initial_params(cfg)
        reason, last = "finished", None
        for u in train(cfg, params):
            last = u
            self._emit("update", u)
            if self.stop.is_set():
                return  # the client went away
            if time.monotonic() - t0 > BUDGET_S and u.step < cfg.iterations:
                reason = "budget"
                break
            if draining.is_set() and u.step < cfg.iterations:
                reason = "shutdown"
                break
        self._emit("done", done_event(cfg, params, reason, last, t0, BUDGET_S))

    async def events(self) -> AsyncIterator[bytes]:
        """start, then progress events at most every EVENT_INTERVAL_S, then done (or error). Progress events carry
        the run's figures as app.figures.train draws them at most every FIGURE_INTERVAL_S (less often when they are
        large: about FIGURE_BYTES_PER_S at most), "heat" only when a snapshot came; done carries all four."""
        start = start_event(self.cfg, BUDGET_S)
        yield sse("start", start)
        rec = record(start)
        rec.live = True

        def drawn(names: tuple[str, ...]) -> Any:
            return encode(figures(rec, self.lang, names))

        t0 = time.monotonic()
        due, heat_rows = t0, 0  # when figures may go next; snapshots drawn in the last heat sent
        while True:
            items = [await self.queue.get()]
            while not self.queue.empty():
                items.append(self.queue.get_nowait())
            updates = [p for kind, p in items if kind == "update"]
            ending = next(((k, p) for k, p in items if k in ("done", "error")), None)
            if updates:
                cols, snaps = columns(updates, self.cfg), snapshots(updates)
                rec.extend(cols, snaps)
                payload: dict[str, Any] = {"updates": cols, "snapshots": snaps}
                now = time.monotonic()
                if ending is None and now >= due:
                    names = tuple(n for n in NAMES if n != "heat" or len(rec.snapshots) > heat_rows)
                    heat_rows = len(rec.snapshots)
                    # Off the event loop: at the largest sizes a set takes 25 to 110 ms to build on a loaded machine.
                    payload["figures"] = await asyncio.to_thread(drawn, names)
                    payload["facts"] = facts(rec)
                    size = len(json.dumps(payload["figures"], separators=(",", ":")))
                    due = now + max(FIGURE_INTERVAL_S, size / FIGURE_BYTES_PER_S)
                yield sse("progress", payload | {"elapsed_s": round(now - t0, 3)})
            if ending is not None:
                kind, p = ending
                if kind == "done":
                    rec.done = p
                    p = p | {"figures": await asyncio.to_thread(drawn, NAMES), "facts": facts(rec)}
                yield sse(kind, p)
                return
            await asyncio.sleep(EVENT_INTERVAL_S)


def _lang(request: Request) -> str:
    """The figures' language: Chinese when Accept-Language starts with zh (the page sends its own), else English."""
    return "zh" if request.headers.get("accept-language", "").strip().lower().startswith("zh") else "en"


class TrainingStream(StreamingResponse):
    """The event stream of one run: the run starts when the response does and stops when it ends, however."""

    def __init__(self, run: Run) -> None:
        self.run = run
        headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
        super().__init__(run.events(), media_type="text/event-stream", headers=headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.run.start()
        try:
            await super().__call__(scope, receive, send)
        finally:
            self.run.stop.set()


_EVENTS_DOC: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Server-sent events: start, progress (repeated), then done or error.",
        "content": {
            "text/event-stream": {
                "itemSchema": {
                    "type": "object",
                    "required": ["event", "data"],
                    "properties": {
                        "event": {"type": "string", "enum": ["start", "progress", "done", "error"]},
                        "data": {
                            "type": "string",
                            "contentMediaType": "application/json",
                            "contentSchema": {"type": "object"},
                        },
                    },
                }
            }
        },
    },
    503: {
        "model": ErrorBody,
        "description": "All training slots are busy; Retry-After says when the first frees by its budget.",
    },
}


@router.get(
    "/train",
    summary="Train a small recurrent net, streamed",
    responses=_EVENTS_DOC,
    response_model=None,
    response_class=StreamingResponse,
)
async def train_stream(request: Request, q: Annotated[TrainQuery, Query()]) -> Response:
    """Train on the adding or recall task with exact BPTT. progress events carry per update: loss, accuracy
    (recall), log10 ||grad|| before clipping, clipped, random_step, nonfinite, log10 of the far steps' share
    of the cell's gradient (distance >= L/2), the regulariser's Omega; and up to 100 snapshots of
    log10 ||dL/ds_k|| over the minibatch for every state s_k, k = 0..T (s = h, or (h, c) for the LSTM).
    Deterministic by seed. Progress events also carry the run's figures (Plotly JSON, arrays as base64 float32)
    every half second or so, and done the final ones, in the language of Accept-Language (en or zh)."""
    cfg = TrainConfig(**q.model_dump())
    token = slots.take(BUDGET_S + 5.0, 0)  # the held-out score follows the budget
    if token is None:
        wait = slots.retry_after()
        message = f"{slots.limit} trainings are running, the most this server runs at once; try again in {wait} s."
        return JSONResponse(
            {"detail": [{"field": None, "message": message}]}, status_code=503, headers={"Retry-After": str(wait)}
        )
    return TrainingStream(Run(cfg, token, _lang(request)))


@router.get("/train/status", response_model=TrainStatus, summary="Trainings running now")
def train_status(response: Response) -> TrainStatus:
    """The number of trainings in progress, the most that run at once, and each run's time budget."""
    response.headers["Cache-Control"] = "no-store"  # it changes from one moment to the next
    return TrainStatus(running=slots.running, limit=slots.limit, budget_s=BUDGET_S)
