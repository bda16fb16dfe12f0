"""The stack's floor for the benchmark: a fixed 100 x 100 heatmap page served by the same app.

A slider on it fetches a precomputed array and redraws with Plotly.react, the same
path as the explorer minus all the numerics; its latency is what no change to the
explorer can beat.
"""

from __future__ import annotations

import json
from functools import lru_cache

import numpy as np
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from app.contract.encode import typed
from app.service.assets import PLOTLY_CARTESIAN, TEMPLATES_DIR, plotly_js_version

router = APIRouter(prefix="/bench", tags=["benchmark"], include_in_schema=False)
templates = Jinja2Templates(directory=str(TEMPLATES_DIR))


@lru_cache(maxsize=1)
def _body() -> bytes:
    z = np.sin(np.arange(100)[:, None] / 7.0) * np.cos(np.arange(100)[None, :] / 11.0) * 10
    return json.dumps({"z": typed(z)}).encode()


@router.get("/floor", response_class=HTMLResponse)
def floor(request: Request) -> HTMLResponse:
    """The trivial page: one slider, one 100 x 100 heatmap."""
    return templates.TemplateResponse(
        request, "floor.html", {"plotly_version": plotly_js_version(), "plotly_bundle": PLOTLY_CARTESIAN}
    )


@router.get("/floor.json")
def floor_data(v: float = 0.0) -> Response:
    """The fixed heatmap (the query value only defeats caches, as a slider would)."""
    return Response(_body(), media_type="application/json")
