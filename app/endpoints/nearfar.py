"""GET /api/v1/nearfar: the RNN's total gradient split by distance t - k (claim C6)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.contract.encode import floats, scalar
from app.contract.recurrent import RNNQuery, rnn_arrays
from app.contract.theory import NearFarResponse, nearfar_over_budget
from app.endpoints.api import answer
from app.service.limits import LIMITED
from core import RNNConfig
from core.nearfar import WORK_BUDGET, run_nearfar, work

router = APIRouter(prefix="/api/v1", tags=["gradients"], responses=LIMITED)
Floats = list[float | None]


def nearfar_body(q: RNNQuery) -> bytes:
    """The JSON body of one near/far query."""
    cfg = RNNConfig(**q.model_dump(exclude={"include", "format"}))
    cost = work(cfg.steps, cfg.hidden)
    base = {"config": q, "work": cost, "budget": WORK_BUDGET, "weights": rnn_arrays(cfg) if q.include else None}
    message = nearfar_over_budget(cfg)
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
