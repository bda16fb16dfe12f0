"""The deep feed-forward view's figures (h_l = phi(W_l h_{l-1}), l = 1..L): the gradient norm per layer, each
layer's pre-activations on one fixed grid of bins, and the flat and dead units per layer. Drawn by
static/js/feedforward.js, which writes the `facts` beside them."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np

from app.contract import cost
from app.contract.feedforward import FeedForwardQuery, summary
from app.figures import grid
from app.figures import style as s
from app.figures.base import Built, FigureDict, Params, Queries, View, checked
from app.figures.common import line, log_lines
from app.figures.style import tr
from core import feedforward as ff

# One fixed colour domain for every run: log10 of a bin's share of its layer, 10^-4 .. 1.
SHARE_MIN = -4
FLAT = {"color": "#d6604d", "width": 2, "dash": "dash"}


def query(params: Params) -> FeedForwardQuery:
    """`params` checked by the feed-forward API's query model."""
    return checked(FeedForwardQuery, params)


def config(q: FeedForwardQuery) -> ff.FFConfig:
    return ff.FFConfig(**q.model_dump(exclude={"include"}))


def precision(x: float, digits: int) -> str:
    """A positive number to `digits` significant digits in fixed notation, as JavaScript's toPrecision writes
    numbers from 1e-6 up (ties rounded up)."""
    exact = Decimal(x)
    e = exact.adjusted()
    rounded = exact.quantize(Decimal(1).scaleb(e - digits + 1), ROUND_HALF_UP)
    if rounded.adjusted() > e:  # 9.996 -> 10.0: one digit fewer after the point
        rounded = exact.quantize(Decimal(1).scaleb(e - digits + 2), ROUND_HALF_UP)
    return f"{rounded:f}"


def percent(v: float) -> str:
    """A share as the page writes it: 0 %, 4.8 %, 12.5 %."""
    return "0 %" if v == 0 else f"{precision(100 * v, 3 if v >= 0.1 else 2)} %"


def _number(v: float) -> str:
    """An edge as JavaScript prints it: -9.5, 0, 10."""
    return f"{v + 0.0:g}"


def _layer_line(values: np.ndarray, name: str, first: int, lang: str, **style: Any) -> FigureDict:
    """A log10 line over layers first, first + 1, ...; exact zeros leave a gap."""
    hover = tr(lang, "{name}<br>layer %{x}: %{text}").replace("{name}", name).replace("%{text}", s.POWER.format("y"))
    return {
        **line(values, name, **style),
        "x": np.arange(first, first + values.size, dtype=np.float32),
        "hovertemplate": f"{hover}<extra></extra>",
    }


def grads(r: ff.FFResult, layers: int, lang: str) -> FigureDict:
    """||dE/dW_l|| (l = 1..L), ||dE/dh_l|| and the RMS of h_l (l = 0..L) on one log axis."""
    fig = log_lines(
        [
            _layer_line(
                r.log10_grad_w,
                "‖∂E/∂W_l‖",
                1,
                lang,
                line={"color": s.COLORS["rnn"], "width": 3},
                mode="lines+markers",
                marker={"size": 4},
            ),
            _layer_line(r.log10_grad_h, "‖∂E/∂h_l‖", 0, lang, line={"color": s.COLORS["lstm"], "width": 2}),
            _layer_line(
                r.log10_rms_h,
                tr(lang, "RMS of h_l"),
                0,
                lang,
                line={"color": s.COLORS["bound"], "width": 1.5, "dash": "dot"},
            ),
        ],
        tr(lang, "Gradient norm per layer"),
        tr(lang, "layer l (0: the input)"),
        lang,
    )
    layout = fig["layout"]
    layout["xaxis"] = {**layout["xaxis"], "range": [-0.5, layers + 0.5], "zeroline": False}
    return fig


def _at(v: float) -> float:
    """The column of value v: 0 is below -10, 1..40 the bins, 41 at or above 10."""
    return 2 * (v + 10) + 0.5


def hist(r: ff.FFResult, total: int, activation: str, lang: str) -> FigureDict:
    """Every layer's pre-activations binned by value (edge columns count those beyond +-10), coloured by the
    share of the layer on one fixed log scale; the flat region of phi marked."""
    edges = r.hist_edges
    last = edges.size  # 41: the column of values at or above the top edge
    counts = np.column_stack([r.hist_below, r.hist_counts, r.hist_above])  # (L, 42)
    share = counts / total
    with np.errstate(divide="ignore"):
        z = np.where(counts > 0, np.maximum(np.log10(share), SHARE_MIN), np.nan).astype(np.float32)
    where = [
        f"a < {_number(edges[0])}",
        *(f"{_number(edges[k - 1])} ≤ a < {_number(edges[k])}" for k in range(1, last)),
        f"a ≥ {_number(edges[last - 1])}",
    ]
    cell = tr(lang, "layer {layer}, {range}: {count} ({share})")
    shares: dict[int, str] = {}
    text = [
        [
            cell.format(
                layer=i + 1, range=where[k], count=c, share=shares.get(c) or shares.setdefault(c, percent(c / total))
            )
            for k, c in enumerate(row)
        ]
        for i, row in enumerate(counts.tolist())
    ]

    def vline(v: float, style: dict[str, Any]) -> dict[str, Any]:
        x = _at(v)
        return {"type": "line", "xref": "x", "yref": "paper", "x0": x, "x1": x, "y0": 0, "y1": 1, "line": style}

    def label(v: float, words: str, anchor: str) -> dict[str, Any]:
        return {
            "xref": "x",
            "yref": "paper",
            "x": _at(v),
            "y": 1,
            "xanchor": anchor,
            "yanchor": "bottom",
            "showarrow": False,
            "text": words,
            "font": {"color": "#b2182b", "size": 12},
        }

    edge = {"color": "#888", "width": 1}
    shapes, annotations = [vline(-10, edge), vline(10, edge)], []
    flat = ff.flat_threshold(activation)
    if flat is not None:
        shapes += [vline(-flat, FLAT), vline(flat, FLAT)]
        annotations += [label(-flat, tr(lang, "← saturated"), "right"), label(flat, tr(lang, "saturated →"), "left")]
    elif activation in ("relu", "leaky_relu"):
        shapes.append(vline(0, FLAT))
        annotations.append(label(0, "← φ′ = 0" if activation == "relu" else "← φ′ = 0.01", "right"))
    ticks = [(0, "<−10"), (_at(-5), "−5"), (_at(0), "0"), (_at(5), "5"), (last, "≥10")]
    layers = counts.shape[0]
    return {
        "data": [
            {
                "type": "heatmap",
                "x": np.arange(last + 1, dtype=np.float32),
                "y": np.arange(1, layers + 1, dtype=np.float32),
                "z": z,
                "text": text,
                "zmin": SHARE_MIN,
                "zmax": 0,
                "colorscale": "Viridis",
                "hovertemplate": "%{text}<extra></extra>",
                "hoverongaps": False,
                "colorbar": {
                    "thickness": 14,
                    "tickvals": [-4, -3, -2, -1, 0],
                    "ticktext": ["≤0.01%", "0.1%", "1%", "10%", "100%"],
                },
            }
        ],
        "layout": {
            **s.BASE,
            "title": s.top_title(tr(lang, "Pre-activations a_l per layer")),
            "margin": {"l": 55, "r": 10, "t": 60, "b": 45},
            "shapes": shapes,
            "annotations": annotations,
            "xaxis": {
                "title": {"text": tr(lang, "pre-activation a")},
                "range": [-0.5, last + 0.5],
                "tickmode": "array",
                "tickvals": [at for at, _ in ticks],
                "ticktext": [words for _, words in ticks],
                "showgrid": False,
                "zeroline": False,
            },
            "yaxis": {
                "title": {"text": tr(lang, "layer l")},
                "range": [0.5, layers + 0.5],
                "showgrid": False,
                "zeroline": False,
            },
        },
    }


def dead(r: ff.FFResult, activation: str, lang: str) -> FigureDict:
    """Per layer: the share of pre-activations in phi's flat region, and of units flat for every input."""
    relu = activation in ("relu", "leaky_relu")
    if relu:
        flat_name = tr(lang, "a ≤ 0 (φ′ = {slope}), per input", slope="0" if activation == "relu" else "0.01")
        dead_name = (
            tr(lang, "dead: a ≤ 0 for every input") if activation == "relu" else tr(lang, "a ≤ 0 for every input")
        )
    else:
        flat_name = tr(lang, "saturated (φ′ < 10⁻³ sup φ′), per input")
        dead_name = tr(lang, "saturated for every input")
    layers = np.arange(1, r.dead_fraction.size + 1, dtype=np.float32)

    def bar(y: np.ndarray, name: str, color: str) -> dict[str, Any]:
        hover = tr(lang, "{name}<br>layer %{x}: %{y:.1%}").replace("{name}", name)
        return {
            "type": "bar",
            "name": name,
            "x": layers,
            "y": np.asarray(y, dtype=np.float32),
            "marker": {"color": color},
            "hovertemplate": f"{hover}<extra></extra>",
        }

    title = (
        tr(lang, "Flat units per layer (linear: never)")
        if activation == "linear"
        else tr(lang, "Flat and dead units per layer")
    )
    none = {
        "xref": "paper",
        "yref": "paper",
        "x": 0.5,
        "y": 0.5,
        "showarrow": False,
        "text": tr(lang, "no flat units in any layer"),
        "font": {"color": "#555", "size": 14},
    }
    return {
        "data": [bar(r.saturated_fraction, flat_name, "#92c5de"), bar(r.dead_fraction, dead_name, "#b2182b")],
        "layout": {
            **s.BASE,
            "barmode": "group",
            "bargap": 0.15,
            "title": s.top_title(title),
            "margin": {"l": 55, "r": 10, "t": 40, "b": 45},
            "legend": s.TOP_LEGEND,
            "xaxis": {"title": {"text": tr(lang, "layer l")}, "range": [0.5, layers.size + 0.5]},
            "yaxis": {"title": {"text": tr(lang, "share of units")}, "range": [0, 1], "tickformat": ".0%"},
            "annotations": [] if bool((r.saturated_fraction > 0).any()) else [none],
        },
    }


def build(qs: Queries, lang: str = "en") -> Built:
    """The feed-forward view's figures ("grads", "hist", "dead") and the numbers its page writes out: the
    API's summary (log10 norms; None is an exact zero), the depth L and the saturation threshold |a| (None
    for ReLU, leaky ReLU and linear)."""
    q = qs["feedforward"]
    assert isinstance(q, FeedForwardQuery)
    cfg = config(q)
    r = ff.run_feedforward(cfg)
    figures = {
        "grads": grads(r, cfg.layers, lang),
        "hist": hist(r, cfg.batch * cfg.width, cfg.activation, lang),
        "dead": dead(r, cfg.activation, lang),
    }
    facts = {
        "summary": summary(r, cfg).model_dump(),
        "layers": cfg.layers,
        "flat_beyond": ff.flat_threshold(cfg.activation),
    }
    return Built(figures, facts)


def feedforward_dicts(params: Params, lang: str = "en") -> dict[str, FigureDict]:
    """The feed-forward view's figures as plain dicts: "grads", "hist", "dead"."""
    return build({"feedforward": query(params)}, lang).figures


# What one frame of an offline file costs, from its settings (scripts/feedforward_export.py checks both).
# Bytes: the broadest histograms (tanh with N(0, 1) weights, 256 examples) take about 500 bytes a layer in the
# file, their hover texts included; a layer of the default net about 250.
BYTES_PER_LAYER = 600
# Seconds: the API's cost model of the run (app/contract/cost.py), and the figures' per-layer texts (about 0.15 ms
# a layer) on top.
FIGURE_SECONDS_PER_LAYER = 1.5e-4


def frame_bytes(q: FeedForwardQuery) -> int:
    """One frame in the file, compressed, from above: per layer the histogram's 42 shares and hover texts and
    the lines' and bars' values; the layout's words."""
    return BYTES_PER_LAYER * q.layers + 3_000


def figure_seconds(q: FeedForwardQuery) -> float:
    """The figures' own seconds in one frame, beyond the run the cost model estimates."""
    return FIGURE_SECONDS_PER_LAYER * q.layers


def frame_seconds(q: FeedForwardQuery) -> float:
    """Estimated seconds of one frame: the run (the API's cost model) and its figures."""
    return cost.estimate("feedforward", q.model_dump()) + figure_seconds(q)


def _frame(qs: Queries) -> FeedForwardQuery:
    q = qs["feedforward"]
    assert isinstance(q, FeedForwardQuery)
    return q


VIEW = View(
    name="feedforward",
    title="Deep feed-forward",
    fields=frozenset(FeedForwardQuery.model_fields),
    queries=lambda params: {"feedforward": query(params)},
    build=build,
    names=("grads", "hist", "dead"),
    page="feedforward_page",
    sliders=grid.SLIDERS["feedforward"],
    frame_bytes=lambda qs: frame_bytes(_frame(qs)),
    frame_seconds=lambda qs: figure_seconds(_frame(qs)),
)
