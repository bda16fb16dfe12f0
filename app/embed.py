"""/embed: one view with minimal chrome, for course sites that put it in an iframe.

`view` picks the view (recurrent, scalar, feedforward, cliff, train); `controls` shows all of its controls
(`all`, the default), none (`none`) or a comma-separated list of field names (`controls=scale,forget_bias`);
`text=0` hides the explanations. Everything else in the query is the view's state, as on the view's own
page. The embedded page tells its parent its height by postMessage ({type: "bptt-explorer:height"}).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse

from app import pages
from app.pages import EMBED_PATH

router = APIRouter(tags=["pages"])
VIEWS: dict[str, Callable[[Request], HTMLResponse]] = {
    "recurrent": pages.index,
    "scalar": pages.scalar_page,
    "feedforward": pages.feedforward_page,
    "cliff": pages.cliff_page,
    "train": pages.train_page,
}
_CONTROLS = re.compile(r"^(all|none|[a-z_0-9]+(,[a-z_0-9]+)*)$")


@router.get(EMBED_PATH, response_class=HTMLResponse, include_in_schema=False)
def embed(request: Request, view: str = "recurrent", controls: str = "all", text: str = "1") -> HTMLResponse:
    """A view for an iframe: no header, the chosen controls, with or without its explanations."""
    if view not in VIEWS:
        raise HTTPException(404, f"view must be one of: {', '.join(VIEWS)} (got {view!r})")
    if not _CONTROLS.match(controls):
        raise HTTPException(404, f"controls must be all, none or a comma-separated list of names (got {controls!r})")
    if text not in ("0", "1"):
        raise HTTPException(404, f"text must be 0 or 1 (got {text!r})")
    return VIEWS[view](request)
