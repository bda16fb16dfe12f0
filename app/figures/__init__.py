"""The explorer's figures, defined once in Python for the page, the offline export and notebooks.

    from app.figures import recurrent
    figs = recurrent("lstm", {"forget_bias": 3, "steps": 100})
    figs["decay"].show()

Parameters are checked by the API's query models: a bad value raises `ParamError` with the API's message.
"""

from __future__ import annotations

import base64
from typing import Any

import numpy as np
import plotly.graph_objects as go

from app.figures.base import FigureDict, ParamError, Params
from app.figures.cliff import cliff_dicts
from app.figures.feedforward import feedforward_dicts
from app.figures.recurrent import MODELS, queries, view_dicts
from app.figures.scalar import scalar_dicts
from app.figures.train_view import train_dicts

__all__ = [
    "MODELS",
    "ParamError",
    "cliff",
    "cliff_dicts",
    "encode",
    "feedforward",
    "feedforward_dicts",
    "figure",
    "recurrent",
    "recurrent_dicts",
    "scalar",
    "scalar_dicts",
    "train",
    "view",
]


def recurrent_dicts(view: str, params: Params, lang: str = "en") -> dict[str, FigureDict]:
    """The recurrent view's figures as plain dicts (NumPy arrays inside); `view` is "rnn", "lstm", "gru" or
    "compare" (the three side by side, each taking its own fields of `params`)."""
    return view_dicts(view, queries(view, params), lang)


def figure(d: FigureDict) -> go.Figure:
    """A figure dict as a `go.Figure` (validated by plotly)."""
    return go.Figure(d, skip_invalid=False)


def recurrent(view: str, params: Params | None = None, lang: str = "en") -> dict[str, go.Figure]:
    """The recurrent view's figures of one run: "decay", "pairs", "units", and "cell" (LSTM) or "carry" (GRU);
    for "compare", "decay" with all three, "pairs_rnn", ..., "units_gru", "cell" and "carry".

    `params` are the API's query fields (e.g. {"scale": 1.5, "steps": 100}); strings are parsed as in a URL.
    `lang="zh"` gives the page's Chinese titles.
    """
    return {name: figure(d) for name, d in recurrent_dicts(view, params or {}, lang).items()}


def scalar(params: Params | None = None, lang: str = "en") -> dict[str, go.Figure]:
    """The scalar view's figures of one unit: "factors", "activation" and "compound" ((1 +- eps)^N).

    `params` are GET /api/v1/scalar's fields (e.g. {"activation": "sigmoid", "weight": 3.9}).
    """
    return {name: figure(d) for name, d in scalar_dicts(params or {}, lang).items()}


def train(params: Params | None = None, lang: str = "en") -> dict[str, go.Figure]:
    """The training lab's figures of one run, trained here to its last update (no time budget, so it takes
    seconds to minutes): "loss", "grad", "heat" and "far".

    `params` are GET /api/v1/train's fields (e.g. {"model": "lstm", "task": "recall", "lag": 50,
    "forget_bias": 3, "iterations": 300}); the same seed gives the same run as on the page.
    """
    return {name: figure(d) for name, d in train_dicts(params or {}, lang).items()}


def cliff(params: Params | None = None, lang: str = "en") -> dict[str, go.Figure]:
    """The cliff view's figures: "loss" (E over (w, b)) and "grad" (log10 ||grad E||, the wall), each with the
    three descents from (w0, b0) on it, "curves" (E at each iteration) and "steps" (each step's length).

    `params` are the fields of GET /api/v1/cliff and /api/v1/cliff/descent (e.g. {"threshold": 0.3,
    "w0": 4.75, "b0": -2.457}); T (`steps`) is both the surface's and the runs'.
    """
    return {name: figure(d) for name, d in cliff_dicts(params or {}, lang).items()}


def feedforward(params: Params | None = None, lang: str = "en") -> dict[str, go.Figure]:
    """The deep feed-forward view's figures: "grads" (gradient norms per layer), "hist" (each layer's
    pre-activations) and "dead" (flat and dead units per layer).

    `params` are GET /api/v1/feedforward's fields (e.g. {"activation": "sigmoid", "layers": 30}).
    """
    return {name: figure(d) for name, d in feedforward_dicts(params or {}, lang).items()}


def view(name: str, params: Params | None = None, lang: str = "en") -> dict[str, go.Figure]:
    """Any view's figures by its name, as the page draws them from GET /api/v1/figures/{name}: "rnn", "lstm",
    "gru", "compare", "scalar", "nearfar" and "spectrum" (the RNN's side panels), "feedforward", "cliff",
    "train". A panel over its work budget has no figure."""
    from app.figures import views  # the registry imports this package's modules

    v = views.get(name)
    return {n: figure(d) for n, d in v.build(v.queries(params or {}), lang).figures.items()}


def typed(a: np.ndarray) -> dict[str, str]:
    """A float32 array as plotly.js reads it: base64 little-endian bytes, the shape as "rows, cols" (plotly.py's form)."""
    arr = np.ascontiguousarray(a, dtype="<f4")
    out = {"dtype": "f4", "bdata": base64.b64encode(arr.tobytes()).decode("ascii")}
    if arr.ndim > 1:
        out["shape"] = ", ".join(str(n) for n in arr.shape)
    return out


def encode(obj: Any) -> Any:
    """A figure dict ready for JSON: NumPy arrays as Plotly base64 float32 typed arrays."""
    if isinstance(obj, np.ndarray):
        return typed(obj)
    if isinstance(obj, dict):
        return {k: encode(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [encode(v) for v in obj]
    return obj
