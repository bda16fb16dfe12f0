"""/embed: one view with minimal chrome, for course sites that put it in an iframe.

`view` picks the view (recurrent, scalar, feedforward, cliff, train); `controls` shows all of its controls
(`all`, the default), none (`none`) or a comma-separated list of field names (`controls=scale,forget_bias`);
`text=0` hides the explanations; `plots` shows all of the view's plots (`all`, the default) or the listed ones
(`plots=decay` or `plots=plot-decay,pairs`: the panels' names in PANELS, as the page's `plot-<name>` ids).
Everything else in the query is the view's state, as on the view's own
page. The embedded page tells its parent its height by postMessage ({type: "bptt-explorer:height"}).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse

from app.contract.quoting import quoted
from app.pages import i18n, pages
from app.pages.pages import EMBED_PATH

router = APIRouter(tags=["pages"])
VIEWS: dict[str, Callable[[Request], HTMLResponse]] = {
    "recurrent": pages.index,
    "scalar": pages.scalar_page,
    "feedforward": pages.feedforward_page,
    "cliff": pages.cliff_page,
    "train": pages.train_page,
}
_CONTROLS = re.compile(r"^(all|none|[a-z_0-9]+(,[a-z_0-9]+)*)$")
# Each view's plot panels by name (the page's element `plot-<name>`), in page order; with the models a recurrent
# panel is drawn for (its `data-models`; none: every model). tests/app/pages/test_embed.py checks them against the pages.
PANELS: dict[str, dict[str, tuple[str, ...]]] = {
    "recurrent": {
        "decay": (),
        "pairs": (),
        "activation": ("rnn",),
        "units": (),
        "nearfar": ("rnn",),
        "spectrum": ("rnn",),
        "cell": ("lstm",),
        "carry": ("gru",),
    },
    "scalar": dict.fromkeys(("factors", "activation", "compound"), ()),
    "feedforward": dict.fromkeys(("grads", "hist", "dead"), ()),
    "cliff": dict.fromkeys(("loss", "grad", "curves", "steps"), ()),
    "train": dict.fromkeys(("loss", "grad", "heat", "far"), ()),
}
MODELS = {"rnn": "rnn", "lstm": "lstm", "gru": "gru", "compare": "compare", "both": "compare"}


def _refusal(request: Request, message: str, view: str | None = None) -> HTMLResponse:
    """404: a page in the iframe for a browser, the message as JSON for anything else. With `view`, the page
    links the view with each of its plots instead of naming the views."""
    if "text/html" not in request.headers.get("accept", ""):
        raise HTTPException(404, message)
    model = MODELS.get(request.query_params.get("model", "rnn"), "compare")
    drawn = [n for n, models in PANELS[view].items() if not models or model in (*models, "compare")] if view else []
    plots = [(name, str(request.url.include_query_params(plots=name))) for name in drawn]
    context = {
        **i18n.page_context(request),
        "message": message,
        "views": list(VIEWS),
        "plots": plots,
        "embed_path": EMBED_PATH,
    }
    return pages.templates.TemplateResponse(request, "embed_error.html", context, status_code=404)


@router.get(EMBED_PATH, response_class=HTMLResponse, include_in_schema=False)
def embed(
    request: Request, view: str = "recurrent", controls: str = "all", text: str = "1", plots: str = "all"
) -> HTMLResponse:
    """A view for an iframe: no header, the chosen controls, with or without its explanations."""
    if view not in VIEWS:
        return _refusal(request, f"view must be one of: {', '.join(VIEWS)} (got {quoted(view)})")
    if not _CONTROLS.match(controls):
        return _refusal(
            request, f"controls must be all, none or a comma-separated list of names (got {quoted(controls)})"
        )
    if text not in ("0", "1"):
        return _refusal(request, f"text must be 0 or 1 (got {quoted(text)})")
    problem = plots_problem(view, plots, request.query_params.get("model", "rnn"))
    if problem:
        return _refusal(request, problem, view)
    return VIEWS[view](request)


def chosen_plots(plots: str) -> list[str]:
    """The panel names of a `plots=` value, `plot-` prefixes taken off (empty for all)."""
    if plots == "all":
        return []
    return [name.strip().removeprefix("plot-") for name in plots.split(",")]


def plots_problem(view: str, plots: str, model: str) -> str | None:
    """What is wrong with `plots=` for this view and the link's model, or None."""
    panels = PANELS[view]
    names = chosen_plots(plots)
    unknown = [n for n in names if n not in panels]
    if unknown or (plots != "all" and not names):
        return f"plots must be all or a comma-separated list of: {', '.join(panels)} (got {quoted(plots)})"
    shown = MODELS.get(model)
    if names and shown not in (None, "compare") and not any(not panels[n] or shown in panels[n] for n in names):
        needs = [*dict.fromkeys(m for n in names for m in panels[n]), "compare"]
        return f"plots {quoted(plots)} are drawn for model {' or '.join(needs)} only (the link's model is {model})"
    return None
