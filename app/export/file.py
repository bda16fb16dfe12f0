"""Offline export: one self-contained HTML file of any view for a state URL or a story.

The file inlines plotly.js (the cartesian bundle), KaTeX (its fonts as data: URIs) and the figures of
app.figures precomputed over a grid of one or two sliders, gzip-compressed; static/js/export_player.js
draws them. It opens from disk with no server and no network. `bptt-explorer export` writes it,
`GET /export` downloads it.
"""

from __future__ import annotations

from functools import cache
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from app.contract import language
from app.contract.errors import ErrorBody
from app.export.assets import assets, pack
from app.export.plan import MAX_BYTES, MAX_POINTS, ExportError, Plan, current, grid_points, plan, seconds_of, shown
from app.figures import encode, views
from app.figures.grid import AXES, SHARED_MIN
from app.pages import i18n
from app.pages.stories import BY_ID
from app.service.assets import TEMPLATES_DIR, plotly_js_version
from app.service.cache import BodyCache
from app.service.limits import LIMITED, Guard, Refused

# The file's own words (the sliders' labels come from the interface's catalogue).
WORDS = {
    "en": {
        "title": "Gradient flow",
        "fixed": "Settings held fixed",
        "story": "Story",
        "loading": "Unpacking the precomputed figures…",
        "about": "Exported from BPTT Explorer: the figures were computed for every slider position in advance; "
        "this file needs no server and no network.",
    },
    "zh": {
        "title": "梯度流",
        "fixed": "固定的设置",
        "story": "案例",
        "loading": "正在解压预先计算的图…",
        "about": "由 BPTT Explorer 导出：每个滑块位置的图都已预先算好；此文件无需服务器，也无需网络。",
    },
}


def frames(p: Plan) -> list[dict[str, Any]]:
    """The figures at every grid point, first slider outermost; a large array that repeats is stored once."""
    return stored_once([encode(views.dicts(p.model, views.queries(p.model, q), p.lang)) for q in grid_points(p)])


def stored_once(frames: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`frames` with each typed array of SHARED_MIN characters or more that an earlier place already holds
    replaced by {"same": [frame, key, ...]}, the path to that place (static/js/export_player.js puts it back)."""
    first: dict[tuple[str, str, str], list[str | int]] = {}

    def walk(node: Any, path: list[str | int]) -> Any:
        if isinstance(node, dict):
            data = node.get("bdata")
            if isinstance(data, str) and len(data) >= SHARED_MIN:
                key = (str(node.get("dtype")), str(node.get("shape")), data)
                if key in first:
                    return {"same": first[key]}
                first[key] = path
                return node
            return {k: walk(v, [*path, k]) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v, [*path, i]) for i, v in enumerate(node)]
        return node

    return [walk(f, [i]) for i, f in enumerate(frames)]


@cache
def _env() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES_DIR), autoescape=select_autoescape(["html"]))
    i18n.install(env)
    return env


def render(p: Plan) -> str:
    """The file's HTML for a plan (computes every frame)."""
    qs = views.queries(p.model, p.params)
    settings = {k: v for q in qs.values() for k, v in q.model_dump(exclude={"include", "format"}).items()}
    fixed = {k: v for k, v in settings.items() if k not in p.sliders}
    start = [v.index(current(qs, name)) for name, v in zip(p.sliders, p.values, strict=True)]
    config = {
        "sliders": [
            {"name": n, "label": language.translate(p.lang, AXES[n].label), "values": v}
            for n, v in zip(p.sliders, p.values, strict=True)
        ],
        "start": start,
        "figures": list(views.names(p.model)),
    }
    story = BY_ID[p.story] if p.story else None
    html = (
        _env()
        .get_template("export.html")
        .render(
            lang=p.lang,
            words=WORDS[p.lang],
            html_lang=language.HTML_LANG[p.lang],
            model=language.translate(p.lang, views.VIEWS[p.model].title),
            story=story,
            fixed={k: shown(v) for k, v in fixed.items()},
            config=config,
            frames=pack(frames(p)),
            plotly_version=plotly_js_version(),
            **assets(),
        )
    )
    size = len(html.encode())
    if size > MAX_BYTES:  # the grid was sized from an estimate; the file itself is the judge
        message = (
            f"points: the file would be {size / 1e6:.1f} MB, over the {MAX_BYTES / 1e6:.0f} MB limit; use fewer points"
        )
        raise ExportError("points", message, None, len(p.values[0]))
    return html


def filename(p: Plan) -> str:
    """bptt-explorer-<story or model>-<sliders>.html"""
    what = p.story or p.model
    return f"bptt-explorer-{what}-{'-'.join(p.sliders)}.html".replace("_", "-")


def export(target: str, sliders: str | None = None, lang: str | None = None, points: int | None = None) -> str:
    """The whole file for a state URL or story id; raises ExportError on a bad request."""
    return render(plan(target, sliders, lang, points))


router = APIRouter(tags=["export"])


@router.get(
    "/export",
    response_class=Response,
    summary="A view as one self-contained HTML file that works offline",
    responses={
        200: {"content": {"text/html": {}}, "description": "The file, as an attachment."},
        422: {"model": ErrorBody, "description": "`detail` names the parameter at fault and its allowed values."},
        **LIMITED,
    },
)
def export_file(
    request: Request,
    url: Annotated[
        str,
        Query(
            max_length=4000,
            description="A state path of a view (`/?model=lstm&steps=200`, `/scalar?weight=3.9`, `/cliff?threshold=0.3`, "
            "`/feedforward?layers=30`, `/train?model=lstm&lag=50`, an `/embed?view=...` link) or a story id (`c3`).",
        ),
    ],
    sliders: Annotated[
        str | None, Query(max_length=100, description="One or two sliders, comma-separated (default: the main one).")
    ] = None,
    lang: Annotated[Literal["en", "zh"] | None, Query(description="Language of the file (default: the URL's).")] = None,
    points: Annotated[
        int | None,
        Query(ge=2, le=MAX_POINTS, description="Values per slider (default: its whole grid, or 9 with two)."),
    ] = None,
) -> Response:
    """Download the file: plotly.js and KaTeX inline, the figures precomputed over the sliders' grid."""
    try:
        p = plan(url, sliders, lang, points)
    except ExportError as exc:
        return JSONResponse({"detail": exc.detail}, status_code=422)
    # A file is the work of a whole grid: it takes a heavy slot like any large computation (503 when all are
    # busy) and is kept in the answer cache; its own limit (MAX_SECONDS) bounds its time, not the per-request cap.
    guard: Guard = request.app.state.guard
    answers: BodyCache = request.app.state.cache
    key = (
        "export",
        p.model,
        tuple(sorted(p.params.items())),
        tuple(p.sliders),
        tuple(map(tuple, p.values)),
        p.lang,
        p.story,
    )
    try:
        html = answers.get_or_compute(
            key, lambda: guard.within(seconds_of(p), lambda: render(p).encode(), capped=False)
        )
    except Refused as e:
        return e.response
    return Response(
        html,
        media_type="text/html; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename(p)}"'},
    )
