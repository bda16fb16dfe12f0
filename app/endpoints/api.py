"""GET /api/v1/rnn, /lstm and /gru: pure functions of the query string, served from a small cache shared by every endpoint."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict
from typing import Annotated, Any

import numpy as np
from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel

from app.contract.encode import Format, array, scalar
from app.contract.recurrent import (
    CELL_LINES,
    UNIT_ROWS,
    GRUEcho,
    GRUQuery,
    GRUResponse,
    LSTMEcho,
    LSTMQuery,
    LSTMResponse,
    RNNEcho,
    RNNQuery,
    RNNResponse,
)
from app.service.cache import BodyCache
from app.service.limits import LIMITED, Guard, Refused
from core import GRUConfig, LSTMConfig, Result, RNNConfig, run_gru, run_lstm, run_rnn, theory
from core.activations import curve
from core.logmath import power_line
from core.pairs import sample_steps

router = APIRouter(prefix="/api/v1", tags=["gradients"], responses=LIMITED)

ESTIMATE = (
    "estimate: ||a_t^T dh_t/dh_k|| with a_t the top Lyapunov direction at step t (a lower bound of the "
    "spectral norm, tight once t - k exceeds a few steps; see docs/performance.md for its measured error)"
)


def _grid(values: np.ndarray, fmt: Format, rows_max: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A (rows, steps) view reduced for the compact format: sampled rows and step columns."""
    n, width = values.shape
    if fmt == "json":
        return values, np.arange(n), np.arange(width)
    rows = sample_steps(n - 1, rows_max)
    cols = sample_steps(width - 1)
    return values[np.ix_(rows, cols)], rows, cols


def _pairs(r: Result, fmt: Format) -> dict[str, Any]:
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


def _common(r: Result, include: str | None, fmt: Format) -> dict[str, Any]:
    units, i, k = _grid(r.units, fmt, UNIT_ROWS)
    return {
        "summary": {key: scalar(v) for key, v in r.summary.items()},
        "decay": {"log10_norm": array(r.decay, fmt)},
        "pairs": _pairs(r, fmt),
        "units": {"log10_abs": array(units, fmt), "i": i.tolist(), "k": k.tolist()},
        "weights": {key: v.tolist() for key, v in r.arrays.items()} if include == "weights" else None,
    }


def rnn_body(q: RNNQuery) -> bytes:
    """The JSON body for one RNN query."""
    cfg = RNNConfig(**q.model_dump(exclude={"include", "format"}))
    r = run_rnn(cfg)
    assert r.bound is not None
    body = _common(r, q.include, q.format)
    body["decay"]["of"] = "dh_T/dh_k"
    body["bound"] = {"log10": array(r.bound, q.format)}
    assert r.preactivations is not None and r.rho_line is not None
    h = r.preactivations
    body["preactivations"] = {
        "edges": h.edges.tolist(),
        "counts": h.counts.tolist(),
        "below": h.below,
        "above": h.above,
        "saturated_fraction": h.saturated_fraction,
        "zero_fraction": h.zero_fraction,
        "curve": {k: v.tolist() for k, v in curve(cfg.activation).items()} | {"gamma": r.summary["gamma"]},
    }
    body["theory"] = {"rho_log10": array(r.rho_line, q.format), "mean_field": _mean_field(cfg, q.format)}
    echo = RNNEcho(**asdict(cfg), include=q.include, format=q.format, input_size=cfg.hidden)
    return RNNResponse(config=echo, **body).model_dump_json().encode()


def _mean_field(cfg: RNNConfig, fmt: Format) -> dict[str, Any]:
    """The mean-field growth rate of this run's settings as a line over k."""
    m = theory.mean_field(cfg.activation, cfg.scale, cfg.input_scale, cfg.bias)
    line = power_line(cfg.steps, m.log10_growth_per_step)
    return {
        "applies": cfg.init != "identity",
        "q_star": scalar(m.q_star),
        "chi": m.chi,
        "log10_growth_per_step": scalar(m.log10_growth_per_step),
        "converged": m.converged,
        "log10": array(line, fmt),
    }


def lstm_body(q: LSTMQuery) -> bytes:
    """The JSON body for one LSTM query."""
    cfg = LSTMConfig(**q.model_dump(exclude={"include", "format"}))
    body = _gated(q, run_lstm(cfg), "cell_path", "d(h_T, c_T)/d(h_k, c_k), all paths")
    echo = LSTMEcho(**asdict(cfg), include=q.include, format=q.format, input_size=cfg.hidden)
    return LSTMResponse(config=echo, **body).model_dump_json().encode()


def gru_body(q: GRUQuery) -> bytes:
    """The JSON body for one GRU query."""
    cfg = GRUConfig(**q.model_dump(exclude={"include", "format"}))
    body = _gated(q, run_gru(cfg), "carry_path", "dh_T/dh_k")
    echo = GRUEcho(**asdict(cfg), include=q.include, format=q.format, input_size=cfg.hidden)
    return GRUResponse(config=echo, **body).model_dump_json().encode()


def _gated(q: LSTMQuery | GRUQuery, r: Result, path: str, of: str) -> dict[str, Any]:
    """The body of a gated cell: the common parts and its direct path under the name `path`."""
    body = _common(r, q.include, q.format)
    body["decay"]["of"] = of
    body[path] = _diagonal_path(r, q.format)
    return body


def _diagonal_path(r: Result, fmt: Format) -> dict[str, Any]:
    """A gated cell's direct path (LSTM cell state, GRU carry), unit lines reduced for the compact format."""
    per_unit, i, k = _grid(r.cell_path["log10_per_unit"], fmt, CELL_LINES)
    return {
        "log10_norm": array(r.cell_path["log10_norm"], fmt),
        "log10_per_unit": array(per_unit, fmt),
        "i": i.tolist(),
        "k": k.tolist(),
        "reference_log10": array(r.cell_path["reference_log10"], fmt),
    }


def answer(request: Request, endpoint: str, q: BaseModel, compute: Callable[[], bytes]) -> Response:
    """The cached or freshly computed body, with its compute time in a Server-Timing header.

    Responses are pure functions of the query: the hot presets are served from the app's cache. A miss is
    computed within the app's limits (app/service/limits.py): too large a request is refused with 422 before any work,
    a heavy one waits briefly for a slot (else 503 with Retry-After), and each stops at the time cap (503).
    """
    cache: BodyCache = request.app.state.cache
    guard: Guard = request.app.state.guard
    t0 = time.perf_counter()
    misses = cache.misses
    values = q.model_dump()
    key = (endpoint, *sorted(values.items()))  # endpoints may share a query model
    try:
        body = cache.get_or_compute(key, lambda: guard.run(endpoint, values, compute))
    except Refused as e:
        return e.response
    timing = f"compute;dur={(time.perf_counter() - t0) * 1e3:.1f}" if cache.misses > misses else "cache;desc=hit"
    return Response(body, media_type="application/json", headers={"Server-Timing": timing})


@router.get("/rnn", response_model=RNNResponse, summary="Gradient flow through a vanilla RNN")
def rnn(request: Request, q: Annotated[RNNQuery, Query()]) -> Response:
    """Jacobian products dh_t/dh_k of h_t = phi(W h_{t-1} + U x_t + b), all as log10."""
    return answer(request, "rnn", q, lambda: rnn_body(q))


@router.get("/lstm", response_model=LSTMResponse, summary="Gradient flow through an LSTM")
def lstm(request: Request, q: Annotated[LSTMQuery, Query()]) -> Response:
    """Full-state Jacobian products and the cell-state path alone, all as log10."""
    return answer(request, "lstm", q, lambda: lstm_body(q))


@router.get("/gru", response_model=GRUResponse, summary="Gradient flow through a GRU")
def gru(request: Request, q: Annotated[GRUQuery, Query()]) -> Response:
    """Jacobian products dh_t/dh_k of a GRU and its carry path prod diag(1 - z_t), all as log10."""
    return answer(request, "gru", q, lambda: gru_body(q))
