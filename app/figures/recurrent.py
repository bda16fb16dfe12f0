"""The recurrent view's figures (RNN, LSTM, GRU) as plain Plotly figure dicts, from one core run.

Arrays stay NumPy float32 (the precision of the page's compact answers) until the edge: `encode` turns them
into Plotly's base64 typed arrays for JSON, `app.figures.recurrent` wraps the dicts into `go.Figure`s.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ValidationError

from app.errors import _describe
from app.figures import style as s
from app.figures.style import tr
from app.schemas import CELL_LINES, UNIT_ROWS, GRUQuery, LSTMQuery, RNNQuery
from core import GRUConfig, LSTMConfig, Result, RNNConfig, run_gru, run_lstm, run_rnn, theory
from core.logmath import power_line
from core.pairs import sample_steps

Model = Literal["rnn", "lstm", "gru"]
MODELS: tuple[Model, ...] = ("rnn", "lstm", "gru")
QUERIES: dict[str, type[RNNQuery | LSTMQuery | GRUQuery]] = {"rnn": RNNQuery, "lstm": LSTMQuery, "gru": GRUQuery}
LABEL = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}
JACOBIAN = {"rnn": "‖∂h_t/∂h_k‖", "lstm": "‖∂(h_t,c_t)/∂(h_k,c_k)‖", "gru": "‖∂h_t/∂h_k‖"}
FigureDict = dict[str, Any]
Params = Mapping[str, str | float | int | bool]


class ParamError(ValueError):
    """Parameters the API would answer with 422: `detail` holds the same entries (field, allowed, message)."""

    def __init__(self, detail: list[dict[str, Any]]) -> None:
        super().__init__("; ".join(str(d["message"]) for d in detail))
        self.detail = detail


def query(model: str, params: Params) -> RNNQuery | LSTMQuery | GRUQuery:
    """`params` checked by the API's query model of `model`: the same fields, ranges and messages."""
    if model not in QUERIES:
        allowed = ", ".join(MODELS)
        raise ParamError(
            [{"field": "model", "input": model, "allowed": allowed, "message": f"model must be one of: {allowed}"}]
        )
    cls = QUERIES[model]
    try:
        return cls.model_validate(dict(params))
    except ValidationError as exc:
        raise ParamError([_describe(cls, dict(e)) for e in exc.errors()]) from None


def run(model: str, q: BaseModel) -> Result:
    """The core run behind the API's answer to the same query."""
    fields = q.model_dump(exclude={"include", "format"})
    if model == "rnn":
        return run_rnn(RNNConfig(**fields))
    if model == "lstm":
        return run_lstm(LSTMConfig(**fields))
    return run_gru(GRUConfig(**fields))


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


def _sampled(values: np.ndarray, rows_max: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows and step columns sampled as in the API's compact answer."""
    n, width = values.shape
    rows, cols = sample_steps(n - 1, rows_max), sample_steps(width - 1)
    return values[np.ix_(rows, cols)], rows, cols


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


def decay(model: str, q: BaseModel, r: Result, lang: str) -> FigureDict:
    """log10 ||dh_T/dh_k|| over k with its references: the Pascanu bound, rho(W) and mean field (RNN), the
    cell path's sigma(b_f)^(T-k) (LSTM) or the carry's sigma(-b_z)^(T-k) (GRU)."""
    title = tr(lang, "Gradient reaching step k from step T")
    return log_lines(decay_traces(model, q, r, lang), title, tr(lang, "source step k"), lang)


def decay_traces(model: str, q: BaseModel, r: Result, lang: str) -> list[FigureDict]:
    """One model's decay curve and its reference lines."""
    name = f"{LABEL[model]} {JACOBIAN[model].replace('_t', '_T')}"
    traces = [line(r.decay, name, line={"color": s.COLORS[model], "width": 3})]
    if model == "rnn":
        assert r.bound is not None and r.rho_line is not None and isinstance(q, RNNQuery)
        dash = {"color": s.COLORS["bound"], "dash": "dash"}
        traces.append(line(r.bound, tr(lang, "Pascanu bound (γ‖W‖₂)^(T−k)"), line=dash, meta="overlay"))
        rho_matters = r.summary["spectral_radius"] < 1 < r.summary["sigma_max"]
        rho_style = {"color": s.COLORS["bound"], "dash": "dot", "width": 2 if rho_matters else 1}
        visible: bool | str = True if rho_matters else "legendonly"
        traces.append(line(r.rho_line, "ρ(W)^(T−k)", line=rho_style, meta="overlay", visible=visible))
        if q.init != "identity":
            m = theory.mean_field(q.activation, q.scale, q.input_scale, q.bias)
            mf = power_line(q.steps, m.log10_growth_per_step)
            mf_style = {"color": s.COLORS["ref"], "dash": "dashdot", "width": 2}
            traces.append(line(mf, tr(lang, "mean field χ^((T−k)/2)"), line=mf_style, meta="overlay"))
    elif model == "lstm":
        ref = {"color": s.COLORS["ref"], "dash": "dot"}
        traces.append(line(r.cell_path["reference_log10"], "σ(b_f)^(T−k)", line=ref, meta="overlay"))
    else:
        ref = {"color": s.COLORS["ref"], "dash": "dashdot"}
        traces.append(line(r.cell_path["reference_log10"], "σ(−b_z)^(T−k)", line=ref, meta="overlay"))
    return traces


def pairs(model: str, r: Result, lang: str, short: bool = False) -> FigureDict:
    """The (t, k) heatmap of log10 ||dh_t/dh_k||, exact or (over the budget) the estimate. `short`: the
    model's name alone as title, as when three stand side by side."""
    p = r.pairs
    assert p is not None
    title = LABEL[model] if short else f"{LABEL[model]}: {JACOBIAN[model]}"
    if not p.exact:
        title = tr(lang, "{title} (estimate)", title=title)
    labels = {"title": title, "x": tr(lang, "source step k"), "y": tr(lang, "target step t"), "hover_x": "k"}
    return heatmap(p.values, p.rows, p.cols, labels | {"hover_y": "t"})


def units(model: str, r: Result, lang: str, short: bool = False) -> FigureDict:
    """log10 |dL/dh_k[i]| per unit i and step k, units and steps sampled as on the page."""
    z, rows, cols = _sampled(r.units, UNIT_ROWS)
    labels = {
        "title": LABEL[model] if short else f"{LABEL[model]}: |∂L/∂h_k[i]|",
        "x": tr(lang, "step k"),
        "y": tr(lang, "unit i"),
    }
    return heatmap(z, rows, cols, labels | {"hover_x": "k", "hover_y": tr(lang, "unit")})


PATH_TEXT = {
    "lstm": (
        "LSTM: cell-state path vs all paths",
        "single units ∏ f_j[i]",
        "cell path ‖∏ diag(f_j)‖",
        "full Jacobian ‖∂(h_T,c_T)/∂(h_k,c_k)‖",
        "σ(b_f)^(T−k)",
    ),
    "gru": (
        "GRU: carry path vs all paths",
        "single units ∏ (1 − z_j[i])",
        "carry path ‖∏ diag(1 − z_j)‖",
        "full Jacobian ‖∂h_T/∂h_k‖",
        "σ(−b_z)^(T−k)",
    ),
}


def path(model: str, r: Result, lang: str) -> FigureDict:
    """A gated cell's direct path (LSTM cell state, GRU carry) beside its full Jacobian."""
    title, single, norm, full, reference = (tr(lang, t) for t in PATH_TEXT[model])
    per_unit, _, cols = _sampled(r.cell_path["log10_per_unit"], CELL_LINES)
    traces = [
        bundle(per_unit, cols, single, line={"color": "rgba(0,158,115,0.25)", "width": 1}),
        line(r.cell_path["log10_norm"], norm, line={"color": s.COLORS["cell"], "width": 3}),
        line(r.decay, full, line={"color": s.COLORS[model], "dash": "dash", "width": 2}),
        line(r.cell_path["reference_log10"], reference, line={"color": s.COLORS["ref"], "dash": "dot"}),
    ]
    return log_lines(traces, title, tr(lang, "source step k"), lang)


def figure_dicts(model: str, q: BaseModel, r: Result, lang: str = "en") -> dict[str, FigureDict]:
    """Every figure of one run, most important first: decay, pairs, units, and cell (LSTM) or carry (GRU)."""
    out = {"decay": decay(model, q, r, lang), "pairs": pairs(model, r, lang), "units": units(model, r, lang)}
    if model == "lstm":
        out["cell"] = path(model, r, lang)
    elif model == "gru":
        out["carry"] = path(model, r, lang)
    return out


def queries(view: str, params: Params) -> dict[str, RNNQuery | LSTMQuery | GRUQuery]:
    """The checked query of each model the view shows. `compare` shows all three and gives each model its own
    fields of `params` (as the page does); a key no model knows is an error."""
    if view != "compare":
        return {view: query(view, params)}
    known = set().union(*(cls.model_fields for cls in QUERIES.values()))
    unknown = [k for k in params if k not in known]
    if unknown:
        allowed = ", ".join(sorted(known))
        message = f"unknown parameter '{unknown[0]}'; known parameters: {allowed}"
        raise ParamError([{"field": unknown[0], "input": params[unknown[0]], "allowed": allowed, "message": message}])
    return {m: query(m, {k: v for k, v in params.items() if k in QUERIES[m].model_fields}) for m in MODELS}


def view_dicts(view: str, qs: Mapping[str, BaseModel], lang: str = "en") -> dict[str, FigureDict]:
    """Every figure of a view (one model, or `compare`: the three side by side), running the core once each."""
    runs = {m: run(m, q) for m, q in qs.items()}
    if view != "compare":
        return figure_dicts(view, qs[view], runs[view], lang)
    traces = [t for m in MODELS for t in decay_traces(m, qs[m], runs[m], lang)]
    title = tr(lang, "Gradient reaching step k from step T")
    out = {"decay": log_lines(traces, title, tr(lang, "source step k"), lang)}
    for kind, build in (("pairs", pairs), ("units", units)):
        for m in MODELS:
            fig = build(m, runs[m], lang, short=True)
            fig["data"][0]["showscale"] = m == MODELS[-1]  # one colour bar per row: the scale is the same
            out[f"{kind}_{m}"] = fig
    return out | {"cell": path("lstm", runs["lstm"], lang), "carry": path("gru", runs["gru"], lang)}


def view_names(view: str) -> tuple[str, ...]:
    """The figures of a view, in drawing order."""
    if view == "compare":
        return ("decay", *(f"{f}_{m}" for f in ("pairs", "units") for m in MODELS), "cell", "carry")
    return ("decay", "pairs", "units", *{"lstm": ("cell",), "gru": ("carry",)}.get(view, ()))
