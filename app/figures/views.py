"""Every view's figures behind one interface (app/figures/base.py), by name: "rnn", "lstm", "gru", "compare" (the
recurrent view) and "scalar". The page (GET /api/v1/figures/{view}), the offline export and notebooks draw any
of them the same way. A new view adds its `View` here."""

from __future__ import annotations

from pydantic import BaseModel

from app.contract.quoting import quoted
from app.figures.base import FigureDict, ParamError, Params, Queries, View
from app.figures.cliff import VIEWS as CLIFF
from app.figures.feedforward import VIEW as FEEDFORWARD
from app.figures.recurrent import VIEWS as RECURRENT
from app.figures.scalar import VIEW as SCALAR
from app.figures.theory import VIEWS as THEORY
from app.figures.train_view import VIEW as TRAIN

VIEWS: dict[str, View] = {v.name: v for v in (*RECURRENT, SCALAR, *THEORY, FEEDFORWARD, TRAIN, *CLIFF)}
TITLE = {name: v.title for name, v in VIEWS.items()}


def get(name: str) -> View:
    """The view called `name`; ParamError names the known ones."""
    if name not in VIEWS:
        known = ", ".join(VIEWS)
        raise ParamError(
            [
                {
                    "field": "view",
                    "input": name,
                    "allowed": known,
                    "message": f"view must be one of: {known} (got {quoted(name)})",
                }
            ]
        )
    return VIEWS[name]


def fields(view: str) -> set[str]:
    """The query fields a view takes (compare: those of any of its models)."""
    return set(get(view).fields)


def queries(view: str, params: Params) -> dict[str, BaseModel]:
    """The checked query of each computation the view makes; ParamError names a bad field."""
    return get(view).queries(params)


def dicts(view: str, qs: Queries, lang: str = "en") -> dict[str, FigureDict]:
    """The view's figures for checked queries, as plain dicts."""
    return get(view).build(qs, lang).figures


def names(view: str) -> tuple[str, ...]:
    """The view's figures, in drawing order."""
    return get(view).names
