"""GET /api/v1/cliff and /api/v1/cliff/descent: Pascanu et al.'s two-parameter cliff, and descent with clipping."""

from __future__ import annotations

from typing import Annotated

import numpy as np
from fastapi import APIRouter, Query, Request, Response

from app.contract.cliff import (
    CliffQuery,
    CliffResponse,
    DescentQuery,
    DescentResponse,
    Run,
    WallBranch,
    log10_steps,
    surface_summary,
)
from app.contract.encode import array, floats
from app.endpoints.api import answer
from app.service.limits import LIMITED
from core import cliff as k

router = APIRouter(prefix="/api/v1", tags=["cliff"], responses=LIMITED)


def cliff_body(q: CliffQuery) -> bytes:
    """The JSON body of one surface query."""
    cfg = k.CliffConfig(**q.model_dump(exclude={"format"}))
    s = k.surface(cfg)
    walls = [WallBranch(w=br["w"].tolist(), b=br["b"].tolist(), log10_norm=floats(br["log10_norm"])) for br in s.wall]
    out = CliffResponse(
        config=q,
        w=s.w.tolist(),
        b=s.b.tolist(),
        loss=array(s.loss, q.format),
        log10_norm=array(s.log10_norm, q.format),
        wall=walls,
        summary=surface_summary(s),
    )
    return out.model_dump_json().encode()


def descent_body(q: DescentQuery) -> bytes:
    """The JSON body of one descent query."""
    cfg = k.CliffConfig(**q.model_dump())
    runs = []
    for r in k.descents(cfg).values():
        steps = log10_steps(r)
        runs.append(
            Run(
                method=r.method,
                w=r.w,
                b=r.b,
                loss=r.loss,
                log10_norm=floats(np.array(r.log10_norm)),
                clipped=r.clipped,
                random=r.random,
                log10_step=floats(steps),
                stopped=r.stopped,
            )
        )
    out = DescentResponse(config=q, runs=runs, max_clipped_step=q.lr * q.threshold)
    return out.model_dump_json().encode()


@router.get("/cliff", response_model=CliffResponse, summary="The cliff: E and ||grad E|| over (w, b)")
def cliff_surface(request: Request, q: Annotated[CliffQuery, Query()]) -> Response:
    """E and log10 ||grad E|| of the two-parameter recurrent net on a grid, and the wall's exact position."""
    return answer(request, "cliff", q, lambda: cliff_body(q))


@router.get("/cliff/descent", response_model=DescentResponse, summary="Gradient descent at the cliff, with clipping")
def cliff_descent(request: Request, q: Annotated[DescentQuery, Query()]) -> Response:
    """Three runs from (w0, b0): plain, norm-clipped and element-wise clipped gradient descent."""
    return answer(request, "descent", q, lambda: descent_body(q))
