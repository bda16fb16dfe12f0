"""The cliff view's figures (x_t = w sigmoid(x_{t-1}) + b, E = (sigmoid(x_T) - 0.7)^2): E and ||grad E|| over
(w, b) with the wall, three descents from one start drawn on both surfaces (no clipping, norm clipping,
element-wise clipping), E at each iteration and the length of each step.

Three views: "cliff_surface" (the two surfaces and the wall; the fields of GET /api/v1/cliff), "descent" (the
runs: their traces over the surfaces, the curves and the step lengths; the fields of GET /api/v1/cliff/descent)
and "cliff" (both, as the page shows them: the offline export and notebooks). The page asks for the first two
apart, so a click on a surface recomputes the runs only. A figure both views draw ("loss", "grad") is the
surface with the runs on top: `overlay`.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import numpy as np

from app.contract.cliff import CliffQuery, DescentQuery, log10_steps, surface_summary
from app.contract.encode import scalar as json_scalar
from app.figures import grid
from app.figures import style as s
from app.figures.base import Built, FigureDict, Params, Queries, View, checked, unknown_parameter
from app.figures.cliff_file import frame_bytes, shared_bytes, zoom_seconds
from app.figures.cliff_zoom import AXIS, E_MAX, GREYS, MAP, wall_traces, zoomed
from app.figures.common import line, log_lines
from app.figures.style import N_, tr
from core import cliff as k

# Okabe-Ito colours with a dash and a marker each, so the runs differ without colour too.
RUNS: dict[str, tuple[str, str, str, str]] = {
    "none": (N_("no clipping"), "#000000", "solid", "circle"),
    "norm": (N_("norm clipping"), "#E69F00", "dash", "square"),
    "value": (N_("element-wise clipping"), "#CC79A7", "dot", "diamond"),
}
# E lies in [0, 0.49]: one fixed grey ramp. ||grad E||: the app's RdBu on the fixed domain +-ZMAX.
GRID = tuple(n for n in CliffQuery.model_fields if n != "format")  # the figures are always typed arrays
DESCENT = tuple(DescentQuery.model_fields)


def _known(params: Params, known: Iterable[str]) -> None:
    """ParamError naming the first key of `params` outside `known`."""
    error = unknown_parameter(params, list(known))
    if error:
        raise error


def surface_query(params: Params) -> CliffQuery:
    """`params` checked by GET /api/v1/cliff's query model (its window, resolution and T)."""
    _known(params, GRID)
    return checked(CliffQuery, params)


def descent_query(params: Params) -> DescentQuery:
    """`params` checked by GET /api/v1/cliff/descent's query model (start, lr, v, N, T, seed)."""
    return checked(DescentQuery, params)


def queries(params: Params) -> dict[str, CliffQuery | DescentQuery]:
    """The whole view's queries: each takes its own fields of `params` (T both); a key neither knows is an error."""
    _known(params, dict.fromkeys((*GRID, *DESCENT)))
    return {
        "cliff": surface_query({n: v for n, v in params.items() if n in GRID}),
        "descent": descent_query({n: v for n, v in params.items() if n in DESCENT}),
    }


@lru_cache(maxsize=4)
def cached_surface(settings: tuple[tuple[str, Any], ...]) -> k.Surface:
    """One grid's surface, computed once for the frames of an offline file that share it (the runs change)."""
    return k.surface(k.CliffConfig(**dict(settings)))


def surface_of(q: CliffQuery) -> k.Surface:
    return cached_surface(tuple(q.model_dump(exclude={"format"}).items()))


def window(q: CliffQuery) -> tuple[list[float], list[float]]:
    """The w and b ranges of the surface."""
    return [q.w_center - q.w_range, q.w_center + q.w_range], [q.b_center - q.b_range, q.b_center + q.b_range]


def surface(kind: str, q: CliffQuery, sf: k.Surface, lang: str) -> FigureDict:
    """E ("loss", grey) or log10 ||grad E|| ("grad", the fixed RdBu scale) over the window, with the wall."""
    ws, bs = window(q)
    if kind == "loss":
        title = tr(lang, "Error E over (w, b), T = {steps}", steps=str(q.steps))
        heat: dict[str, Any] = {
            "z": np.asarray(sf.loss, dtype=np.float32),
            "zmin": 0,
            "zmax": E_MAX,
            "colorscale": GREYS,
            "colorbar": {"title": {"text": "E"}, "thickness": 14},  # right of the zoom, which shares it
            "hovertemplate": "w %{x:.3f}, b %{y:.3f}<br>E %{z:.4f}<extra></extra>",
        }
    else:
        title = tr(lang, "Gradient norm ‖∇E‖: the wall")
        z = np.asarray(sf.log10_norm, dtype=np.float32).copy()
        z[np.isneginf(z)] = -s.ZMAX - 1  # an exactly zero gradient takes the bottom colour
        heat = {
            "z": z,
            "zmin": -s.ZMAX,
            "zmax": s.ZMAX,
            "colorscale": s.COLORSCALE,
            "colorbar": s.colorbar(),
            "hovertemplate": "w %{x:.3f}, b %{y:.3f}<br>log₁₀‖∇E‖ %{z:.2f}<extra></extra>",
        }
    grid_w, grid_b = np.asarray(sf.w, dtype=np.float32), np.asarray(sf.b, dtype=np.float32)
    # E's map leaves the right of the figure to the zoom around the start (the runs' view draws it there).
    domain = {"domain": MAP} if kind == "loss" else {}
    return {
        "data": [{"type": "heatmap", "x": grid_w, "y": grid_b, **heat}, *wall_traces(sf.wall, lang)],
        "layout": {
            **s.BASE,
            "uirevision": f"w {ws[0]:g} {ws[1]:g}, b {bs[0]:g} {bs[1]:g}",  # a new window resets the zoom
            "title": s.top_title(title),
            "margin": {"l": 55, "r": 10, "t": 40, "b": 45},
            "xaxis": {"title": {"text": "w"}, "range": ws, **AXIS, **domain},
            "yaxis": {"title": {"text": "b"}, "range": bs, **AXIS},
        },
    }


def run_traces(q: DescentQuery, runs: dict[k.Method, k.Run], lang: str, legend: bool) -> list[FigureDict]:
    """The three runs as paths over (w, b) from the star at the start; `meta` names each run's method.
    The points stay float64 (a start 3e-4 below the wall is one float32 step away from it)."""
    traces: list[FigureDict] = []
    for method, r in runs.items():
        name, color, dash, symbol = RUNS[method]
        name = tr(lang, name)
        steps = np.arange(len(r.w))
        at = tr(lang, "{name}, step %{customdata[0]}").replace("{name}", name)
        hover = (
            f"{at}<br>w %{{x:.4g}}, b %{{y:.4g}}"
            f"<br>E %{{customdata[1]:.4f}}, ‖∇E‖ {s.POWER.format('customdata[2]')}<extra></extra>"
        )
        traces.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": name,
                "meta": method,
                "x": list(r.w),
                "y": list(r.b),
                "showlegend": legend,
                "line": {"color": color, "width": 2.5, "dash": dash},
                "marker": {"color": color, "size": 6, "symbol": symbol, "line": {"color": "#fff", "width": 1}},
                "customdata": np.column_stack([steps, r.loss, r.log10_norm]).astype(np.float32),
                "hovertemplate": hover,
            }
        )
    traces.append(
        {
            "type": "scatter",
            "mode": "markers",
            "name": tr(lang, "start (w₀, b₀)"),
            "x": [q.w0],
            "y": [q.b0],
            "showlegend": False,
            "marker": {"symbol": "star", "size": 16, "color": "#000", "line": {"color": "#fff", "width": 1.5}},
            "hoverinfo": "skip",
        }
    )
    return traces


def curves(q: DescentQuery, runs: dict[k.Method, k.Run], lang: str) -> FigureDict:
    """E at each iteration of the three runs."""
    data = []
    for method, r in runs.items():
        name, color, dash, _ = RUNS[method]
        name = tr(lang, name)
        hover = tr(lang, "{name}<br>step %{x}: E %{y:.4f}").replace("{name}", name)
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": name,
                "x": np.arange(len(r.loss), dtype=np.float32),
                "y": np.asarray(r.loss, dtype=np.float32),
                "line": {"color": color, "width": 2.5, "dash": dash},
                "hovertemplate": f"{hover}<extra></extra>",
            }
        )
    return {
        "data": data,
        "layout": {
            **s.BASE,
            "title": s.top_title(tr(lang, "E at each iteration")),
            "margin": {"l": 55, "r": 10, "t": 40, "b": 45},
            "legend": s.TOP_LEGEND,
            "xaxis": {"title": {"text": tr(lang, "iteration")}, "range": [0, q.iterations]},
            "yaxis": {"title": {"text": "E"}, "range": [0, 0.5]},
        },
    }


def step_lengths(q: DescentQuery, runs: dict[k.Method, k.Run], lang: str) -> FigureDict:
    """The length of each step on a log axis, and the cap lr·v of a norm-clipped step."""
    traces = []
    for method, r in runs.items():
        name, color, dash, symbol = RUNS[method]
        name = tr(lang, name)
        lengths = log10_steps(r)
        hover = tr(lang, "{name}<br>step %{x}: length %{text}").replace("{name}", name)
        # Markers too: a plain run thrown onto a plain makes one huge step, then steps of exactly 0 (no line).
        trace = line(
            lengths,
            name,
            mode="lines+markers",
            line={"color": color, "width": 2.5, "dash": dash},
            marker={"color": color, "size": 7, "symbol": symbol},
        )
        trace["x"] = np.arange(1, lengths.size + 1, dtype=np.float32)
        trace["hovertemplate"] = f"{hover.replace('%{text}', s.POWER.format('y'))}<extra></extra>"
        traces.append(trace)
    cap, n = float(np.log10(q.lr * q.threshold)), q.iterations
    traces.append(
        {
            "type": "scatter",
            "mode": "lines",
            "name": "lr·v",
            "x": [1, n],
            "y": np.array([cap, cap], dtype=np.float32),
            "meta": "overlay",
            "line": {"color": s.COLORS["bound"], "width": 1},
            "hoverinfo": "skip",
        }
    )
    fig = log_lines(traces, tr(lang, "Length of each step"), tr(lang, "iteration"), lang)
    fig["layout"]["yaxis"]["title"] = {"text": "‖Δ(w, b)‖"}
    fig["layout"]["xaxis"]["range"] = [0.5, n + 0.5]
    return fig


def overlay(base: FigureDict, top: FigureDict) -> FigureDict:
    """A surface with the runs on top: the surface's traces first, the runs' layout (their legend) over its own.
    static/js/cliff.js draws the two views' answers together the same way."""
    return {"data": [*base["data"], *top["data"]], "layout": {**base["layout"], **top["layout"]}}


def thrown_at(fig: FigureDict, q: CliffQuery) -> int | None:
    """The first point at which the plain run on `fig` leaves the window (None: it stays on the map)."""
    ws, bs = window(q)
    plain = next(t for t in fig["data"] if t.get("meta") == "none")
    out = [not (ws[0] <= w <= ws[1] and bs[0] <= b <= bs[1]) for w, b in zip(plain["x"], plain["y"], strict=True)]
    return out.index(True) if True in out else None


def build_surface(qs: Queries, lang: str = "en") -> Built:
    """The two surfaces with the wall ("loss", "grad"), and ||grad E|| on the grid and on the wall (log10)."""
    q = qs["cliff"]
    assert isinstance(q, CliffQuery)
    sf = surface_of(q)
    figures = {"loss": surface("loss", q, sf, lang), "grad": surface("grad", q, sf, lang)}
    return Built(figures, {"summary": surface_summary(sf)})


def build_descent(qs: Queries, lang: str = "en") -> Built:
    """The runs over the surfaces ("loss" with their legend, "grad"), "curves" and "steps"; the numbers the page
    writes beside them: per run its final E, longest step (log10; None: it stood still), clipped and random steps
    and why it stopped, and the cap lr·v."""
    q = qs["descent"]
    assert isinstance(q, DescentQuery)
    runs = k.descents(k.CliffConfig(**q.model_dump()))
    figures: dict[str, FigureDict] = {
        "loss": zoomed(q, runs, run_traces(q, runs, lang, legend=True), lang),
        "grad": {"data": run_traces(q, runs, lang, legend=False), "layout": {}},
        "curves": curves(q, runs, lang),
        "steps": step_lengths(q, runs, lang),
    }
    facts = {
        "iterations": q.iterations,
        "max_clipped_step": q.lr * q.threshold,
        "runs": [_run_facts(r) for r in runs.values()],
    }
    return Built(figures, facts)


def _run_facts(r: k.Run) -> dict[str, Any]:
    lengths = log10_steps(r)
    moved = lengths[np.isfinite(lengths)]
    return {
        "method": r.method,
        "loss": r.loss[-1],
        "longest_log10_step": json_scalar(float(moved.max())) if moved.size else None,
        "steps": len(r.clipped),
        "clipped": sum(r.clipped),
        "random": sum(r.random),
        "stopped": r.stopped,
    }


def build(qs: Queries, lang: str = "en") -> Built:
    """The page as a whole: the surfaces with the runs on them, the curves and the step lengths; the facts of both
    and the step at which the plain run leaves the window (`thrown_at`, None: it stays)."""
    sf, runs = build_surface(qs, lang), build_descent(qs, lang)
    figures = {name: overlay(sf.figures[name], runs.figures[name]) for name in ("loss", "grad")}
    figures |= {"curves": runs.figures["curves"], "steps": runs.figures["steps"]}
    q = qs["cliff"]
    assert isinstance(q, CliffQuery)
    return Built(figures, sf.facts | runs.facts | {"thrown_at": thrown_at(figures["loss"], q)})


def cliff_dicts(params: Params, lang: str = "en") -> dict[str, FigureDict]:
    """The cliff view's figures as plain dicts: "loss", "grad", "curves", "steps"."""
    return build(queries(params), lang).figures


VIEWS = (
    View(
        name="cliff",
        title="Cliff & clipping",
        fields=frozenset((*GRID, *DESCENT)),
        queries=lambda params: dict(queries(params)),
        build=build,
        names=("loss", "grad", "curves", "steps"),
        page="cliff_page",
        sliders=grid.SLIDERS["cliff"],
        frame_bytes=frame_bytes,
        shared_bytes=shared_bytes,
        shared=("cliff",),
        frame_seconds=zoom_seconds,
    ),
    View(
        name="cliff_surface",
        title="Cliff & clipping",
        fields=frozenset(GRID),
        queries=lambda params: {"cliff": surface_query(params)},
        build=build_surface,
        names=("loss", "grad"),
        page="cliff_page",
    ),
    View(
        name="descent",
        title="Cliff & clipping",
        fields=frozenset(DESCENT),
        queries=lambda params: {"descent": descent_query(params)},
        build=build_descent,
        names=("loss", "grad", "curves", "steps"),
        page="cliff_page",
    ),
)
