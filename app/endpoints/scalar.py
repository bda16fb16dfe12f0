"""GET /api/v1/scalar: the hidden = 1 RNN, factor by factor, and the (1 +- eps)^N calculator."""

from __future__ import annotations

from typing import Annotated

import numpy as np
from fastapi import APIRouter, Query, Request, Response

from app.contract.encode import floats, scalar
from app.contract.fields import Curve
from app.contract.scalar import Compound, ScalarQuery, ScalarResponse
from app.endpoints.api import answer
from app.service.limits import LIMITED
from core import scalar as s

router = APIRouter(prefix="/api/v1", tags=["gradients"], responses=LIMITED)


def scalar_body(q: ScalarQuery) -> bytes:
    """The JSON body of one scalar query."""
    r = s.run_scalar(s.ScalarConfig(**q.model_dump(exclude={"include"})))
    weights = None
    if q.include == "weights":
        weights = {k: (np.asarray(v).tolist() if np.ndim(v) else float(v)) for k, v in r.arrays.items()}
    out = ScalarResponse(
        config=q,
        **{key: floats(getattr(r, key)) for key in ("log10_dphi", "log10_factor", "log10_running", "decay", "bound")},
        sign=r.sign,
        pre=floats(r.pre),
        states=floats(r.states),
        summary={k: scalar(v) for k, v in r.summary.items()},
        curve=Curve(**{k: v.tolist() for k, v in r.curve.items()}, gamma=r.summary["gamma"]),
        compound=Compound(**{k: scalar(float(v)) for k, v in r.compound.items()}),
        weights=weights,
    )
    return out.model_dump_json().encode()


@router.get("/scalar", response_model=ScalarResponse, summary="The scalar RNN, factor by factor")
def scalar_rnn(request: Request, q: Annotated[ScalarQuery, Query()]) -> Response:
    """dh_t/dh_{t-1} = w phi'(a_t) at every step of a one-unit RNN, their running product, and (1 +- eps)^N."""
    return answer(request, "scalar", q, lambda: scalar_body(q))
