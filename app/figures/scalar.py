"""The scalar view's figures (one unit, h_t = phi(w h_{t-1} + u x_t + b)): each factor and their running
product, where the run's a_t sit on phi', and the (1 +- eps)^N calculator. Mirrors static/js/scalar.js."""

from __future__ import annotations

from typing import Any

import numpy as np

from app.contract.encode import scalar as json_scalar
from app.contract.scalar import ScalarQuery
from app.figures import grid
from app.figures import style as s
from app.figures.base import Built, FigureDict, Params, Queries, View, checked
from app.figures.common import activation_figure, line, log_lines
from app.figures.style import tr
from core import scalar as core_scalar


def query(params: Params) -> ScalarQuery:
    """`params` checked by the scalar API's query model."""
    return checked(ScalarQuery, params)


def factors(r: core_scalar.ScalarResult, lang: str) -> FigureDict:
    """Two panels on one step axis: the running product above, each step's factor (bars) below."""
    fig = log_lines(
        [
            line(r.log10_running, tr(lang, "running product |∂h_t/∂h_0|"), line={"color": s.COLORS["rnn"], "width": 3}),
            line(r.bound[::-1], "(γ|w|)^t", line={"color": s.COLORS["bound"], "dash": "dash"}, meta="overlay"),
        ],
        tr(lang, "Each factor and their product"),
        tr(lang, "step t"),
        lang,
    )
    f = s.f32(r.log10_factor)
    hover = tr(lang, "step %{x}: factor %{text}").replace("%{text}", s.POWER.format("y"))
    fig["data"].append(
        {
            "type": "bar",
            "name": tr(lang, "factor |w φ′(a_t)|"),
            "x": np.arange(1, f.size + 1, dtype=np.float32),
            "y": f,
            "yaxis": "y2",
            "marker": {"color": ["#d6604d" if v > 0 else "#4393c3" for v in f.tolist()]},
            "hovertemplate": f"{hover}<extra></extra>",
        }
    )
    finite = np.abs(f[np.isfinite(f)])
    span = max(0.5, float(finite.max()) if finite.size else 0.0) * 1.1
    layout = fig["layout"]
    layout["yaxis"] = {**layout["yaxis"], "domain": [0.4, 1]}
    layout["xaxis"] = {**layout["xaxis"], "anchor": "y2"}  # step ticks under the bars
    layout["yaxis2"] = {
        "domain": [0, 0.3],
        "range": [-span, span],
        "title": {"text": tr(lang, "factor")},
        **s.power_ticks(-span, span, 3),
    }
    return fig


def activation(r: core_scalar.ScalarResult, lang: str) -> FigureDict:
    """phi and phi' with sup phi' marked, and the run's a_t as dots on phi' (those off the drawn range counted)."""
    a = r.curve["a"]
    pre = np.asarray(r.pre, dtype=float)
    shown = np.isfinite(pre) & (pre >= a[0]) & (pre <= a[-1])
    beyond = int(pre.size - shown.sum())
    name = (
        tr(lang, "this run's a_t on φ′ ({count} beyond ±{limit})", count=str(beyond), limit=f"{a[-1]:g}")
        if beyond
        else tr(lang, "this run's a_t on φ′")
    )
    steps = np.flatnonzero(shown) + 1
    dots = {
        "type": "scatter",
        "mode": "markers",
        "name": name,
        "x": pre[shown].astype(np.float32),
        "y": (10.0 ** r.log10_dphi[shown]).astype(np.float32),
        "customdata": steps.astype(np.float32),
        "marker": {"color": s.COLORS["lstm"], "size": 7, "opacity": 0.6},
        "hovertemplate": tr(lang, "step {step}", step="%{customdata}") + ": a %{x:.3g}, φ′ %{y:.3g}<extra></extra>",
    }
    return activation_figure(r.curve, r.summary["gamma"], [dots], tr(lang, "Activation and its derivative"), lang)


def compound(c: dict[str, float], lang: str) -> FigureDict:
    """(1 + eps)^n and (1 - eps)^n for n = 0..N: the same small change, repeated."""
    n, eps = c["horizon"], c["eps"]

    def ray(name: str, end: float, color: str) -> dict[str, Any]:
        return {
            "type": "scatter",
            "mode": "lines",
            "name": name,
            "x": [0, n],
            "y": np.array([0.0, end]),
            "line": {"color": color, "width": 3},
        }

    traces = [
        ray(f"(1 + {eps:g})^n", c["log10_grow"], "#b2182b"),
        ray(f"(1 − {eps:g})^n", c["log10_shrink"], "#2166ac"),
    ]
    return log_lines(traces, tr(lang, "The same step, repeated n times"), "n", lang)


def build(qs: Queries, lang: str = "en") -> Built:
    """The scalar view's figures ("factors", "activation", "compound") and the numbers its page writes out: the
    summary, the calculator's two powers and |dh_T/dh_0| (as log10; None is an exact zero)."""
    q = qs["scalar"]
    assert isinstance(q, ScalarQuery)
    r = core_scalar.run_scalar(core_scalar.ScalarConfig(**q.model_dump(exclude={"include"})))
    figures = {"factors": factors(r, lang), "activation": activation(r, lang), "compound": compound(r.compound, lang)}
    facts = {
        "summary": {k: json_scalar(v) for k, v in r.summary.items()},
        "compound": {k: json_scalar(float(v)) for k, v in r.compound.items()},
        "log10_gain": json_scalar(float(r.decay[0])),
    }
    return Built(figures, facts)


def scalar_dicts(params: Params, lang: str = "en") -> dict[str, FigureDict]:
    """The scalar view's figures as plain dicts: "factors", "activation", "compound"."""
    return build({"scalar": query(params)}, lang).figures


VIEW = View(
    name="scalar",
    title="Scalar RNN",
    fields=frozenset(ScalarQuery.model_fields),
    queries=lambda params: {"scalar": query(params)},
    build=build,
    names=("factors", "activation", "compound"),
    page="scalar_page",
    sliders=grid.SLIDERS["scalar"],
    frame_bytes=lambda qs: grid.frame_bytes("scalar", qs["scalar"].steps, 1),  # type: ignore[attr-defined]
)
