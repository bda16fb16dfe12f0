"""The training lab's figures (loss, gradient norm, how far back the error reaches, the far past's share) and the
numbers its summary writes, as functions of a run's record: the start event, the update columns and snapshots
of the progress events, and the done event (app/contract/training.py). The live page, the offline export and notebooks
all draw a run from here."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from app.figures import style as s
from app.figures.base import FigureDict
from app.figures.common import heatmap
from app.figures.style import tr
from app.figures.train_run import Record, as_array, picked, plain, thin

COLORS = {"raw": "#9ecae1", "line": s.COLORS["rnn"], "clip": "#d6604d", "bad": "#b2182b", "base": "#555"}
COLORS["omega"] = "#888"
NAMES = ("loss", "grad", "heat", "far")


def _hline(y: float, color: str, dash: str, yref: str = "y") -> dict[str, Any]:
    return {
        "type": "line",
        "xref": "paper",
        "x0": 0,
        "x1": 1,
        "yref": yref,
        "y0": y,
        "y1": y,
        "line": {"color": color, "width": 1.5, "dash": dash},
    }


def _label(y: float, text: str, color: str, below: bool = False) -> dict[str, Any]:
    """A reference line's name at the plot's right end, above the line or below it, on a veil of white so a
    curve passing under it leaves it readable."""
    return {
        "xref": "paper",
        "x": 1,
        "yref": "y",
        "y": y,
        "xanchor": "right",
        "yanchor": "top" if below else "bottom",
        "text": text,
        "showarrow": False,
        "font": {"color": color, "size": 12},
        "bgcolor": "rgba(255,255,255,0.8)",
    }


def _layout(r: Record, title: str, lang: str, extra: dict[str, Any]) -> dict[str, Any]:
    """The title, then the legend under it; x over the planned updates. A second y axis on the right (accuracy,
    Omega) makes room for its ticks and title however large the text is drawn (presenter mode): automargin."""
    if "yaxis2" in extra:
        extra = extra | {"yaxis2": extra["yaxis2"] | {"automargin": True}}
    return {
        **s.BASE,
        "title": s.top_title(title),
        "margin": {"l": 60, "r": 70 if "yaxis2" in extra else 20, "t": 40, "b": 45},
        "legend": s.TOP_LEGEND,
        "xaxis": {"title": {"text": tr(lang, "update")}, "range": [0, max(2, int(r.start["config"]["iterations"]))]},
        **extra,
    }


def loss_name(start: dict[str, Any], lang: str) -> str:
    """The loss's name as the server gives it ("MSE", "cross-entropy"), in `lang`."""
    name = str(start["loss_name"])
    return tr(lang, "cross-entropy") if name == "cross-entropy" else name


def _log_ticks(values: np.ndarray) -> dict[str, Any]:
    """Ticks of a log axis over the finite positive values: one every 10^n with n chosen for about six ticks; within
    a decade or so at 1, 2 and 5 times a power of ten, written in plain digits (0.1, 0.2, 0.5) and all the same size."""
    v = values[np.isfinite(values) & (values > 0)]
    span = float(np.log10(v.max() / v.min())) if v.size else 0.0
    if span >= 1.5:
        return {"dtick": next((n for n in (1, 2, 5, 10, 20, 50, 100) if span / n <= 6), 100)}
    lo, hi = (math.floor(math.log10(v.min())) - 1, math.ceil(math.log10(v.max())) + 1) if v.size else (-2, 1)
    vals = [m * 10.0**e for e in range(lo, hi) for m in (1, 2, 5)]
    return {"tickvals": vals, "ticktext": [f"{x:.12g}" for x in vals]}


def loss_figure(r: Record, lang: str = "en") -> FigureDict:
    """The loss of each minibatch and its running mean on a log axis, the task's baselines, accuracy (recall) on
    a second axis, and the held-out score once the run is done."""
    st, cols = r.start, r.columns
    idx = thin(r.updates)
    x = picked(cols["step"], idx)
    name = loss_name(st, lang)
    mean = tr(lang, "running mean")
    hover = tr(lang, "update %{x}: %{y:.4g}")
    data: list[dict[str, Any]] = [
        {
            "type": "scatter",
            "mode": "lines",
            "name": tr(lang, "{loss}, each minibatch", loss=name),
            "x": x,
            "y": picked(cols["loss"], idx),
            "line": {"color": COLORS["raw"], "width": 1},
            "hovertemplate": f"{hover}<extra></extra>",
        },
        {
            "type": "scatter",
            "mode": "lines",
            "name": mean,
            "x": x,
            "y": picked(r.means["loss"], idx),
            "line": {"color": COLORS["line"], "width": 3},
            "hovertemplate": f"{hover}<extra>{mean}</extra>",
        },
    ]
    base = float(st["baseline_loss"])
    shapes = [_hline(base, COLORS["base"], "dash")]
    # Log axis: annotations sit at log10 of the value.
    text = (
        tr(lang, "always 1: {loss}", loss=f"{base:.3f}")
        if st["config"]["task"] == "adding"
        else tr(lang, "chance: ln 4 = {loss}", loss=f"{base:.2f}")
    )
    # Recall: the chance line sits near the top, where a learned run's accuracy reaches 100 %: its name goes below.
    annotations = [_label(math.log10(base), text, COLORS["base"], below=st["config"]["task"] == "recall")]
    near = st.get("near_only_loss")
    if near is not None:
        shapes.append(_hline(near, COLORS["base"], "dot"))
        near_text = tr(lang, "near marker only: {loss}", loss=f"{near:.3f}")
        annotations.append(_label(math.log10(near), near_text, COLORS["base"], below=True))
    extra: dict[str, Any] = {}
    if st["config"]["task"] == "recall":
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": tr(lang, "accuracy (running mean)"),
                "x": x,
                "y": picked(r.means["accuracy"], idx),
                "yaxis": "y2",
                "line": {"color": s.COLORS["lstm"], "width": 2},
                "hovertemplate": tr(lang, "update %{x}: %{y:.1%}") + f"<extra>{tr(lang, 'accuracy')}</extra>",
            }
        )
        extra["yaxis2"] = {
            "overlaying": "y",
            "side": "right",
            "range": [0, 1.02],
            "tickvals": [0, 0.25, 0.5, 0.75, 1],
            "tickformat": ".0%",
            "showgrid": False,
            "title": {"text": tr(lang, "accuracy")},
        }
        shapes.append(_hline(st["chance_accuracy"], s.COLORS["lstm"], "dot", "y2"))
    e = (r.done or {}).get("evaluation")
    if e and e.get("loss") is not None and r.updates:
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": tr(lang, "held-out"),
                "x": np.array([cols["step"][-1]], dtype=np.float32),
                "y": np.array([e["loss"]], dtype=np.float32),
                "marker": {"color": COLORS["bad"], "size": 11, "symbol": "diamond"},
                "hovertemplate": tr(lang, "held-out: %{y:.4g}") + "<extra></extra>",
            }
        )
    title = tr(lang, "{loss} per update", loss=name)
    if r.live:
        title += " · " + tr(lang, "live run, seed {seed}", seed=str(st["config"]["seed"]))
    layout = _layout(r, title, lang, extra)
    layout |= {
        "shapes": shapes,
        "annotations": annotations,
        "yaxis": {
            "type": "log",
            "title": {"text": name},
            "exponentformat": "power",
            **_log_ticks(np.append(as_array(cols["loss"]), [base, near or base])),
        },
    }
    return {"data": data, "layout": layout}


def grad_figure(r: Record, lang: str = "en") -> FigureDict:
    """||g|| before clipping (log10) per update, clipped updates marked, Inf/NaN gradients as crosses at the top,
    and the clipping threshold."""
    cols, cfg = r.columns, r.start["config"]
    idx = thin(r.updates)
    g = as_array(cols["log10_grad_norm"])
    finite = g[np.isfinite(g)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (-1.0, 1.0)
    clip = cfg["clip"]
    v = math.log10(cfg["threshold"])
    if clip != "none":
        lo, hi = min(lo, v), max(hi, v)
    pad = max(0.5, 0.08 * (hi - lo))
    top = hi + pad
    clipped = [i for i in idx.tolist() if cols["clipped"][i] and not cols["nonfinite"][i]]
    bad = [i for i, b in enumerate(cols["nonfinite"]) if b]
    hover = tr(lang, "update %{x}: ‖g‖ = %{text}").replace("%{text}", s.POWER.format("y"))
    data: list[dict[str, Any]] = [
        {
            "type": "scatter",
            "mode": "lines",
            "name": tr(lang, "‖g‖ before clipping"),
            "x": picked(cols["step"], idx),
            "y": picked(cols["log10_grad_norm"], idx),
            "line": {"color": COLORS["line"], "width": 1.5},
            "hovertemplate": f"{hover}<extra></extra>",
        },
        {
            "type": "scatter",
            "mode": "markers",
            "name": tr(lang, "clipped"),
            "x": picked(cols["step"], np.array(clipped, dtype=np.int64)),
            "y": picked(cols["log10_grad_norm"], np.array(clipped, dtype=np.int64)),
            "marker": {"color": COLORS["clip"], "size": 5},
            "hoverinfo": "skip",
        },
    ]
    if bad:
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": tr(lang, "Inf/NaN → random step") if any(cols["random_step"]) else "Inf/NaN",
                "x": picked(cols["step"], np.array(bad, dtype=np.int64)),
                "y": np.full(len(bad), top - pad / 3, dtype=np.float32),
                "marker": {"color": COLORS["bad"], "size": 11, "symbol": "x"},
                "hovertemplate": tr(lang, "update %{x}: Inf/NaN gradient") + "<extra></extra>",
            }
        )
    shapes = [] if clip == "none" else [_hline(v, COLORS["clip"], "dash")]
    shown = plain(v)
    label = tr(lang, "v = {v} (per entry)", v=shown) if clip == "value" else f"v = {shown}"
    annotations = [] if clip == "none" else [_label(v, label, COLORS["clip"])]
    layout = _layout(r, tr(lang, "Gradient norm per update"), lang, {})
    layout |= {
        "shapes": shapes,
        "annotations": annotations,
        "yaxis": {"title": {"text": "‖g‖"}, "range": [lo - pad, top], **s.power_ticks(lo - pad, top)},
    }
    return {"data": data, "layout": layout}


def heat_figure(r: Record, lang: str = "en") -> FigureDict:
    """||dL/ds_k|| / ||dL/ds_T|| for every state k, one row per snapshot, on the fixed scale; the far steps left
    of the dashed line. An exact zero takes the bottom colour; a snapshot with Inf/NaN is left blank."""
    st = r.start
    T = int(st["steps"])
    z = np.full((len(r.snapshots), T + 1), np.nan, dtype=np.float64)
    for i, row in enumerate(r.snapshots):
        end = row["log10_state_grad"][T]
        if row["finite"] and end is not None:
            z[i] = [-math.inf if v is None else v - end for v in row["log10_state_grad"]]
    rows = np.array([row["step"] for row in r.snapshots], dtype=np.float64)
    labels = {
        "title": tr(lang, "‖∂L/∂s_k‖ / ‖∂L/∂s_T‖ over training"),
        "x": tr(lang, "step k"),
        "y": tr(lang, "update"),
        "hover_x": "k",
        "hover_y": tr(lang, "update"),
    }
    if len(r.snapshots):
        # Snapshots so far need not be evenly spaced (a run's first rows, rounding): rows at their own updates.
        fig = heatmap(z, np.arange(rows.size, dtype=np.float64), np.arange(T + 1, dtype=np.float64), labels)
        for trace in fig["data"]:
            del trace["y0"], trace["dy"]
            trace["y"] = rows.astype(np.float32)
    else:  # no update yet: the axes and the title alone
        fig = {"data": [], "layout": {**s.BASE, "title": {"text": labels["title"]}, "margin": {}}}
    at = st["far_until"] + 0.5
    lay = fig["layout"]
    lay["shapes"] = [
        {
            "type": "line",
            "xref": "x",
            "yref": "paper",
            "x0": at,
            "x1": at,
            "y0": 0,
            "y1": 1,
            "line": {"color": "#222", "width": 1.5, "dash": "dash"},
        }
    ]
    far = tr(lang, "far (≥ {distance} steps) ←", distance=str(st["far_distance"]))
    lay["annotations"] = [
        {"xref": "x", "yref": "paper", "x": at, "y": 1, "xanchor": side, "yanchor": "bottom", "text": text}
        | {"showarrow": False, "font": {"size": 12}}
        for side, text in (("right", far), ("left", tr(lang, "→ near")))
    ]
    lay["margin"] = {**lay["margin"], "t": 60}
    lay["title"] = {"text": labels["title"], "y": 0.98, "yanchor": "top"}
    return fig


def far_figure(r: Record, lang: str = "en") -> FigureDict:
    """log10 of the far steps' share of the cell's gradient per update and its running mean; Omega of the
    regulariser on a second axis when it is on."""
    cols = r.columns
    idx = thin(r.updates)
    x = picked(cols["step"], idx)
    f = as_array(cols["log10_far_share"])
    values = f[np.isfinite(f)]
    lo = min(float(values.min()), -1.0) if values.size else -3.0
    hi = max(0.5, float(values.max())) if values.size else 0.5
    hover = tr(lang, "update %{x}: %{text}").replace("%{text}", s.POWER.format("y"))
    data: list[dict[str, Any]] = [
        {
            "type": "scatter",
            "mode": "lines",
            "name": tr(lang, "each update"),
            "x": x,
            "y": picked(cols["log10_far_share"], idx),
            "line": {"color": COLORS["raw"], "width": 1},
            "hovertemplate": f"{hover}<extra></extra>",
        },
        {
            "type": "scatter",
            "mode": "lines",
            "name": tr(lang, "running mean"),
            "x": x,
            "y": picked(r.means["far"], idx),
            "line": {"color": COLORS["line"], "width": 3},
            "hoverinfo": "skip",
        },
    ]
    extra: dict[str, Any] = {}
    if any(v is not None for v in cols["omega"]):
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": "Ω",
                "x": x,
                "y": picked(cols["omega"], idx),
                "yaxis": "y2",
                "line": {"color": COLORS["omega"], "width": 1.5},
                "hovertemplate": tr(lang, "update %{x}: Ω = %{y:.4g}") + "<extra></extra>",
            }
        )
        extra["yaxis2"] = {
            "overlaying": "y",
            "side": "right",
            "rangemode": "tozero",
            "showgrid": False,
            "title": {"text": "Ω"},
        }
    title = tr(lang, "Share of the gradient from steps ≥ {distance} back", distance=str(r.start["far_distance"]))
    layout = _layout(r, title, lang, extra)
    layout["yaxis"] = {
        "title": {"text": "‖g_far‖ / ‖g‖"},
        "range": [lo - 0.5, hi + 0.2],
        **s.power_ticks(lo - 0.5, hi + 0.2),
    }
    return {"data": data, "layout": layout}


FIGURES = {"loss": loss_figure, "grad": grad_figure, "heat": heat_figure, "far": far_figure}


def figures(r: Record, lang: str = "en", names: tuple[str, ...] = NAMES) -> dict[str, FigureDict]:
    """The run's figures by name (all four, or those in `names`)."""
    return {name: FIGURES[name](r, lang) for name in names}


def facts(r: Record) -> dict[str, Any]:
    """The numbers the summary writes: updates so far and the last one, the loss's and far share's running means
    at the last update, the largest log10 ||g||, how many updates were clipped or had Inf/NaN, and the end."""
    cols = r.columns
    g = as_array(cols["log10_grad_norm"])
    finite = g[np.isfinite(g)]
    last = r.updates - 1
    return {
        "updates": r.updates,
        "last_step": cols["step"][-1] if r.updates else 0,
        "loss_mean": r.means["loss"][last] if r.updates else None,
        "log10_grad_max": float(finite.max()) if finite.size else None,
        "clipped": sum(1 for c in cols["clipped"] if c),
        "nonfinite": sum(1 for b in cols["nonfinite"] if b),
        "far_mean": r.means["far"][last] if r.updates else None,
        "reason": None if r.done is None else r.done["reason"],
        "evaluation": None if r.done is None else r.done["evaluation"],
    }
