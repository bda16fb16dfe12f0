"""The figures of an uploaded model's layer (GET /api/v1/figures/rnn, /lstm, /gru with `model=<id>`): the same
figures as a seeded run's, drawn from core/model/stack.run_layer. The model comes in as a value, checked by
app/contract/loaded.py (the endpoint reads it from the store)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from app.contract.loaded import Loaded, run
from app.contract.recurrent import GRUViewQuery, LSTMViewQuery, RNNViewQuery
from app.figures.base import Built, ParamError, Params, checked
from app.figures.recurrent import MODELS, facts, figure_dicts

VIEW_QUERIES: dict[str, type[RNNViewQuery | LSTMViewQuery | GRUViewQuery]] = {
    "rnn": RNNViewQuery,
    "lstm": LSTMViewQuery,
    "gru": GRUViewQuery,
}
LOADABLE = frozenset({"model", "layer", "direction", "forget_shift", "update_shift"})


def asks(view: str, params: Params) -> bool:
    """Whether a request for `view` names a loaded model's fields (then `query` checks it)."""
    return view in MODELS and any(name in params for name in LOADABLE)


def view_query(view: str, params: Params) -> RNNViewQuery | LSTMViewQuery | GRUViewQuery:
    """`params` checked by the endpoint's own query model (/api/v1/rnn, ...); ParamError names a bad field."""
    if view not in VIEW_QUERIES:
        raise ParamError([{"field": "model", "message": f"model: the {view} view draws seeded weights only",
                           "allowed": ", ".join(VIEW_QUERIES)}])  # fmt: skip
    return checked(VIEW_QUERIES[view], params)


def build(view: str, q: BaseModel, pick: Loaded, lang: str = "en") -> Built:
    """Every figure of the loaded layer, and the facts the page writes beside them (what layer it is)."""
    r = run(q, pick)
    layer = pick.model.layers[pick.layer]
    phi = layer.activation if view == "rnn" else None
    known: dict[str, Any] = facts(view, q, r)
    if view == "rnn":
        known.pop("theory", None)  # the mean field is of random weights
    known["loaded"] = pick.identity() | {"steps": pick.steps}
    return Built(figure_dicts(view, q, r, lang, loaded=True, phi=phi), {view: known})
