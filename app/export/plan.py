"""The offline export's plan: which view and state a URL or story names, the grid of one or two sliders over
it, and the checks that refuse a file too large or too long to compute before anything is computed. app/export/file.py
renders the plan into the file."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from itertools import product
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import numpy as np
from pydantic import BaseModel

from app.contract import cost, language
from app.contract.quoting import quoted
from app.export.assets import fixed_bytes
from app.figures import ParamError, views
from app.figures.grid import AXES, INTEGER, MAX_SECONDS
from app.figures.grid import values as grid_values
from app.pages.stories import BY_ID, STORIES

MAX_BYTES = 8_000_000  # the file, all inlined
# A URL's keys that are not run settings: the page's (static/js/view.js KEPT) and the model.
PAGE_KEYS = {"model", "story", "lang", "present", "view", "controls", "text", "run_model"}
# The recurrent page writes every field of the view into its URL; a model takes its own, not the others'.
RECURRENT_FIELDS = views.fields("compare")


# The pages whose views export, by path and by /embed's view name (route names: app/pages/pages.py).
PATHS = {
    "/": "index",
    "/scalar": "scalar_page",
    "/cliff": "cliff_page",
    "/feedforward": "feedforward_page",
    "/train": "train_page",
}
EMBEDDED = {
    "recurrent": "index",
    "scalar": "scalar_page",
    "cliff": "cliff_page",
    "feedforward": "feedforward_page",
    "train": "train_page",
}
TWO_POINTS = 9  # default values per slider with two sliders (one slider: its whole grid, 20 to 41 values)
MAX_POINTS = 61


class ExportError(ValueError):
    """A request the export cannot make: `detail` in app/contract/errors.py's shape (field, allowed, message)."""

    def __init__(self, name: str, message: str, allowed: str | None = None, given: Any = None) -> None:
        super().__init__(message)
        self.detail = [
            {
                "field": name,
                "input": given,
                "allowed": allowed,
                "loc": ["query", name],
                "message": message,
                "type": "export",
            }
        ]


@dataclass
class Plan:
    """What one file shows: the model, its fixed settings, the sliders' values, and the story if any."""

    model: str
    params: dict[str, str]  # the state's run settings, as in its URL
    sliders: list[str]
    values: list[list[float | str]] = field(default_factory=list)
    lang: str = "en"
    story: str | None = None


def _view_of(route: str, q: Mapping[str, str]) -> str | None:
    """The view a page shows in state `q`: the recurrent page's model, else the page's one view."""
    if route == "index":
        return q.get("model", "rnn")
    return next((v.name for v in views.VIEWS.values() if v.page == route and v.sliders), None)


def _exported() -> list[str]:
    """The stories whose view exports."""
    return [s.id for s in STORIES if _view_of(s.route, s.query) is not None]


def _state(target: str) -> tuple[str | None, dict[str, str]]:
    """The story id and query of a state path (`/?model=lstm&...`, `/scalar?weight=3.9`, a full URL) or a story
    id (`c3`); the query's `model` names the view (scalar, cliff, ...) unless it is the recurrent page's."""
    if target.lower() in BY_ID:
        s = BY_ID[target.lower()]
        view = _view_of(s.route, s.query)
        if view is None:
            raise _not_exported(target, s.route)
        return s.id, _naming(dict(s.query), view)
    parts = urlsplit(target)
    q = dict(parse_qsl(parts.query, keep_blank_values=True))
    route = EMBEDDED.get(q.get("view", "recurrent")) if parts.path == "/embed" else PATHS.get(parts.path or "/")
    view = _view_of(route, q) if route else None
    if view is None:
        raise _not_exported(target, parts.path + (f"?view={q['view']}" if "view" in q else ""))
    q = _naming(q, view)
    story = q.get("story")
    if story is not None and story not in BY_ID:
        raise ExportError("url", f"url: unknown story '{story}'", ", ".join(BY_ID), target)
    return story, q


def _naming(q: dict[str, str], view: str) -> dict[str, str]:
    """The state with `model` naming its view; a view whose runs take a model of their own (the training lab's
    rnn, lstm or gru) finds it under `run_model`."""
    v = views.VIEWS.get(view)  # an unknown model is refused later, naming the known ones
    if v is not None and v.page != "index" and "model" in v.fields and "model" in q:
        q["run_model"] = q["model"]
    return q | {"model": view}


def _not_exported(target: str, where: str) -> ExportError:
    ok = ", ".join(_exported())
    pages = ", ".join(p for p, route in PATHS.items() if _view_of(route, {}) is not None)
    return ExportError(
        "url",
        f"url: the views that export are on {pages}; '{target}' is {where}. Stories that export: {ok}",
        f"a path /?model=rnn|lstm|gru|compare&..., {pages.replace('/, ', '')} with their settings, or a story among {ok}",
        target,
    )


def plan(target: str, sliders: str | None = None, lang: str | None = None, points: int | None = None) -> Plan:
    """Check a request and lay out its grid; every problem is an ExportError naming its field."""
    story, state = _state(target)
    lang = lang or state.get("lang", "en")
    if lang not in language.LANGS:
        raise ExportError(
            "lang", f"lang must be one of: {', '.join(language.LANGS)} (got {quoted(lang)})", "en, zh", lang
        )
    model = state.get("model", "rnn")
    if model not in views.VIEWS or not views.VIEWS[model].sliders:
        allowed = ", ".join(v.name for v in views.VIEWS.values() if v.sliders)
        raise ExportError("url", f"url: model must be one of: {allowed} (got {quoted(model)})", allowed, target)
    view = views.VIEWS[model]
    own = views.fields(model)
    params = {k: v for k, v in state.items() if k in own or (k not in RECURRENT_FIELDS and k not in PAGE_KEYS)}
    params = dict(view.export_params) | params | ({"model": state["run_model"]} if "run_model" in state else {})
    try:
        qs = views.queries(model, params)
    except ParamError as exc:
        raise ExportError("url", f"url: {exc}", exc.detail[0].get("allowed"), target) from None
    offered = view.offered(params) if view.offered else view.sliders
    names = [s.strip() for s in (sliders or offered[0]).split(",") if s.strip()]
    allowed = ", ".join(offered)
    if not 1 <= len(names) <= 2 or len(set(names)) != len(names) or any(n not in offered for n in names):
        message = f"sliders must be one or two of: {allowed} for the {view.title} (got {quoted(sliders)})"
        raise ExportError("sliders", message, allowed, sliders)
    n = points if points is not None else (TWO_POINTS if len(names) == 2 else max(AXES[names[0]].full, 2))
    if not 2 <= n <= MAX_POINTS:
        raise ExportError("points", f"points must be an integer in 2..{MAX_POINTS} (got {n})", f"2..{MAX_POINTS}", n)
    p = Plan(model, params, names, lang=lang, story=story)
    while True:
        p.values = [grid_values(name, n, current(qs, name)) for name in names]
        try:
            _check_size(p, n)
            _check_seconds(p, n)
            return p
        except ExportError as exc:
            # Without `points` asked for, the default grid shrinks to the largest that fits.
            fit = str(exc.detail[0]["allowed"] or "").partition("..")[2]
            if points is not None or not fit.isdigit() or int(fit) >= n:
                raise
            n = int(fit)


def current(qs: Mapping[str, BaseModel], name: str) -> float | str:
    """A setting's value in the state (compare: from the first model that takes it); a choice's as in a URL."""
    v = next(getattr(q, name) for q in qs.values() if name in type(q).model_fields)
    if AXES[name].options:
        return shown(v)
    return float(round(v)) if name in INTEGER else float(v)


def grid_points(p: Plan) -> list[dict[str, Any]]:
    """The run settings at every grid point, first slider outermost."""
    out = []
    for point in product(*p.values):
        params: dict[str, Any] = dict(p.params)
        for name, v in zip(p.sliders, point, strict=True):
            params[name] = v if isinstance(v, str) else int(v) if name in INTEGER else float(v)
        out.append(params)
    return out


def mean(p: Plan, of: Callable[[Mapping[str, BaseModel]], float]) -> float:
    """The mean of `of` over the grid's frames (from their checked queries, before anything is computed)."""
    points = grid_points(p)
    return sum(of(views.queries(p.model, q)) for q in points) / len(points)


def _frames(p: Plan) -> int:
    return int(np.prod([len(v) for v in p.values]))


def _seconds(p: Plan, shared: bool) -> Callable[[Mapping[str, BaseModel]], float]:
    """Estimated seconds of a frame's queries: those computed once per file (shared) or those of every frame,
    by the API's cost model (app/contract/cost.py), and for every frame what the view estimates itself."""
    view = views.VIEWS[p.model]

    def seconds(qs: Mapping[str, BaseModel]) -> float:
        models = sum(cost.estimate(e, q.model_dump()) for e, q in qs.items() if (e in view.shared) == shared)
        return models + (view.frame_seconds(qs) if view.frame_seconds and not shared else 0.0)

    return seconds


def seconds_of(p: Plan) -> float:
    """Estimated compute seconds of the whole file: every frame's, and what the frames share once."""
    return _once(p, _seconds(p, shared=True)) + _frames(p) * mean(p, _seconds(p, shared=False))


def _lower(p: Plan) -> str:
    """What to lower for a smaller grid: the sizes of the view's cost models (app/contract/cost.py)."""
    lower = {e: m.lower for e, m in cost.MODELS.items()}
    qs = views.queries(p.model, p.params)
    names = dict.fromkeys(n for e in qs for n in lower.get(e, views.VIEWS[p.model].lower))
    return f"lower {' or '.join(names)}" if names else "lower the sizes"


def _check_size(p: Plan, n: int) -> None:
    """Refuse a grid whose file would pass MAX_BYTES, naming the largest `points` that fits."""
    view = views.VIEWS[p.model]
    assert view.frame_bytes is not None
    per_frame = mean(p, view.frame_bytes)
    frames = _frames(p)
    fixed = fixed_bytes() + _once(p, view.shared_bytes)
    room = MAX_BYTES - fixed
    if frames * per_frame <= room:
        return
    fit = int((max(room, 0) / per_frame) ** (1 / len(p.sliders))) - 1
    sliders = " x ".join(f"{name} ({len(v)} values)" for name, v in zip(p.sliders, p.values, strict=True))
    message = (
        f"points: a grid of {sliders} is {frames} precomputed frames, a file of about {(fixed + frames * per_frame) / 1e6:.1f} MB, "
        f"over the {MAX_BYTES / 1e6:.0f} MB limit of the file; allowed points 2..{max(fit, 1)} for these settings "
        f"(or {_lower(p)})"
    )
    raise ExportError("points", message, f"2..{max(fit, 1)}", n)


def _check_seconds(p: Plan, n: int) -> None:
    """Refuse a grid whose estimated seconds pass MAX_SECONDS, naming the largest `points` that fits."""
    per_frame = mean(p, _seconds(p, shared=False))
    frames = _frames(p)
    room = MAX_SECONDS - _once(p, _seconds(p, shared=True))
    if frames * per_frame <= room:
        return
    fit = int((max(room, 0) / per_frame) ** (1 / len(p.sliders))) - 1
    if fit < 2:
        message = f"points: one frame of these settings is too much work for an export of {frames} frames; {_lower(p)}"
        raise ExportError("points", message, None, n)
    message = (
        f"points: {frames} frames of these settings are too much work for one export; "
        f"allowed points 2..{fit} for these settings (or {_lower(p)})"
    )
    raise ExportError("points", message, f"2..{fit}", n)


def _once(p: Plan, of: Callable[[Mapping[str, BaseModel]], float] | None) -> float:
    """What the view's frames share, counted once: `of` the state's own queries (no slider changes it)."""
    return of(views.queries(p.model, p.params)) if of else 0.0


def shown(v: object) -> str:
    """A setting as in a URL: 1.5, true, tanh."""
    if isinstance(v, bool):
        return str(v).lower()
    return f"{v:g}" if isinstance(v, float) else str(v)
