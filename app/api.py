"""GET /api/v1/rnn and /api/v1/lstm: pure functions of the query string, served from a small cache."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Query, Response

from app.cache import BodyCache
from app.encode import floats, scalar
from app.schemas import (
    Bound,
    CellPath,
    Decay,
    Include,
    LSTMEcho,
    LSTMQuery,
    LSTMResponse,
    Pairs,
    RNNEcho,
    RNNQuery,
    RNNResponse,
    Units,
)
from core import LSTMConfig, Result, RNNConfig, run_lstm, run_rnn

router = APIRouter(prefix="/api/v1", tags=["gradients"])
# Responses are pure functions of the query: the hot presets are served from memory.
cache = BodyCache(max_bytes=256 * 2**20, max_entry_bytes=32 * 2**20)


def _pairs(r: Result) -> Pairs:
    b = r.budget
    message = None
    if r.pairs is None:
        message = (
            f"The exact (t, k) heatmap needs {b.work:.3g} work units, over the budget of {b.budget:.3g}: "
            f"lower steps to {b.max_steps} or less"
            + (f", or hidden to {b.max_hidden} or less." if b.max_hidden else ".")
        )
    return Pairs(
        available=r.pairs is not None,
        log10_norm=None if r.pairs is None else floats(r.pairs),
        work=b.work,
        budget=b.budget,
        max_steps=b.max_steps,
        max_hidden=b.max_hidden,
        message=message,
    )


def _common(r: Result, include: Include | None) -> dict[str, object]:
    return {
        "summary": {k: scalar(v) for k, v in r.summary.items()},
        "pairs": _pairs(r),
        "units": Units(log10_abs=floats(r.units)),
        "weights": {k: v.tolist() for k, v in r.arrays.items()} if include == "weights" else None,
    }


def rnn_body(cfg: RNNConfig, include: Include | None) -> bytes:
    """The JSON body for one RNN configuration."""
    r = run_rnn(cfg)
    assert r.bound is not None
    body = RNNResponse(
        config=RNNEcho(**asdict(cfg), include=include, input_size=cfg.hidden),
        decay=Decay(log10_norm=floats(r.decay), of="dh_T/dh_k"),
        bound=Bound(log10=floats(r.bound)),
        **_common(r, include),
    )
    return body.model_dump_json().encode()


def lstm_body(cfg: LSTMConfig, include: Include | None) -> bytes:
    """The JSON body for one LSTM configuration."""
    r = run_lstm(cfg)
    body = LSTMResponse(
        config=LSTMEcho(**asdict(cfg), include=include, input_size=cfg.hidden),
        decay=Decay(log10_norm=floats(r.decay), of="d(h_T, c_T)/d(h_k, c_k), all paths"),
        cell_path=CellPath(
            log10_norm=floats(r.cell_path["log10_norm"]),
            log10_per_unit=floats(r.cell_path["log10_per_unit"]),
            reference_log10=r.cell_path["reference_log10"].tolist(),
        ),
        **_common(r, include),
    )
    return body.model_dump_json().encode()


@router.get("/rnn", response_model=RNNResponse, summary="Gradient flow through a vanilla RNN")
def rnn(q: Annotated[RNNQuery, Query()]) -> Response:
    """Jacobian products dh_t/dh_k of h_t = phi(W h_{t-1} + U x_t + b), all as log10."""
    cfg = RNNConfig(**q.model_dump(exclude={"include"}))
    body = cache.get_or_compute(("rnn", cfg, q.include), lambda: rnn_body(cfg, q.include))
    return Response(body, media_type="application/json")


@router.get("/lstm", response_model=LSTMResponse, summary="Gradient flow through an LSTM")
def lstm(q: Annotated[LSTMQuery, Query()]) -> Response:
    """Full-state Jacobian products and the cell-state path alone, all as log10."""
    cfg = LSTMConfig(**q.model_dump(exclude={"include"}))
    body = cache.get_or_compute(("lstm", cfg, q.include), lambda: lstm_body(cfg, q.include))
    return Response(body, media_type="application/json")
