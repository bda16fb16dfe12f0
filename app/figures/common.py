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
    """Lines of log10 values; the y range follows the measured curves (overlays may run off the chart)."""
    measured = [t for t in traces if t.get("meta") != "overlay"] or traces
    lo, hi = s.finite_range([t["y"] for t in measured])
    pad = max(1.0, (hi - lo) * 0.1)
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
                "range": [lo - pad, hi + pad],
                **s.power_ticks(lo - pad, hi + pad),
            },
        },
    }


def heatmap(z: np.ndarray, rows: np.ndarray, cols: np.ndarray, labels: dict[str, str]) -> FigureDict:
    """log10 magnitudes at the given row and column steps on the fixed scale; exact zeros take the bottom colour."""
    if z.shape != (rows.size, cols.size):
        raise ValueError(f"{labels['title']}: expected a {rows.size} x {cols.size} array, got {z.shape}")
    shown = np.asarray(z, dtype=np.float32).copy()
    shown[np.isneginf(shown)] = -s.ZMAX - 1
    hover = f"{labels['hover_x']} %{{x}}, {labels['hover_y']} %{{y}}: {s.POWER.format('z')}<extra></extra>"
    return {
        "data": [
            {
                "type": "heatmap",
                "z": shown,
                "x": cols.astype(np.float32),
                "y": rows.astype(np.float32),
                "zmin": -s.ZMAX,
                "zmax": s.ZMAX,
                "colorscale": s.COLORSCALE,
                "colorbar": s.colorbar(),
                "hovertemplate": hover,
                "hoverongaps": False,
            }
        ],
        "layout": {
            **s.BASE,
            "title": {"text": labels["title"]},
            "margin": {"l": 55, "r": 10, "t": 40, "b": 45},
            "xaxis": {"title": {"text": labels["x"]}, **s.step_ticks(cols)},
            "yaxis": {"title": {"text": labels["y"]}, **s.step_ticks(rows)},
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
    phi: dict[str, np.ndarray], gamma: float, extra: list[FigureDict], title: str, lang: str
) -> FigureDict:
    """phi and phi' of one activation (`phi`: its curve "a", "phi", "dphi") with sup phi' = gamma marked; `extra`
    traces show where a run's pre-activations fall (markers on phi', or a histogram on the axis y2)."""
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
                "rangemode": "tozero",
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
