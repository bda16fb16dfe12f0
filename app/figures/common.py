"""Figure builders every view shares: log10 lines, heatmaps on the fixed scale, bundles of unit lines, and an
activation with its derivative. Plain data in, Plotly figure dicts out; arrays stay NumPy until `encode`."""

from __future__ import annotations

from typing import Any

import numpy as np

from app.figures import style as s
from app.figures.base import FigureDict
from app.figures.style import tr


def line(values: np.ndarray, name: str, **style: Any) -> FigureDict:
    """A log10 line over k = 0..T (x is the index); exact zeros leave a gap."""
    return {
        "type": "scatter",
        "mode": "lines",
        "name": name,
        "y": s.f32(values),
        "hovertemplate": f"{name}<br>k %{{x}}: {s.POWER.format('y')}<extra></extra>",
        **style,
    }


def log_lines(traces: list[FigureDict], title: str, x_title: str, lang: str) -> FigureDict:
    """Lines of log10 values; the y range follows the measured curves (overlays may run off the chart), in whole
    tick steps."""
    measured = [t for t in traces if t.get("meta") != "overlay"] or traces
    lo, hi = s.finite_range([t["y"] for t in measured])
    pad = max(1.0, (hi - lo) * 0.1)
    lo, hi = s.snapped(lo - pad, hi + pad)
    return {
        "data": traces,
        "layout": {
            **s.BASE,
            "title": s.top_title(title),
            "margin": {"l": 60, "r": 10, "t": 40, "b": 45},
            "legend": s.TOP_LEGEND,
            "xaxis": {"title": {"text": x_title}},
            "yaxis": {
                "title": {"text": tr(lang, "magnitude")},
                "range": [lo, hi],
                **s.power_ticks(lo, hi),
            },
        },
    }


def _grid(steps: np.ndarray, axis: str) -> dict[str, float]:
    """A sampled axis as Plotly's x0 and dx: the samples are round(x0 + i dx) (core.pairs.sample_steps), so cells
    sit on a uniform grid (one image, far faster to draw than bricks at given positions) and the hover, rounded,
    names the very step sampled."""
    first = float(steps[0])
    d = float(steps[-1] - steps[0]) / max(steps.size - 1, 1) or 1.0
    if not np.array_equal(np.floor(first + d * np.arange(steps.size) + 0.5), steps):
        raise ValueError(f"steps {steps[:4]}... are not a rounded uniform grid")
    return {f"{axis}0": first, f"d{axis}": d}


def heatmap(z: np.ndarray, rows: np.ndarray, cols: np.ndarray, labels: dict[str, str]) -> FigureDict:
    """log10 magnitudes at the given row and column steps (sampled evenly) on the fixed scale. Exact zeros are
    drawn in the bottom colour by a trace of their own, whose hover says 0."""
    if z.shape != (rows.size, cols.size):
        raise ValueError(f"{labels['title']}: expected a {rows.size} x {cols.size} array, got {z.shape}")
    values = np.asarray(z, dtype=np.float32)
    zeros = np.isneginf(values)
    where = f"{labels['hover_x']} %{{x:.0f}}, {labels['hover_y']} %{{y:.0f}}"
    grid = _grid(cols, "x") | _grid(rows, "y")
    trace = {
        "type": "heatmap",
        **grid,
        "zmin": -s.ZMAX,
        "zmax": s.ZMAX,
        "colorscale": s.COLORSCALE,
        "hoverongaps": False,
    }
    data = [
        trace
        | {
            "z": np.where(zeros, np.float32(np.nan), values),
            "colorbar": s.colorbar(),
            "hovertemplate": f"{where}: {s.POWER.format('z')}<extra></extra>",
        }
    ]
    if zeros.any():
        only = np.where(zeros, np.float32(-s.ZMAX - 1), np.float32(np.nan))
        data.append(trace | {"z": only, "showscale": False, "hovertemplate": f"{where}: 0<extra></extra>"})
    return {
        "data": data,
        "layout": {
            **s.BASE,
            "title": {"text": labels["title"]},
            "margin": {"l": 55, "r": 10, "t": 40, "b": 45},
            "xaxis": {"title": {"text": labels["x"]}},
            "yaxis": {"title": {"text": labels["y"]}},
        },
    }


def bundle(values: np.ndarray, cols: np.ndarray, name: str, **style: Any) -> FigureDict:
    """Many unit lines over the steps `cols` as one trace, separated by gaps."""
    rows = values.shape[0]
    x = np.full((rows, cols.size + 1), np.nan, dtype=np.float32)
    x[:, :-1] = cols
    y = np.full((rows, cols.size + 1), np.nan, dtype=np.float32)
    y[:, :-1] = s.f32(values)
    return {
        "type": "scatter",
        "mode": "lines",
        "name": name,
        "x": x.ravel(),
        "y": y.ravel(),
        "hoverinfo": "skip",
        **style,
    }


def activation_figure(
    phi: dict[str, np.ndarray], gamma: float, extra: list[FigureDict], title: str, lang: str, y2_top: float = 0.0
) -> FigureDict:
    """phi and phi' of one activation (`phi`: its curve "a", "phi", "dphi") with sup phi' = gamma marked; `extra`
    traces show where a run's pre-activations fall (markers on phi', or a histogram on the axis y2, which reaches
    y2_top when given)."""
    a = np.asarray(phi["a"])
    return {
        "data": [
            {
                "type": "scatter",
                "mode": "lines",
                "name": "φ(a)",
                "x": a,
                "y": phi["phi"],
                "line": {"color": "#555"},
                "hoverinfo": "skip",
            },
            {
                "type": "scatter",
                "mode": "lines",
                "name": "φ′(a)",
                "x": a,
                "y": phi["dphi"],
                "line": {"color": s.COLORS["rnn"], "width": 3},
                "hovertemplate": "a %{x:.2f}: φ′ %{y:.3g}<extra></extra>",
            },
            *extra,
        ],
        "layout": {
            **s.BASE,
            "title": s.top_title(title),
            "margin": {"l": 50, "r": 50, "t": 40, "b": 45},
            "legend": s.TOP_LEGEND,
            "xaxis": {"title": {"text": tr(lang, "pre-activation a")}, "range": [float(a[0]), float(a[-1])]},
            "yaxis": {"title": {"text": "φ, φ′"}, "range": [-1.1, 1.6]},
            "yaxis2": {
                "overlaying": "y",
                "side": "right",
                **({"range": [0, y2_top]} if y2_top else {"rangemode": "tozero"}),
                "tickformat": ".1%",
                "showgrid": False,
            },
            "shapes": [
                {
                    "type": "line",
                    "xref": "paper",
                    "x0": 0,
                    "x1": 1,
                    "y0": gamma,
                    "y1": gamma,
                    "line": {"dash": "dot", "color": "#767676"},
                }
            ],
            "annotations": [
                {
                    "xref": "paper",
                    "x": 1,
                    "y": gamma,
                    "xanchor": "right",
                    "yanchor": "bottom",
                    "text": f"sup φ′ = {gamma:g}",
                    "showarrow": False,
                }
            ],
        },
    }
