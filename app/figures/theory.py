"""The RNN's side panels beside its measured gradients: the total gradient split by how far its terms travelled
(near/far, claim C6) and the singular spectrum of dh_T/dh_0 for gaussian and orthogonal W. Each is a view of its
own ("nearfar", "spectrum"): the page asks for them apart from the main figures, so a slow one never holds those
back. Over its work budget a panel has no figure, and its facts say what to lower."""

from __future__ import annotations

from typing import Any

import numpy as np

from app.contract.encode import scalar as json_scalar
from app.contract.recurrent import RNNQuery
from app.contract.theory import log10_mean_field, nearfar_over_budget, spectrum_over_budget
from app.figures import style as s
from app.figures.base import Built, FigureDict, Params, Queries, View
from app.figures.common import line, log_lines
from app.figures.recurrent import query
from app.figures.style import N_, tr
from core import RNNConfig
from core import spectrum as core_spectrum
from core.nearfar import run_nearfar

SHARE_AT = 10  # the note reads the share of distances >= 10
INIT_NAME = {"gaussian": N_("gaussian W"), "orthogonal": N_("orthogonal W"), "identity": N_("identity × scale")}
INIT_COLOR = {"gaussian": "#D55E00", "orthogonal": "#0072B2", "identity": "#009E73"}


def _config(qs: Queries, name: str) -> RNNConfig:
    q = qs[name]
    assert isinstance(q, RNNQuery)
    return RNNConfig(**q.model_dump(exclude={"include", "format"}))


def nearfar(qs: Queries, lang: str = "en") -> Built:
    """||S_delta||, what distances >= delta carry, and the total ||dE/dW||; facts: the share of distances >= 10."""
    cfg = _config(qs, "nearfar")
    message = nearfar_over_budget(cfg)
    if message is not None:
        return Built({}, {"computed": False, "message": message})
    r = run_nearfar(cfg)
    total = np.full(r.log10_term.shape, r.log10_total)
    traces = [
        line(r.log10_term, tr(lang, "term at distance δ: ‖S_δ‖"), line={"color": s.COLORS["rnn"], "width": 3})
        | {"hovertemplate": f"δ %{{x}}: {s.POWER.format('y')}<extra></extra>"},
        line(
            r.log10_tail,
            tr(lang, "what distances ≥ δ carry: ‖Σ_{δ′≥δ} S_δ′‖"),
            line={"color": s.COLORS["lstm"], "width": 2},
        )
        | {"hovertemplate": f"δ ≥ %{{x}}: {s.POWER.format('y')}<extra></extra>"},
        line(total, tr(lang, "total ‖∂E/∂W‖"), line={"color": s.COLORS["bound"], "dash": "dash"}, hoverinfo="skip"),
    ]
    title = tr(lang, "The total gradient, by how far its terms travelled")
    fig = log_lines(traces, title, tr(lang, "distance δ = t − k"), lang)
    at = min(SHARE_AT, r.log10_share.size - 1)
    facts = {
        "computed": True,
        "message": None,
        "distance": at,
        "log10_share": json_scalar(float(r.log10_share[at])),
        "log10_total": json_scalar(r.log10_total),
    }
    return Built({"nearfar": fig}, facts)


def _spread(values: np.ndarray, lang: str) -> str:
    """ "3.6 decades": how far the nonzero singular values (descending) spread."""
    v = values[np.isfinite(values)]
    if not v.size:
        return tr(lang, "all zero")
    decades, zeros = f"{v[0] - v[-1]:.1f}", values.size - v.size
    if zeros:
        return tr(lang, "{decades} decades, {zeros} exactly 0", decades=decades, zeros=str(zeros))
    return tr(lang, "{decades} decades", decades=decades)


def spectrum(qs: Queries, lang: str = "en") -> Built:
    """Histograms of log10 singular values, one per init on shared bins, with the mean-field chi^(T/2) marked;
    facts: each init's spread in decades."""
    cfg = _config(qs, "spectrum")
    message = spectrum_over_budget(cfg)
    if message is not None:
        return Built({}, {"computed": False, "message": message})
    sp = core_spectrum.run_spectra(cfg)
    finite = [v[np.isfinite(v)] for v in sp.log10_values]
    both = np.concatenate(finite) if any(f.size for f in finite) else np.array([])
    lo, hi = (float(both.min()), float(both.max())) if both.size else (-1.0, 1.0)
    size = max(0.1, (hi - lo) / 40)  # one set of bins for every init, at least a tenth of a decade wide
    bins = {"start": lo - size / 2, "end": hi + size / 2, "size": size}
    traces = [
        {
            "type": "histogram",
            "name": tr(lang, "{init}: {spread}", init=tr(lang, INIT_NAME[init]), spread=_spread(values, lang)),
            "x": f.astype(np.float32),
            "xbins": bins,
            "opacity": 0.6,
            "marker": {"color": INIT_COLOR[init]},
            "hovertemplate": tr(lang, "σ ≈ 10^%{x}: %{y} values") + "<extra></extra>",
        }
        for init, values, f in zip(sp.inits, sp.log10_values, finite, strict=True)
    ]
    shapes: list[dict[str, Any]] = []
    annotations: list[dict[str, Any]] = []
    mf = log10_mean_field(cfg)
    if mf is not None:
        shapes.append(
            {
                "type": "line",
                "x0": mf,
                "x1": mf,
                "yref": "paper",
                "y0": 0,
                "y1": 1,
                "line": {"dash": "dash", "color": s.COLORS["bound"]},
            }
        )
        label = tr(lang, "mean field χ^(T/2) = {value}", value=s.from_log10(mf))
        annotations.append(
            {
                "x": mf,
                "yref": "paper",
                "y": 1,
                "xanchor": "right",
                "yanchor": "top",
                "text": label,
                "showarrow": False,
                "bgcolor": "rgba(255,255,255,0.85)",
            }
        )
        lo, hi = min(lo, mf), max(hi, mf)
    pad = max(0.5, 0.05 * (hi - lo))
    fig: FigureDict = {
        "data": traces,
        "layout": {
            **s.BASE,
            "title": s.top_title(tr(lang, "Singular values of ∂h_T/∂h_0")),
            "barmode": "overlay",
            "margin": {"l": 50, "r": 10, "t": 40, "b": 45},
            "legend": s.TOP_LEGEND,
            "xaxis": {
                "title": {"text": tr(lang, "singular value σ_i")},
                "range": [lo - pad, hi + pad],
                **s.power_ticks(lo - pad, hi + pad),
            },
            "yaxis": {"title": {"text": tr(lang, "count")}},
            "shapes": shapes,
            "annotations": annotations,
        },
    }
    widths = {init: float(f[0] - f[-1]) if f.size else 0.0 for init, f in zip(sp.inits, finite, strict=True)}
    return Built({"spectrum": fig}, {"computed": True, "message": None, "decades": widths})


def _queries(name: str) -> Any:
    def checked(params: Params) -> dict[str, RNNQuery]:
        q = query("rnn", params)
        assert isinstance(q, RNNQuery)
        return {name: q}

    return checked


RNN_FIELDS = frozenset(RNNQuery.model_fields)
VIEWS = (
    View("nearfar", "Near and far terms", RNN_FIELDS, _queries("nearfar"), nearfar, ("nearfar",), "index"),
    View("spectrum", "Singular spectrum", RNN_FIELDS, _queries("spectrum"), spectrum, ("spectrum",), "index"),
)
