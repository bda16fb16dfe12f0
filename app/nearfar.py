"""GET /api/v1/nearfar: the RNN's total gradient split by distance t - k (claim C6)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import Field

from app.api import answer
from app.encode import floats, scalar
from app.limits import LIMITED
from app.schemas import BudgetedRNN, RNNQuery, rnn_arrays
from core import RNNConfig
from core.nearfar import WORK_BUDGET, largest_within_budget, run_nearfar, work

router = APIRouter(prefix="/api/v1", tags=["gradients"], responses=LIMITED)
Floats = list[float | None]


class NearFarResponse(BudgetedRNN):
    """dE/dW = sum over distances delta = t - k of S_delta, for E = sum_t <u, h_t>; norms are Frobenius, as log10."""

    model: str = "nearfar"
    work: float = Field(description="2 T^2 n^2 multiply-adds.")
    # Empty (null total) when not computed.
    log10_total: float | None = Field(None, description="log10 ||dE/dW||.")
    log10_term: Floats = Field([], description="log10 ||S_delta||, delta = 0..T-1; null for an exact zero.")
    log10_tail: Floats = Field(
        [], description="log10 ||sum_{delta >= d} S_delta||, d = 0..T-1: what distances >= d carry."
    )
    log10_tail_parts: Floats = Field([], description="log10 sum_{delta >= d} ||S_delta|| (no cancellation).")
    log10_share: Floats = Field(
        [], description="log10_tail - log10_total: the share of the gradient from distances >= d."
    )


def over_budget(cfg: RNNConfig) -> str | None:
    """Why the split is not computed for these sizes, and what to lower (None: it is)."""
    cost = work(cfg.steps, cfg.hidden)
    if cost <= WORK_BUDGET:
        return None
    max_steps, max_hidden = largest_within_budget(cfg.steps, cfg.hidden)
    return (
        f"The near/far split needs {cost:.3g} multiply-adds, over the budget of {WORK_BUDGET:.3g}: "
        f"lower steps to {max_steps} or hidden to {max_hidden}."
    )


def nearfar_body(q: RNNQuery) -> bytes:
    """The JSON body of one near/far query."""
    cfg = RNNConfig(**q.model_dump(exclude={"include", "format"}))
    cost = work(cfg.steps, cfg.hidden)
    base = {"config": q, "work": cost, "budget": WORK_BUDGET, "weights": rnn_arrays(cfg) if q.include else None}
    message = over_budget(cfg)
    if message is not None:
        return NearFarResponse(**base, computed=False, message=message).model_dump_json().encode()
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
def nearfar(request: Request, q: Annotated[RNNQuery, Query()]) -> Response:
    """The gradient of E = sum_t <u, h_t> with respect to W, split by the distance t - k it travelled."""
    return answer(request, "nearfar", q, lambda: nearfar_body(q))
