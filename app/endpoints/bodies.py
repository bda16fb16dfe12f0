"""What the recurrent answers share, seeded or loaded: the decay, heatmap, unit view and direct path of one
core Result as the API writes them."""

from __future__ import annotations

from typing import Any

import numpy as np

from app.contract.encode import Format, array, scalar
from app.contract.recurrent import CELL_LINES, UNIT_ROWS
from core import Result
from core.activations import curve
from core.pairs import sample_steps

ESTIMATE = (
    "estimate: ||a_t^T dh_t/dh_k|| with a_t the top Lyapunov direction at step t (a lower bound of the "
    "spectral norm, tight once t - k exceeds a few steps; see docs/performance.md for its measured error)"
)


def grid(values: np.ndarray, fmt: Format, rows_max: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A (rows, steps) view reduced for the compact format: sampled rows and step columns."""
    n, width = values.shape
    if fmt == "json":
        return values, np.arange(n), np.arange(width)
    rows = sample_steps(n - 1, rows_max)
    cols = sample_steps(width - 1)
    return values[np.ix_(rows, cols)], rows, cols


def pairs(r: Result, fmt: Format) -> dict[str, Any]:
    b, h = r.budget, r.pairs
    assert h is not None
    message = None
    if not h.exact:
        lower = f"lower steps to {b.max_steps} or less" + (
            f", or hidden to {b.max_hidden} or less" if b.max_hidden else ""
        )
        message = f"Estimated: the exact heatmap needs {b.work:.3g} work units, over the budget of {b.budget:.3g}; for exact values {lower}."
    return {
        "exact": h.exact,
        "method": "exact spectral or Frobenius norm of every product" if h.exact else ESTIMATE,
        "t": h.rows.tolist(),
        "k": h.cols.tolist(),
        "log10_norm": array(h.values, fmt),
        "work": b.work,
        "budget": b.budget,
        "max_steps": b.max_steps,
        "max_hidden": b.max_hidden,
        "message": message,
    }


def common(r: Result, include: str | None, fmt: Format) -> dict[str, Any]:
    units, i, k = grid(r.units, fmt, UNIT_ROWS)
    return {
        "summary": {key: scalar(v) for key, v in r.summary.items()},
        "decay": {"log10_norm": array(r.decay, fmt)},
        "pairs": pairs(r, fmt),
        "units": {"log10_abs": array(units, fmt), "i": i.tolist(), "k": k.tolist()},
        "weights": {key: v.tolist() for key, v in r.arrays.items()} if include == "weights" else None,
    }


def gated(q: Any, r: Result, path: str, of: str) -> dict[str, Any]:
    """The body of a gated cell: the common parts and its direct path under the name `path`."""
    body = common(r, q.include, q.format)
    body["decay"]["of"] = of
    body[path] = diagonal_path(r, q.format)
    return body


def diagonal_path(r: Result, fmt: Format) -> dict[str, Any]:
    """A gated cell's direct path (LSTM cell state, GRU carry), unit lines reduced for the compact format."""
    per_unit, i, k = grid(r.cell_path["log10_per_unit"], fmt, CELL_LINES)
    return {
        "log10_norm": array(r.cell_path["log10_norm"], fmt),
        "log10_per_unit": array(per_unit, fmt),
        "i": i.tolist(),
        "k": k.tolist(),
        "reference_log10": array(r.cell_path["reference_log10"], fmt),
    }


def preactivations(r: Result, activation: str) -> dict[str, Any]:
    """An RNN run's pre-activations on phi' (saturation), with the curve of its activation."""
    h = r.preactivations
    assert h is not None
    return {
        "edges": h.edges.tolist(),
        "counts": h.counts.tolist(),
        "below": h.below,
        "above": h.above,
        "saturated_fraction": h.saturated_fraction,
        "zero_fraction": h.zero_fraction,
        "curve": {k: v.tolist() for k, v in curve(activation).items()} | {"gamma": r.summary["gamma"]},
    }
