"""The look every figure shares, mirrored from static/js/plots.js: colours, the fixed diverging scale, ticks."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from app.contract.language import translate

# One fixed diverging scale for every heatmap: white at 10^0, blue vanishing, red exploding
# (ColorBrewer RdBu, colour-blind safe). Values beyond the domain saturate.
ZMAX = 10
RDBU = (
    "#053061",
    "#2166ac",
    "#4393c3",
    "#92c5de",
    "#d1e5f0",
    "#f7f7f7",
    "#fddbc7",
    "#f4a582",
    "#d6604d",
    "#b2182b",
    "#67001f",
)
COLORSCALE = [[i / (len(RDBU) - 1), c] for i, c in enumerate(RDBU)]
COLORS = {
    "rnn": "#0072B2",
    "lstm": "#D55E00",
    "gru": "#000000",
    "bound": "#555555",
    "cell": "#009E73",
    "ref": "#CC79A7",  # the RNN's mean-field line
    "ref_lstm": "#E69F00",  # sigma(b_f)^(T-k), the LSTM's cell path with zero weights
    "ref_gru": "#56B4E9",  # sigma(-b_z)^(T-k), the GRU's carry
}
# Latin text from the system face; Chinese (lang=zh) from whichever CJK face the visitor's system has.
FONT = {
    "family": 'system-ui, -apple-system, "Segoe UI", "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", '
    '"Noto Sans CJK SC", "Source Han Sans SC", sans-serif',
    "size": 13,
}
BASE: dict[str, Any] = {"uirevision": "keep", "font": FONT, "paper_bgcolor": "rgba(0,0,0,0)", "plot_bgcolor": "#fff"}
TOP_LEGEND = {"orientation": "h", "x": 0, "xanchor": "left", "yref": "container", "y": 0.9, "yanchor": "top"}
# Hover shows the log10 value as a power of ten: the arrays stay numeric (no per-point text).
POWER = "10<sup>%{{{0}:.2f}}</sup>"


def top_title(text: str) -> dict[str, Any]:
    return {"text": text, "y": 0.98, "yanchor": "top"}


def power_label(p: float) -> str:
    return "1" if p == 0 else f"10<sup>{p:g}</sup>"


def from_log10(p: float) -> str:
    """A log10 magnitude as a number of any size, "3.2e-5" (static/js/format.js fromLog10): "0" for an exact zero."""
    if p == -math.inf:
        return "0"
    if not math.isfinite(p):
        return ""
    e = math.floor(p)
    m = 10 ** (p - e)
    if float(f"{m:.1f}") >= 10:
        m, e = m / 10, e + 1
    return f"{m:.1f}e{e}"


def tick_step(span: float, target: int = 6) -> int:
    """Decades between the ticks of a log10 axis spanning `span` decades: at most about `target` ticks."""
    return next((s for s in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000) if max(span, 1.0) / s <= target), 1000)


def snapped(lo: float, hi: float) -> tuple[float, float]:
    """[lo, hi] widened to whole units of half a tick step (at least a decade): an axis that keeps its range and
    ticks while the curves move within them (a dragged slider then redraws the lines only)."""
    unit = max(1, tick_step(hi - lo) // 2)
    return float(math.floor(lo / unit) * unit), float(math.ceil(hi / unit) * unit)


NICE = (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10)


def nice_ceiling(x: float) -> float:
    """The least of 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6 and 8 times a power of ten that is at least x (x > 0)."""
    e = math.floor(math.log10(x))
    return next(round(m * 10.0**e, 12) for m in NICE if m * 10.0**e >= x * (1 - 1e-12))


def power_ticks(lo: float, hi: float, target: int = 6) -> dict[str, Any]:
    """Ticks at round powers of ten for a log10 axis spanning [lo, hi]."""
    step = tick_step(hi - lo, target)
    vals = list(range(math.ceil(lo / step) * step, math.floor(hi) + 1, step))
    return {"tickvals": vals, "ticktext": [power_label(v) for v in vals]}


def colorbar() -> dict[str, Any]:
    vals = [-ZMAX, -ZMAX // 2, 0, ZMAX // 2, ZMAX]
    text = [power_label(v) for v in vals]
    text[0], text[-1] = "≤" + text[0], "≥" + text[-1]
    return {"tickvals": vals, "ticktext": text, "thickness": 14}


def finite_range(arrays: list[np.ndarray]) -> tuple[float, float]:
    vals = [a[np.isfinite(a)] for a in arrays]
    vals = [v for v in vals if v.size]
    if not vals:
        return -1.0, 1.0
    return float(min(v.min() for v in vals)), float(max(v.max() for v in vals))


def f32(a: np.ndarray) -> np.ndarray:
    """A log10 array as float32 (the page's precision): exact zeros (-inf) become gaps (NaN) in a line."""
    out = np.asarray(a, dtype=np.float32).copy()
    out[np.isneginf(out)] = np.nan
    return out


def N_(text: str) -> str:
    """Marks a text for the catalogue without translating it (tr translates it later): scripts/texts.py finds it."""
    return text


def tr(lang: str, text: str, **fields: str) -> str:
    """A figure text in `lang`, from the interface's catalogue."""
    out = translate(lang, text)
    return out.format(**fields) if fields else out
