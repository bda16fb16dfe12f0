"""A training run's record as its events bring it (app/contract/training.py): the start event, every update by column,
the (t, k) snapshot rows and the done event, with the running means the training lab draws; and how a long run is
thinned for drawing."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from app.figures.style import from_log10

MAX_POINTS = 1500  # per drawn line; every update is kept, every n-th one drawn
COLUMNS = (
    "step",
    "loss",
    "accuracy",
    "log10_grad_norm",
    "clipped",
    "random_step",
    "nonfinite",
    "log10_far_share",
    "omega",
)
Value = float | None


class Averager:
    """A running mean over about 1/40 of the planned updates (at least 5); Inf/NaN/None leave it where it was."""

    def __init__(self, total: int) -> None:
        self.a = 2 / (max(5, round(total / 40)) + 1)
        self.m: float | None = None

    def __call__(self, v: Value) -> Value:
        if v is None or not math.isfinite(v):
            return self.m
        self.m = v if self.m is None else self.m + self.a * (v - self.m)
        return self.m


@dataclass
class Record:
    """One run as its events brought it: `start` (the start event), every update by column (None where the
    wire has null), the (t, k) snapshot rows, and `done` once the run ended; with the running means the
    figures draw, kept up to date as columns arrive. `live`: the loss figure's title says "live run, seed N"."""

    start: dict[str, Any]
    columns: dict[str, list[Any]] = field(default_factory=lambda: {k: [] for k in COLUMNS})
    snapshots: list[dict[str, Any]] = field(default_factory=list)
    done: dict[str, Any] | None = None
    live: bool = False  # trained here and now for the page watching it (the lab's stream), not recorded
    means: dict[str, list[Value]] = field(default_factory=lambda: {"loss": [], "accuracy": [], "far": []})
    _avg: dict[str, Averager] = field(default_factory=dict)

    def extend(self, updates: dict[str, Any], snapshots: list[dict[str, Any]]) -> None:
        """Adds one progress event's columns (accuracy and omega may be None: not measured) and snapshots."""
        if not self._avg:
            total = int(self.start["config"]["iterations"])
            self._avg = {k: Averager(total) for k in self.means}
        n = len(updates["step"])
        for key in COLUMNS:
            col = updates.get(key)
            self.columns[key].extend(col if col is not None else [None] * n)
        for key, col in (("loss", "loss"), ("accuracy", "accuracy"), ("far", "log10_far_share")):
            values = updates.get(col) or [None] * n
            self.means[key].extend(self._avg[key](v) for v in values)
        self.snapshots.extend(snapshots)

    @property
    def updates(self) -> int:
        return len(self.columns["step"])


def record(
    start: dict[str, Any],
    updates: dict[str, Any] | None = None,
    snapshots: list[dict[str, Any]] | None = None,
    done: dict[str, Any] | None = None,
) -> Record:
    """A run's record from its events: the start event, its update columns (all progress events' together), its
    snapshots and the done event."""
    r = Record(start)
    if updates is not None:
        r.extend(updates, snapshots or [])
    r.done = done
    return r


def thin(n: int) -> np.ndarray:
    """Every n-th index so that at most MAX_POINTS are drawn (the last one always)."""
    stride = max(1, math.ceil(n / MAX_POINTS))
    idx = list(range(0, n, stride))
    if n and idx[-1] != n - 1:
        idx.append(n - 1)
    return np.array(idx, dtype=np.int64)


def as_array(values: list[Any]) -> np.ndarray:
    """A column as float64, None as NaN."""
    return np.array([math.nan if v is None else float(v) for v in values], dtype=np.float64)


def picked(values: list[Any], idx: np.ndarray) -> np.ndarray:
    """The drawn points of a column as float32 (None is a gap)."""
    return as_array([values[i] for i in idx.tolist()]).astype(np.float32)


def plain(log10: float) -> str:
    """A magnitude given as log10 in plain digits when it reads well (0.02552, 37.78), else as 2.6e-40
    (static/js/format.js plain)."""
    if math.isfinite(log10) and abs(log10) < 5:
        return str(np.format_float_positional(float(f"{10**log10:.4g}"), trim="-"))
    return from_log10(log10)
