"""GET /api/v1/nearfar: the RNN's total gradient split by distance t - k (claim C6)."""

from __future__ import annotations

import math
from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from app.api import answer
from app.encode import floats, scalar
from app.schemas import RNNQuery
from core import RNNConfig
from core.nearfar import run_nearfar

router = APIRouter(prefix="/api/v1", tags=["gradients"])
# About 2 T^2 n^2 multiply-adds; within this budget (~0.3 s here) the split is computed.
WORK_BUDGET = 2.5e9
Floats = list[float | None]


def work(steps: int, hidden: int) -> float:
    """Multiply-adds of the near/far split."""
    return 2.0 * steps**2 * hidden**2


class NearFarResponse(BaseModel):
    """dE/dW = sum over distances delta = t - k of S_delta, for E = sum_t <u, h_t>; norms are Frobenius, as log10."""

    model: str = "nearfar"
    config: RNNQuery
    computed: bool = Field(description="False when over the work budget (see message).")
    message: str | None = Field(description="What to lower when not computed.")
    work: float = Field(description="2 T^2 n^2 multiply-adds.")
    budget: float
    log10_total: float | None = Field(description="log10 ||dE/dW||.")
    log10_term: Floats = Field(description="log10 ||S_delta||, delta = 0..T-1; null for an exact zero.")
    log10_tail: Floats = Field(description="log10 ||sum_{delta >= d} S_delta||, d = 0..T-1: what distances >= d carry.")
    log10_tail_parts: Floats = Field(description="log10 sum_{delta >= d} ||S_delta|| (no cancellation).")
    log10_share: Floats = Field(description="log10_tail - log10_total: the share of the gradient from distances >= d.")


def nearfar_body(q: RNNQuery) -> bytes:
    """The JSON body of one near/far query."""
    cfg = RNNConfig(**q.model_dump(exclude={"include", "format"}))
    cost = work(cfg.steps, cfg.hidden)
    base = {"config": q, "work": cost, "budget": WORK_BUDGET}
    if cost > WORK_BUDGET:
        max_steps = math.isqrt(int(WORK_BUDGET / (2 * cfg.hidden**2)))
        max_hidden = math.isqrt(int(WORK_BUDGET / (2 * cfg.steps**2)))
        message = f"The near/far split needs {cost:.3g} multiply-adds, over the budget of {WORK_BUDGET:.3g}: lower steps to {max_steps} or hidden to {max_hidden}."
        empty: Floats = []
        out = NearFarResponse(
            **base,
            computed=False,
            message=message,
            log10_total=None,
            log10_term=empty,
            log10_tail=empty,
            log10_tail_parts=empty,
            log10_share=empty,
        )
        return out.model_dump_json().encode()
    r = run_nearfar(cfg)
    out = NearFarResponse(
        **base,
        computed=True,
        message=None,
        log10_total=scalar(r.log10_total),
        log10_term=floats(r.log10_term),
        log10_tail=floats(r.log10_tail),
        log10_tail_parts=floats(r.log10_tail_parts),
        log10_share=floats(r.log10_share),
    )
    return out.model_dump_json().encode()


@router.get("/nearfar", response_model=NearFarResponse, summary="Near versus far terms of the RNN's gradient")
def nearfar(q: Annotated[RNNQuery, Query()]) -> Response:
    """The gradient of E = sum_t <u, h_t> with respect to W, split by the distance t - k it travelled."""
    return answer("nearfar", q, lambda: nearfar_body(q))
