"""GET /api/v1/feedforward: a deep feed-forward net layer by layer (depth in layers is depth in time)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.contract.encode import floats
from app.contract.feedforward import FeedForwardQuery, FeedForwardResponse, LayerHistogram, summary
from app.endpoints.api import answer
from app.service.limits import LIMITED
from core import feedforward as ff

router = APIRouter(prefix="/api/v1", tags=["gradients"], responses=LIMITED)


def feedforward_body(q: FeedForwardQuery) -> bytes:
    """The JSON body of one feed-forward query."""
    cfg = ff.FFConfig(**q.model_dump(exclude={"include"}))
    r = ff.run_feedforward(cfg)
    hist = LayerHistogram(
        edges=r.hist_edges.tolist(),
        counts=r.hist_counts.tolist(),
        below=r.hist_below.tolist(),
        above=r.hist_above.tolist(),
        total=cfg.batch * cfg.width,
        flat_beyond=ff.flat_threshold(cfg.activation),
    )
    out = FeedForwardResponse(
        config=q,
        log10_grad_h=floats(r.log10_grad_h),
        log10_grad_w=floats(r.log10_grad_w),
        log10_rms_h=floats(r.log10_rms_h),
        saturated_fraction=r.saturated_fraction.tolist(),
        dead_fraction=r.dead_fraction.tolist(),
        preactivations=hist,
        summary=summary(r, cfg),
        weights={k: v.tolist() for k, v in r.arrays.items()} if q.include == "weights" else None,
    )
    return out.model_dump_json().encode()


@router.get("/feedforward", response_model=FeedForwardResponse, summary="Gradient flow through a deep feed-forward net")
def feedforward(request: Request, q: Annotated[FeedForwardQuery, Query()]) -> Response:
    """Per layer: ||dE/dh_l||, ||dE/dW_l||, the forward scale, the pre-activation histogram and dead units."""
    return answer(request, "feedforward", q, lambda: feedforward_body(q))
