"""The recurrent view's figures (RNN, LSTM, GRU) as plain Plotly figure dicts, from one core run.

Arrays stay NumPy float32 (the precision of the page's compact answers) until the edge: `encode` turns them
into Plotly's base64 typed arrays for JSON, `app.figures.recurrent` wraps the dicts into `go.Figure`s.
"""

from __future__ import annotations

import contextvars
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel

from app.contract.encode import scalar as json_scalar
from app.contract.recurrent import CELL_LINES, UNIT_ROWS, GRUQuery, LSTMQuery, RNNQuery
from app.figures import grid
from app.figures import style as s
from app.figures.base import Built, FigureDict, ParamError, Params, Queries, View, checked, unknown_parameter
from app.figures.common import activation_figure, bundle, heatmap, line, log_lines
from app.figures.style import N_, tr
from core import GRUConfig, LSTMConfig, Result, RNNConfig, run_gru, run_lstm, run_rnn, theory
from core.activations import curve
from core.logmath import power_line
from core.pairs import sample_steps

Model = Literal["rnn", "lstm", "gru"]
MODELS: tuple[Model, ...] = ("rnn", "lstm", "gru")
QUERIES: dict[str, type[RNNQuery | LSTMQuery | GRUQuery]] = {"rnn": RNNQuery, "lstm": LSTMQuery, "gru": GRUQuery}
LABEL = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}
JACOBIAN = {"rnn": "‖∂h_t/∂h_k‖", "lstm": "‖∂(h_t,c_t)/∂(h_k,c_k)‖", "gru": "‖∂h_t/∂h_k‖"}


def query(model: str, params: Params) -> RNNQuery | LSTMQuery | GRUQuery:
    """`params` checked by the API's query model of `model`: the same fields, ranges and messages."""
    if model not in QUERIES:
        allowed = ", ".join(MODELS)
        raise ParamError(
            [{"field": "model", "input": model, "allowed": allowed, "message": f"model must be one of: {allowed}"}]
        )
    return checked(QUERIES[model], params)


def run(model: str, q: BaseModel) -> Result:
    """The core run behind the API's answer to the same query."""
    fields = q.model_dump(exclude={"include", "format"})
    if model == "rnn":
        return run_rnn(RNNConfig(**fields))
    if model == "lstm":
        return run_lstm(LSTMConfig(**fields))
    return run_gru(GRUConfig(**fields))


def _sampled(values: np.ndarray, rows_max: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows and step columns sampled as in the API's compact answer."""
    n, width = values.shape
    rows, cols = sample_steps(n - 1, rows_max), sample_steps(width - 1)
    return values[np.ix_(rows, cols)], rows, cols


def decay(model: str, q: BaseModel, r: Result, lang: str, loaded: bool = False) -> FigureDict:
    """log10 ||dh_T/dh_k|| over k with its references: the Pascanu bound, rho(W) and mean field (RNN; not for a
    loaded model's trained weights), the cell path's sigma(b_f)^(T-k) (LSTM) or the carry's sigma(-b_z)^(T-k) (GRU)."""
    title = tr(lang, "Gradient reaching step k from step T")
    return log_lines(coinciding(decay_traces(model, q, r, lang, loaded)), title, tr(lang, "source step k"), lang)


def decay_traces(model: str, q: BaseModel, r: Result, lang: str, loaded: bool = False) -> list[FigureDict]:
    """One model's decay curve and its reference lines (`loaded`: a trained layer, without the mean field of
    random weights)."""
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
        if q.init != "identity" and not loaded:
            m = theory.mean_field(q.activation, q.scale, q.input_scale, q.bias)
            mf = power_line(q.steps, m.log10_growth_per_step)
            mf_style = {"color": s.COLORS["ref"], "dash": "dashdot", "width": 2}
            traces.append(line(mf, tr(lang, "mean field χ^((T−k)/2)"), line=mf_style, meta="overlay"))
    else:
        traces.append(line(r.cell_path["reference_log10"], REFERENCE[model], line=REF_STYLE[model], meta="overlay"))
    return traces


# The gated cells' reference lines: a colour and a dash each, apart from the RNN's mean field (purple dash-dot)
# and from each other; the cell's and the carry's path plot draw them in the same colours, dotted.
REFERENCE = {"lstm": "σ(b_f)^(T−k)", "gru": "σ(−b_z)^(T−k)"}  # formulas: the same in every language
REF_STYLE = {
    "lstm": {"color": s.COLORS["ref_lstm"], "dash": "dot", "width": 2},
    "gru": {"color": s.COLORS["ref_gru"], "dash": "longdash", "width": 2},
}
UNDERLAY_WIDTH = 7  # px of the faint wide line under a line that coincides with it
UNDERLAY_OPACITY = 0.45


def _drawn(t: FigureDict) -> np.ndarray | None:
    """A line's y values as drawn (float32, NaN gaps), or None when it is hidden until its legend entry is clicked."""
    return None if t.get("visible", True) is not True else np.asarray(t["y"], dtype=np.float32)


def coinciding(traces: list[FigureDict]) -> list[FigureDict]:
    """Reference lines that lie on top of an earlier one (same length, the same to 1e-4 decades wherever drawn,
    gaps in the same places) stay readable: the earlier line is drawn wide and faint under the later one, and the
    later one's name says the two are equal ("σ(−b_z)^(T−k) = σ(b_f)^(T−k)"). The measured curves stay as they are."""
    out = [dict(t) for t in traces]
    refs = [i for i, t in enumerate(out) if t.get("meta") == "overlay"]
    for n, j in enumerate(refs):
        yj = _drawn(out[j])
        if yj is None:
            continue
        for i in refs[:n]:
            yi = _drawn(out[i])
            if yi is None or yi.shape != yj.shape or not np.array_equal(np.isnan(yi), np.isnan(yj)):
                continue
            both = ~np.isnan(yi)
            if both.any() and np.allclose(yi[both], yj[both], rtol=0, atol=1e-4):
                width = out[i]["line"].get("width", 2)
                out[i]["line"] = out[i]["line"] | {"width": max(UNDERLAY_WIDTH, 3 * width), "dash": "solid"}
                out[i]["opacity"] = UNDERLAY_OPACITY
                out[j]["name"] = f"{out[j]['name']} = {traces[i]['name']}"
                out[j]["hovertemplate"] = out[j]["hovertemplate"].replace(traces[j]["name"], out[j]["name"], 1)
                break
    return out


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
    fig = heatmap(z, rows, cols, labels | {"hover_x": "k", "hover_y": tr(lang, "unit")})
    fig["data"][0]["showscale"] = False  # the (t, k) heatmap above has the same scale and shows it
    return fig


PATH_TEXT = {
    "lstm": (
        N_("LSTM: cell-state path vs all paths"),
        N_("single units ∏ f_j[i]"),
        N_("cell path ‖∏ diag(f_j)‖"),
        N_("full Jacobian ‖∂(h_T,c_T)/∂(h_k,c_k)‖"),
        "σ(b_f)^(T−k)",  # a formula: the same in every language
    ),
    "gru": (
        N_("GRU: carry path vs all paths"),
        N_("single units ∏ (1 − z_j[i])"),
        N_("carry path ‖∏ diag(1 − z_j)‖"),
        N_("full Jacobian ‖∂h_T/∂h_k‖"),
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
        line(
            r.cell_path["reference_log10"], reference, line=REF_STYLE[model] | {"dash": "dot"}
        ),  # the page calls it dotted
    ]
    return log_lines(traces, title, tr(lang, "source step k"), lang)


def activation(name: str, r: Result, lang: str) -> FigureDict:
    """phi and phi' of the RNN's activation with a histogram of every pre-activation of the run: how many units
    sit in the flat tails."""
    h = r.preactivations
    assert h is not None
    total = int(h.counts.sum()) + h.below + h.above or 1
    edges = np.asarray(h.edges, dtype=float)
    bars = {
        "type": "bar",
        "name": tr(lang, "share of this run's a_t[i]"),
        "x": ((edges[:-1] + edges[1:]) / 2).astype(np.float32),
        "y": (np.asarray(h.counts) / total).astype(np.float32),
        "yaxis": "y2",
        "width": float(edges[1] - edges[0]),
        "marker": {"color": "rgba(213,94,0,0.3)"},
        "hovertemplate": "a ≈ %{x:.2f}: %{y:.1%}<extra></extra>",
    }
    title = tr(lang, "Where the RNN's units sit on φ′")
    # The share axis in round steps: it stays put while a slider moves the bars within it.
    top = s.nice_ceiling(max(float(bars["y"].max()), 1e-3) * 1.05)
    return activation_figure(curve(name), r.summary["gamma"], [bars], title, lang, top)


def facts(model: str, q: BaseModel, r: Result) -> dict[str, Any]:
    """The numbers the page shows as text beside one model's figures: its summary, whether the heatmap is exact
    (else the budget message), and for the RNN the mean-field chi and the share of saturated units."""
    out: dict[str, Any] = {
        "model": model,
        "summary": {key: json_scalar(v) for key, v in r.summary.items()},
        "pairs": {"exact": r.pairs is not None and r.pairs.exact, "message": pairs_message(r)},
    }
    if model == "rnn":
        assert isinstance(q, RNNQuery) and r.preactivations is not None
        m = theory.mean_field(q.activation, q.scale, q.input_scale, q.bias)
        out["theory"] = {"mean_field": {"applies": q.init != "identity", "chi": json_scalar(m.chi)}}
        h = r.preactivations
        out["preactivations"] = {
            "total": int(h.counts.sum()) + h.below + h.above,
            "beyond": h.below + h.above,
            "saturated_fraction": h.saturated_fraction,
            "zero_fraction": h.zero_fraction,
        }
    return out


def pairs_message(r: Result) -> str | None:
    """Why the (t, k) heatmap is an estimate and what to lower for exact values (None when it is exact)."""
    b, h = r.budget, r.pairs
    if h is None or h.exact:
        return None
    lower = f"lower steps to {b.max_steps} or less" + (f", or hidden to {b.max_hidden} or less" if b.max_hidden else "")
    return f"Estimated: the exact heatmap needs {b.work:.3g} work units, over the budget of {b.budget:.3g}; for exact values {lower}."


def figure_dicts(
    model: str, q: BaseModel, r: Result, lang: str = "en", loaded: bool = False, phi: str | None = None
) -> dict[str, FigureDict]:
    """Every figure of one run, most important first: decay, pairs, units, and the activation (RNN), cell (LSTM)
    or carry (GRU). `loaded`: of a loaded model's layer, whose activation is `phi` (else the query's)."""
    out = {"decay": decay(model, q, r, lang, loaded), "pairs": pairs(model, r, lang), "units": units(model, r, lang)}
    if model == "rnn":
        assert isinstance(q, RNNQuery)
        out["activation"] = activation(phi or q.activation, r, lang)
    elif model == "lstm":
        out["cell"] = path(model, r, lang)
    else:
        out["carry"] = path(model, r, lang)
    return out


def queries(view: str, params: Params) -> dict[str, RNNQuery | LSTMQuery | GRUQuery]:
    """The checked query of each model the view shows. `compare` shows all three and gives each model its own
    fields of `params` (as the page does); a key no model knows is an error."""
    if view != "compare":
        return {view: query(view, params)}
    known = set().union(*(cls.model_fields for cls in QUERIES.values()))
    error = unknown_parameter(params, sorted(known))
    if error:
        raise error
    return {m: query(m, {k: v for k, v in params.items() if k in QUERIES[m].model_fields}) for m in MODELS}


def build(view: str, qs: Queries, lang: str = "en") -> Built:
    """Every figure of a view (one model, or `compare`: the three side by side), running the core once each,
    and each model's facts."""
    if len(qs) == 1:
        runs = {m: run(m, q) for m, q in qs.items()}
    else:  # side by side: the runs in parallel (NumPy releases the GIL), each in the request's time limit
        with ThreadPoolExecutor(len(qs)) as pool:
            futures = {m: pool.submit(contextvars.copy_context().run, run, m, q) for m, q in qs.items()}
            runs = {m: f.result() for m, f in futures.items()}
    known = {m: facts(m, qs[m], r) for m, r in runs.items()}
    if view != "compare":
        return Built(figure_dicts(view, qs[view], runs[view], lang), known)
    traces = coinciding([t for m in MODELS for t in decay_traces(m, qs[m], runs[m], lang)])
    title = tr(lang, "Gradient reaching step k from step T")
    out = {"decay": log_lines(traces, title, tr(lang, "source step k"), lang)}
    for m in MODELS:
        out[f"pairs_{m}"] = pairs(m, runs[m], lang, short=True)
        out[f"pairs_{m}"]["data"][0]["showscale"] = m == MODELS[-1]  # one colour bar for the row: the same scale
    out |= {f"units_{m}": units(m, runs[m], lang, short=True) for m in MODELS}
    rnn = qs["rnn"]
    assert isinstance(rnn, RNNQuery)
    out |= {"activation": activation(rnn.activation, runs["rnn"], lang)}
    return Built(out | {"cell": path("lstm", runs["lstm"], lang), "carry": path("gru", runs["gru"], lang)}, known)


def view_dicts(view: str, qs: Queries, lang: str = "en") -> dict[str, FigureDict]:
    """Every figure of a view, as plain dicts."""
    return build(view, qs, lang).figures


def view_names(view: str) -> tuple[str, ...]:
    """The figures of a view, in drawing order."""
    if view == "compare":
        return ("decay", *(f"{f}_{m}" for f in ("pairs", "units") for m in MODELS), "activation", "cell", "carry")
    return ("decay", "pairs", "units", {"rnn": "activation", "lstm": "cell", "gru": "carry"}[view])


def _sizes(qs: Queries) -> list[tuple[str, int, int]]:
    """Each model's steps and hidden size."""
    return [(m, int(getattr(q, "steps")), int(getattr(q, "hidden"))) for m, q in qs.items()]  # noqa: B009


def _frame_bytes(qs: Queries) -> int:
    return sum(grid.frame_bytes(*size) for size in _sizes(qs))


def _view(name: str) -> View:
    fields = (
        set(QUERIES[name].model_fields) if name in QUERIES else set().union(*(c.model_fields for c in QUERIES.values()))
    )
    return View(
        name=name,
        title=LABEL.get(name, "RNN · LSTM · GRU"),
        fields=frozenset(fields),
        queries=lambda params: dict(queries(name, params)),
        build=lambda qs, lang: build(name, qs, lang),
        names=view_names(name),
        page="index",
        sliders=grid.SLIDERS[name],
        frame_bytes=_frame_bytes,
    )


VIEWS = tuple(_view(name) for name in (*MODELS, "compare"))
