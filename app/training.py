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
import math
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import asdict
from typing import Annotated, Any

import numpy as np
from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from starlette.types import Receive, Scope, Send

from app.limits import Slots
from app.schemas import ErrorBody, float_field, int_field
from app.settings import settings
from core import config as c
from core import deadline
from core.training import TrainConfig, Update, evaluate, initial_params, tasks, train
from core.training import run as r
from core.training.models import ModelName, Params
from core.training.optim import ClipName, OptimizerName
from core.training.tasks import TaskName

router = APIRouter(prefix="/api/v1", tags=["training"])
BUDGET_S = settings().train_budget_seconds  # seconds of training per run (BPTT_TRAIN_BUDGET_SECONDS, default 60)
# Trainings at once (BPTT_TRAIN_MAX_RUNS, default 2): the machine has two cores and each run keeps one busy.
MAX_RUNS = settings().train_max_runs
EVENT_INTERVAL_S = 0.1  # at most about ten progress events a second; updates in between travel together
# The figures travel less often: at most twice a second, and no more than about 48 kB a second of them (a lecture
# hall shares its Wi-Fi): at the largest sizes a progress event with all four figures is about 210 kB.
FIGURE_INTERVAL_S = 0.5
FIGURE_BYTES_PER_S = 48_000
# Set when the server shuts down (app/health.py): running trainings stop at their next update and end their
# stream with the done event, so the server can finish in-flight requests instead of cutting them.
draining = threading.Event()
_D = TrainConfig()


class TrainQuery(BaseModel):
    """Query of GET /api/v1/train."""

    model_config = ConfigDict(extra="forbid")

    model: ModelName = Field(_D.model, description="rnn (tanh), lstm or gru; a linear readout after the last step.")
    task: TaskName = Field(
        _D.task,
        description="adding: sum the two marked values of T = L steps (MSE); recall: name the symbol shown at step "
        f"1 of T = L + 1 (one of {tasks.SYMBOLS}, cross-entropy).",
    )
    lag: int = int_field(_D.lag, r.LAG, "Lag L: how far back the information sits.")
    hidden: int = int_field(_D.hidden, r.HIDDEN, "Hidden size n.")
    optimizer: OptimizerName = Field(_D.optimizer, description="Update rule (textbook constants; see /docs of core).")
    lr: float = float_field(_D.lr, r.LR, "Learning rate.")
    clip: ClipName = Field(
        _D.clip,
        description="none; norm: g <- g v / ||g|| when ||g|| > v; value: every entry clipped to [-v, v]. "
        "With clipping, an Inf/NaN gradient is replaced by a random vector of norm v.",
    )
    threshold: float = float_field(_D.threshold, r.THRESHOLD, "Clipping threshold v.")
    forget_bias: float = float_field(
        _D.forget_bias, r.FORGET_BIAS, "LSTM forget-gate bias b_f at initialisation; GRU: b_z = -forget_bias."
    )
    reg_weight: float = float_field(
        _D.reg_weight,
        r.REG_WEIGHT,
        "Weight lambda of the information-flow regulariser (Pascanu et al. 2013), rnn only.",
    )
    batch: int = int_field(_D.batch, r.BATCH, "Sequences per update (fresh every update).")
    iterations: int = int_field(_D.iterations, r.ITERATIONS, "Parameter updates.")
    seed: int = int_field(_D.seed, c.SEED, "Seed of the weights, the minibatches and the held-out set.")

    @field_validator("reg_weight")
    @classmethod
    def _rnn_only(cls, v: float, info: ValidationInfo) -> float:
        model = info.data.get("model")
        if v > 0 and model is not None and model != "rnn":
            raise ValueError(
                f"the information-flow regulariser is defined for the vanilla RNN only; set reg_weight=0 for {model}"
            )
        return v


slots = Slots(MAX_RUNS)


def _num(v: float | None) -> float | None:
    """A finite float to 7 significant digits (what the wire carries), or null."""
    return float(f"{v:.7g}") if v is not None and math.isfinite(v) else None


def _start_event(cfg: TrainConfig) -> dict[str, Any]:
    info = tasks.info(cfg.task, cfg.lag)
    return {
        "config": asdict(cfg),
        "steps": info.steps,
        "far_until": tasks.far_from(cfg.lag, info.steps),
        "far_distance": info.steps - tasks.far_from(cfg.lag, info.steps),
        "loss_name": "MSE" if cfg.task == "adding" else "cross-entropy",
        "baseline_loss": info.baseline_loss,
        "near_only_loss": info.near_only_loss,
        "chance_accuracy": info.chance_accuracy,
        "budget_s": BUDGET_S,
        "eval_size": r.EVAL_SIZE,
    }


def _columns(updates: list[Update], cfg: TrainConfig) -> dict[str, Any]:
    """The updates as columns; accuracy only for recall, omega only with the regulariser (else null)."""
    regularised = cfg.model == "rnn" and cfg.reg_weight > 0
    return {
        "step": [u.step for u in updates],
        "loss": [_num(u.loss) for u in updates],
        "accuracy": [u.accuracy for u in updates] if cfg.task == "recall" else None,
        "log10_grad_norm": [_num(u.log10_grad_norm) for u in updates],
        "clipped": [u.clipped for u in updates],
        "random_step": [u.random_step for u in updates],
        "nonfinite": [u.nonfinite for u in updates],
        "log10_far_share": [_num(u.log10_far_share) for u in updates],
        "omega": [_num(u.omega) for u in updates] if regularised else None,
    }


def _snapshots(updates: list[Update]) -> list[dict[str, Any]]:
    """The (t, k) rows among the updates: null marks an exact zero; finite is false when any entry overflowed."""
    out = []
    for u in updates:
        if u.log10_state_grad is None:
            continue
        row = u.log10_state_grad
        finite = not bool(np.any(np.isnan(row) | (row == np.inf)))
        out.append({"step": u.step, "finite": finite, "log10_state_grad": [_num(float(v)) for v in row]})
    return out


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
        self._emit("done", _done(cfg, params, reason, last, t0))

    async def events(self) -> AsyncIterator[bytes]:
        """start, then progress events at most every EVENT_INTERVAL_S, then done (or error). Progress events carry
        the run's figures as app.figures.train draws them at most every FIGURE_INTERVAL_S (less often when they are
        large: about FIGURE_BYTES_PER_S at most), "heat" only when a snapshot came; done carries all four."""
        from app.figures import encode  # app.figures imports this module (the training view)
        from app.figures.train import NAMES, facts, figures
        from app.figures.train_run import record

        start = _start_event(self.cfg)
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
                columns, snapshots = _columns(updates, self.cfg), _snapshots(updates)
                rec.extend(columns, snapshots)
                payload: dict[str, Any] = {"updates": columns, "snapshots": snapshots}
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


def _done(cfg: TrainConfig, params: Params, reason: str, last: Update | None, t0: float) -> dict[str, Any]:
    """The done event: why the run ended and the held-out score of its final parameters."""
    if last is not None and last.nonfinite and not last.random_step:
        reason = "diverged"
    e = evaluate(cfg, params) if reason != "diverged" else None
    return {
        "reason": reason,
        "updates": 0 if last is None else last.step - (reason == "diverged"),
        "elapsed_s": round(time.monotonic() - t0, 3),
        "budget_s": BUDGET_S,
        "evaluation": None if e is None else {"loss": _num(e.loss), "accuracy": e.accuracy, "solved": e.solved},
        "message": _message(reason, cfg, last),
    }


def run_to_end(cfg: TrainConfig) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]], dict[str, Any]]:
    """One whole run here and now, without a time budget of its own (a request's deadline, core/deadline.py, stops
    it between two updates): its start event, all its updates as columns, its snapshots and its done event, the
    numbers the stream carries."""
    t0 = time.monotonic()
    params = initial_params(cfg)
    updates = []
    for u in train(cfg, params):
        updates.append(u)
        deadline.check()
    done = _done(cfg, params, "finished", updates[-1] if updates else None, t0)
    return _start_event(cfg), _columns(updates, cfg), _snapshots(updates), done


def _lang(request: Request) -> str:
    """The figures' language: Chinese when Accept-Language starts with zh (the page sends its own), else English."""
    return "zh" if request.headers.get("accept-language", "").strip().lower().startswith("zh") else "en"


def _message(reason: str, cfg: TrainConfig, last: Update | None) -> str:
    if reason == "budget":
        return f"Stopped at the time budget of {BUDGET_S:g} s after {last.step if last else 0} of {cfg.iterations} updates."
    if reason == "shutdown":
        return f"The server is restarting: stopped after {last.step if last else 0} of {cfg.iterations} updates."
    if reason == "diverged":
        return (
            f"Update {last.step if last else 0} had an Inf/NaN gradient and was not applied: without clipping the "
            "run cannot go on. Turn clipping on to take a random step of size v instead."
        )
    return f"All {cfg.iterations} updates done."


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


class TrainStatus(BaseModel):
    """How many trainings run now, and the server's limits."""

    running: int
    limit: int
    budget_s: float


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
