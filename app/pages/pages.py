"""The explorer's pages. Their numbers come from the JSON API; the pages only draw them."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import APIRouter, HTTPException, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.contract import language
from app.contract.cliff import CliffQuery, DescentQuery
from app.contract.feedforward import FeedForwardQuery
from app.contract.quoting import quoted
from app.contract.recurrent import GRUQuery, LSTMQuery, RNNQuery
from app.contract.scalar import ScalarQuery
from app.contract.training import TrainQuery
from app.pages import i18n, stories
from app.service.assets import KATEX_VERSION, PLOTLY_CARTESIAN, TEMPLATES_DIR, plotly_js_version
from core import cliff as k
from core import config as c
from core import feedforward as ff
from core import scalar as s
from core.training import run as tr

router = APIRouter(tags=["pages"])
templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
i18n.install(templates.env)
templates.env.globals["plotly_bundle"] = PLOTLY_CARTESIAN


def _ranges(bounds: Mapping[str, c.Bounds]) -> dict[str, dict[str, float]]:
    """Slider ranges {name: {"lo", "hi"}} of the given bounds."""
    return {name: {"lo": b.lo, "hi": b.hi} for name, b in bounds.items()}


def _limits() -> dict[str, dict[str, float]]:
    """Slider ranges of the recurrent view, straight from the core's bounds."""
    names = {
        "hidden": c.HIDDEN,
        "steps": c.STEPS,
        "scale": c.SCALE,
        "input_scale": c.INPUT_SCALE,
        "bias": c.BIAS,
        "forget_bias": c.FORGET_BIAS,
        "update_bias": c.UPDATE_BIAS,
        "seed": c.SEED,
    }
    return _ranges(names)


EMBED_PATH = "/embed"


def embed_context(request: Request) -> dict[str, object]:
    """How a view is drawn inside an iframe (app/pages/embed.py): which controls and plots show, whether the text does."""
    if request.url.path != EMBED_PATH:
        return {"embed": False}
    return {
        "embed": True,
        "embed_controls": request.query_params.get("controls", "all"),
        "embed_plots": request.query_params.get("plots", "all"),
        "embed_text": request.query_params.get("text", "1") != "0",
    }


def unknown_names(request: Request) -> list[dict[str, str]]:
    """The page's `story=` and `lang=` values that name nothing (an empty one names the default), each with the
    values allowed: the page says so rather than quietly show no story, or English."""
    found = []
    story, lang = request.query_params.get("story", ""), request.query_params.get("lang", "")
    if story and story not in stories.BY_ID:
        first, last = stories.STORIES[0].id, stories.STORIES[-1].id
        found.append(
            {"field": "story", "value": quoted(story), "allowed": f"{first}..{last}", "first": first, "last": last}
        )
    if lang and lang not in language.LANGS:
        found.append({"field": "lang", "value": quoted(lang), "allowed": ", ".join(language.LANGS)})
    return found


def _wants_json(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def _page(
    request: Request,
    template: str,
    limits: dict[str, dict[str, float]],
    defaults: dict[str, object],
    **extra: object,
) -> HTMLResponse:
    """A view: its template with the vendored asset versions, slider ranges, defaults and the story told.

    An unknown story or language: a client that asks for JSON gets 404 naming the field; a browser gets the page
    with a note naming the value and the allowed ones (404 for a story that does not exist, 200 for a language,
    as the English page is a faithful stand-in)."""
    unknown = unknown_names(request)
    if unknown and _wants_json(request):
        detail = [
            {"field": u["field"], "message": f"{u['field']} must be one of {u['allowed']} (got {u['value']})"}
            for u in unknown
        ]
        raise HTTPException(404, detail)
    lang = i18n.lang_of(request)
    context = {
        **i18n.page_context(request),
        **stories.context(request, lang),
        **embed_context(request),
        "plotly_version": plotly_js_version(),
        "katex_version": KATEX_VERSION,
        "limits": limits,
        "defaults": defaults,
        "unknown_names": unknown,
        **extra,
    }
    status = 404 if any(u["field"] == "story" for u in unknown) else 200
    return templates.TemplateResponse(request, template, context, status_code=status)


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def index(request: Request) -> HTMLResponse:
    """The recurrent view (RNN, LSTM, GRU); its state lives in the query string, read by the page script."""
    defaults = {
        "model": "rnn",
        **GRUQuery().model_dump(exclude={"include", "format"}),
        **LSTMQuery().model_dump(exclude={"include", "format"}),
        **RNNQuery().model_dump(exclude={"include", "format"}),
    }
    return _page(request, "index.html", _limits(), defaults)


@router.get("/scalar", response_class=HTMLResponse, include_in_schema=False)
def scalar_page(request: Request) -> HTMLResponse:
    """The scalar RNN view: one unit, factor by factor, and the (1 +- eps)^N calculator."""
    extra = {"weight": s.WEIGHT, "h0": s.H0, "eps": s.EPS, "horizon": s.HORIZON}
    limits = _limits() | _ranges(extra)
    return _page(request, "scalar.html", limits, ScalarQuery().model_dump(exclude={"include"}))


@router.get("/feedforward", response_class=HTMLResponse, include_in_schema=False)
def feedforward_page(request: Request) -> HTMLResponse:
    """The deep feed-forward view: per-layer gradients, pre-activations and dead units."""
    limits = _ranges(ff.BOUNDS)
    return _page(request, "feedforward.html", limits, FeedForwardQuery().model_dump(exclude={"include"}))


@router.get("/cliff", response_class=HTMLResponse, include_in_schema=False)
def cliff_page(request: Request) -> HTMLResponse:
    """The cliff of a two-parameter recurrent net, and gradient descent with and without clipping."""
    bounds = {
        **dict.fromkeys(("w_center", "b_center"), k.CENTER),
        **dict.fromkeys(("w_range", "b_range"), k.HALF_WIDTH),
        **dict.fromkeys(("w0", "b0"), k.START),
        "resolution": k.RESOLUTION,
        "steps": k.STEPS,
        "lr": k.LR,
        "threshold": k.THRESHOLD,
        "iterations": k.ITERATIONS,
        "seed": c.SEED,
    }
    limits = _ranges(bounds)
    defaults = CliffQuery().model_dump(exclude={"format"}) | DescentQuery().model_dump()
    return _page(request, "cliff.html", limits, defaults)


@router.get("/stories", response_class=HTMLResponse, include_in_schema=False)
def stories_page(request: Request) -> HTMLResponse:
    """Every claim of the lesson as a one-click story."""
    return _page(request, "stories.html", {}, {}, stories=stories.STORIES)


@router.get("/train", response_class=HTMLResponse, include_in_schema=False)
def train_page(request: Request) -> HTMLResponse:
    """The training lab: a small RNN, LSTM or GRU learning a long-range task, watched live."""
    bounds = {
        "lag": tr.LAG,
        "hidden": tr.HIDDEN,
        "lr": tr.LR,
        "threshold": tr.THRESHOLD,
        "forget_bias": tr.FORGET_BIAS,
        "reg_weight": tr.REG_WEIGHT,
        "batch": tr.BATCH,
        "iterations": tr.ITERATIONS,
        "seed": c.SEED,
    }
    limits = _ranges(bounds)
    return _page(request, "train.html", limits, TrainQuery().model_dump())


async def not_found(request: Request, exc: Exception) -> Response:
    """An address with no route, opened in a browser: a page in its language with the views (404). Anything else
    (an API client, a 404 raised with its own detail, another status) gets FastAPI's JSON answer."""
    assert isinstance(exc, StarletteHTTPException)
    browser = "text/html" in request.headers.get("accept", "")
    if exc.status_code != 404 or exc.detail != "Not Found" or not browser:
        return await http_exception_handler(request, exc)
    context = {**i18n.page_context(request), "path": quoted(request.url.path)}
    return templates.TemplateResponse(request, "not_found.html", context, status_code=404)
