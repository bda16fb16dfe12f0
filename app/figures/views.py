"""Every view's figures behind one interface, by name: "rnn", "lstm", "gru", "compare" (the recurrent view)
and "scalar". The export draws any of them the same way."""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel

from app.figures.recurrent import LABEL, MODELS, QUERIES, FigureDict, Params, view_dicts, view_names
from app.figures.recurrent import queries as recurrent_queries
from app.figures.scalar import query as scalar_query
from app.figures.scalar import scalar_dicts
from app.scalar import ScalarQuery

VIEWS = (*MODELS, "compare", "scalar")
TITLE = LABEL | {"compare": "RNN · LSTM · GRU", "scalar": "Scalar RNN"}


def fields(view: str) -> set[str]:
    """The query fields a view takes (compare: those of any of its models)."""
    if view == "scalar":
        return set(ScalarQuery.model_fields)
    if view == "compare":
        return set().union(*(cls.model_fields for cls in QUERIES.values()))
    return set(QUERIES[view].model_fields)


def queries(view: str, params: Params) -> dict[str, BaseModel]:
    """The checked query of each run the view makes; ParamError names a bad field."""
    if view == "scalar":
        return {"scalar": scalar_query(params)}
    return dict(recurrent_queries(view, params))


def dicts(view: str, qs: Mapping[str, BaseModel], lang: str = "en") -> dict[str, FigureDict]:
    """The view's figures for checked queries, as plain dicts."""
    if view == "scalar":
        q = qs["scalar"]
        return scalar_dicts(q.model_dump(exclude={"include"}), lang)
    return view_dicts(view, qs, lang)


def names(view: str) -> tuple[str, ...]:
    """The view's figures, in drawing order."""
    if view == "scalar":
        return ("factors", "activation", "compound")
    return view_names(view)
