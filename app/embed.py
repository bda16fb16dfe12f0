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

from app import i18n, pages
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


def quoted(value: str, limit: int = 40) -> str:
    """A value as a message quotes it: at most `limit` characters of it."""
    return repr(value if len(value) <= limit else value[:limit] + "…")


def _refusal(request: Request, message: str) -> HTMLResponse:
    """404: a page in the iframe for a browser, the message as JSON for anything else."""
    if "text/html" not in request.headers.get("accept", ""):
        raise HTTPException(404, message)
    context = {**i18n.page_context(request), "message": message, "views": list(VIEWS), "embed_path": EMBED_PATH}
    return pages.templates.TemplateResponse(request, "embed_error.html", context, status_code=404)


@router.get(EMBED_PATH, response_class=HTMLResponse, include_in_schema=False)
def embed(request: Request, view: str = "recurrent", controls: str = "all", text: str = "1") -> HTMLResponse:
    """A view for an iframe: no header, the chosen controls, with or without its explanations."""
    if view not in VIEWS:
        return _refusal(request, f"view must be one of: {', '.join(VIEWS)} (got {quoted(view)})")
    if not _CONTROLS.match(controls):
        return _refusal(
            request, f"controls must be all, none or a comma-separated list of names (got {quoted(controls)})"
        )
    if text not in ("0", "1"):
        return _refusal(request, f"text must be 0 or 1 (got {quoted(text)})")
    return VIEWS[view](request)
