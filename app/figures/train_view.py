"""The training lab as a view of app.figures: one run trained here and now, to its last update, drawn by
app/figures/train.py. Notebooks call it through app.figures.train(); an offline file holds a few seeded runs
over one setting (the forget-gate bias, the lag, the regulariser's weight)."""

from __future__ import annotations

import time
from typing import Any

from threadpoolctl import threadpool_limits

from app.contract.training import TrainQuery, columns, done_event, snapshots, start_event
from app.figures import grid
from app.figures.base import Built, FigureDict, Params, Queries, View, checked
from app.figures.train import NAMES, facts, figures
from app.figures.train_run import MAX_POINTS, record
from core import deadline
from core.training import TrainConfig, initial_params, train
from core.training.run import SNAPSHOTS

# Cells per model in the estimates: the LSTM's four gates, the GRU's three, the RNN's one.
GATES = {"rnn": 1, "gru": 3, "lstm": 4}
# One update's seconds ~ T (PER_STEP G + PER_FLOP B G n (n + 2)), from timings of this 2-core machine under load
# (scripts/train_export.py prints them beside the estimate); from above at the sizes of the stories.
PER_STEP = 1e-4
PER_FLOP = 2e-9
REGULARISED = 1.5  # the information-flow regulariser's extra backward pass


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
    done = done_event(cfg, params, "finished", updates[-1] if updates else None, t0)
    return start_event(cfg), columns(updates, cfg), snapshots(updates), done


def query(params: Params) -> TrainQuery:
    """`params` checked by GET /api/v1/train's query model."""
    return checked(TrainQuery, params)


def build(qs: Queries, lang: str = "en") -> Built:
    """One whole run of the query (no time budget): the lab's four figures ("loss", "grad", "heat", "far") and
    its summary's numbers."""
    q = qs["train"]
    assert isinstance(q, TrainQuery)
    # One BLAS thread, as the server trains (app/main.py): with more, a run's small products spin on a loaded machine
    # (an offline file of C16 took 198 s from the command line with two threads, 26 s with one).
    with threadpool_limits(limits=1, user_api="blas"):
        start, updates, snapshots, done = run_to_end(TrainConfig(**q.model_dump()))
    r = record(start, updates, snapshots, done)
    return Built(figures(r, lang), facts(r))


def train_dicts(params: Params, lang: str = "en") -> dict[str, FigureDict]:
    """One whole run's figures as plain dicts: "loss", "grad", "heat", "far"."""
    return build({"train": query(params)}, lang).figures


def _cfg(qs: Queries) -> TrainQuery:
    q = qs["train"]
    assert isinstance(q, TrainQuery)
    return q


def seconds(qs: Queries) -> float:
    """Estimated seconds of one run to its end (the held-out score included)."""
    q = _cfg(qs)
    steps = q.lag + (q.task == "recall")
    g = GATES[q.model]
    per_update = steps * (PER_STEP * g + PER_FLOP * q.batch * g * q.hidden * (q.hidden + 2))
    if q.model == "rnn" and q.reg_weight > 0:
        per_update *= REGULARISED
    return q.iterations * per_update + 0.05


def frame_bytes(qs: Queries) -> int:
    """One run's figures in a file, from above: at most MAX_POINTS per line (12 lines and marker sets at most),
    the snapshots' heatmap, and layout text; base64 float32, before compression."""
    q = _cfg(qs)
    points = min(q.iterations, MAX_POINTS)
    rows = min(q.iterations, SNAPSHOTS)
    steps = q.lag + 2
    floats = 12 * points + rows * steps + rows + steps
    return floats * 4 * 4 // 3 + 12_000


def offered(params: Params) -> tuple[str, ...]:
    """What an offline file of a run can put on a slider, the main one first: the forget-gate bias for the LSTM
    and GRU, the regulariser's weight for the RNN; the lag for all."""
    return ("reg_weight", "lag") if params.get("model", TrainQuery().model) == "rnn" else ("forget_bias", "lag")


VIEW = View(
    name="train",
    title="Training lab",
    fields=frozenset(TrainQuery.model_fields),
    queries=lambda params: {"train": query(params)},
    build=build,
    names=NAMES,
    page="train_page",
    sliders=grid.SLIDERS["train"],
    frame_bytes=frame_bytes,
    offered=offered,
    export_params={"iterations": str(grid.TRAIN_ITERATIONS)},
    frame_seconds=seconds,
    lower=("iterations", "lag", "hidden"),
    served=False,
)
