"""GET /api/v1/rnn, /lstm and /gru: pure functions of the query string, served from a small cache shared by every endpoint."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel

from app.contract.encode import Format, array, scalar
from app.contract.recurrent import (
    GRUEcho,
    GRUQuery,
    GRUResponse,
    GRUViewQuery,
    LSTMEcho,
    LSTMQuery,
    LSTMResponse,
    LSTMViewQuery,
    RNNEcho,
    RNNQuery,
    RNNResponse,
    RNNViewQuery,
)
from app.endpoints import loaded
from app.endpoints.bodies import common, gated, preactivations
from app.service.cache import BodyCache
from app.service.limits import LIMITED, Guard, Refused
from core import GRUConfig, LSTMConfig, RNNConfig, run_gru, run_lstm, run_rnn, theory
from core.logmath import power_line

router = APIRouter(prefix="/api/v1", tags=["gradients"], responses=LIMITED)


def _seeded(q: BaseModel) -> dict[str, Any]:
    """The seeded model's fields of a view query (without the loaded model's)."""
    return q.model_dump(exclude={"include", "format", "model", "layer", "direction", "forget_shift", "update_shift"})


def rnn_body(q: RNNQuery) -> bytes:
    """The JSON body for one RNN query."""
    cfg = RNNConfig(**_seeded(q))
    r = run_rnn(cfg)
    assert r.bound is not None
    body = common(r, q.include, q.format)
    body["decay"]["of"] = "dh_T/dh_k"
    body["bound"] = {"log10": array(r.bound, q.format)}
    assert r.preactivations is not None and r.rho_line is not None
    body["preactivations"] = preactivations(r, cfg.activation)
    body["theory"] = {"rho_log10": array(r.rho_line, q.format), "mean_field": _mean_field(cfg, q.format)}
    who = {"kind": "rnn", "n": cfg.hidden, "m": cfg.hidden}
    echo = RNNEcho(**asdict(cfg), **who, include=q.include, format=q.format, input_size=cfg.hidden)
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
    cfg = LSTMConfig(**_seeded(q))
    body = gated(q, run_lstm(cfg), "cell_path", loaded.OF["lstm"])
    who = {"kind": "lstm", "n": cfg.hidden, "m": cfg.hidden}
    echo = LSTMEcho(**asdict(cfg), **who, include=q.include, format=q.format, input_size=cfg.hidden)
    return LSTMResponse(config=echo, **body).model_dump_json().encode()


def gru_body(q: GRUQuery) -> bytes:
    """The JSON body for one GRU query."""
    cfg = GRUConfig(**_seeded(q))
    body = gated(q, run_gru(cfg), "carry_path", loaded.OF["gru"])
    who = {"kind": "gru", "n": cfg.hidden, "m": cfg.hidden}
    echo = GRUEcho(**asdict(cfg), **who, include=q.include, format=q.format, input_size=cfg.hidden)
    return GRUResponse(config=echo, **body).model_dump_json().encode()


def answer(
    request: Request, endpoint: str, q: BaseModel, compute: Callable[[], bytes], cost: tuple[str, Any] | None = None
) -> Response:
    """The cached or freshly computed body, with its compute time in a Server-Timing header.

    Responses are pure functions of the query: the hot presets are served from the app's cache. A miss is
    computed within the app's limits (app/service/limits.py): too large a request is refused with 422 before any work,
    a heavy one waits briefly for a slot (else 503 with Retry-After), and each stops at the time cap (503).
    `cost`: the cost model and query to check instead of the endpoint's own and q (a loaded model's layer).
    """
    cache: BodyCache = request.app.state.cache
    guard: Guard = request.app.state.guard
    t0 = time.perf_counter()
    misses = cache.misses
    values = q.model_dump()
    key = (endpoint, *sorted(values.items()))  # endpoints may share a query model
    try:
        checked, checked_values = cost or (endpoint, values)
        body = cache.get_or_compute(key, lambda: guard.run(checked, checked_values, compute))
    except Refused as e:
        return e.response
    timing = f"compute;dur={(time.perf_counter() - t0) * 1e3:.1f}" if cache.misses > misses else "cache;desc=hit"
    return Response(body, media_type="application/json", headers={"Server-Timing": timing})


def _view(request: Request, kind: str, q: BaseModel, seeded: Callable[[], bytes]) -> Response:
    """A seeded run, or (with `model`) the stored model's layer; fields that do not go together are a 422."""
    try:
        pick = loaded.resolve(request, kind, q)
    except loaded.LoadedError as e:
        return loaded.refusal(e)
    if pick is None:
        return answer(request, kind, q, seeded)
    return answer(request, kind, q, lambda: loaded.body(kind, q, pick), (f"{kind}_model", pick.cost_query(q)))


@router.get(
    "/rnn", response_model=RNNResponse, responses=loaded.NOT_FOUND, summary="Gradient flow through a vanilla RNN"
)
def rnn(request: Request, q: Annotated[RNNViewQuery, Query()]) -> Response:
    """Jacobian products dh_t/dh_k of h_t = phi(W h_{t-1} + U x_t + b), all as log10: of seeded weights, or with
    `model` of one layer and direction of an uploaded model."""
    return _view(request, "rnn", q, lambda: rnn_body(q))


@router.get("/lstm", response_model=LSTMResponse, responses=loaded.NOT_FOUND, summary="Gradient flow through an LSTM")
def lstm(request: Request, q: Annotated[LSTMViewQuery, Query()]) -> Response:
    """Full-state Jacobian products and the cell-state path alone, all as log10: of seeded weights, or with
    `model` of one layer and direction of an uploaded model."""
    return _view(request, "lstm", q, lambda: lstm_body(q))


@router.get("/gru", response_model=GRUResponse, responses=loaded.NOT_FOUND, summary="Gradient flow through a GRU")
def gru(request: Request, q: Annotated[GRUViewQuery, Query()]) -> Response:
    """Jacobian products dh_t/dh_k of a GRU and its carry path prod diag(1 - z_t), all as log10: of seeded
    weights, or with `model` of one layer and direction of an uploaded model."""
    return _view(request, "gru", q, lambda: gru_body(q))
