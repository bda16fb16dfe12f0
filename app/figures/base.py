"""What every view of app.figures declares: its query fields, how it checks them, its figures and facts, and
what one precomputed frame of it costs in an offline file."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from app.contract.errors import describe
from app.contract.quoting import clipped

FigureDict = dict[str, Any]
Params = Mapping[str, str | float | int | bool]
Queries = Mapping[str, BaseModel]
Q = TypeVar("Q", bound=BaseModel)


class ParamError(ValueError):
    """Parameters the API would answer with 422: `detail` holds the same entries (field, allowed, message)."""

    def __init__(self, detail: list[dict[str, Any]]) -> None:
        super().__init__("; ".join(str(d["message"]) for d in detail))
        self.detail = detail


def unknown_parameter(params: Params, known: list[str]) -> ParamError | None:
    """The error for the first key of `params` outside `known` (its name and value quoted short), if any."""
    name = next((key for key in params if key not in known), None)
    if name is None:
        return None
    allowed = ", ".join(known)
    message = f"unknown parameter '{clipped(name)}'; known parameters: {allowed}"
    return ParamError(
        [{"field": clipped(name), "input": clipped(params[name]), "allowed": allowed, "message": message}]
    )


def checked(cls: type[Q], params: Params) -> Q:
    """`params` checked by an API query model: the same fields, ranges and messages as its endpoint."""
    try:
        return cls.model_validate(dict(params))
    except ValidationError as exc:
        raise ParamError([describe(cls, dict(e)) for e in exc.errors()]) from None


@dataclass
class Built:
    """A view's answer: its figures by name, and the numbers its page shows as text (`facts`)."""

    figures: dict[str, FigureDict]
    facts: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class View:
    """One view of the explorer behind the interface the page, the offline export and notebooks share.

    `queries(params)` checks a state's parameters and returns the checked query of each computation the view
    makes, keyed by its cost model's name in app/contract/cost.py (ParamError names a bad field); `build(queries, lang)`
    runs them and returns the figures, in the order of `names`.
    """

    name: str
    title: str  # in English; the catalogue translates it
    fields: frozenset[str]
    queries: Callable[[Params], dict[str, BaseModel]]
    build: Callable[[Queries, str], Built]
    names: tuple[str, ...]
    page: str  # route name of the page showing the view
    sliders: tuple[str, ...] = ()  # what an offline file can put on a slider, the main one first
    frame_bytes: Callable[[Queries], int] | None = None  # one frame of an offline file, compressed, from above
    # For views whose frames share large arrays no slider changes (the cliff's surfaces): a file holds them once.
    shared_bytes: Callable[[Queries], int] | None = None  # those arrays, compressed, from above
    shared: tuple[str, ...] = ()  # the queries that compute them: a file computes them once
    # For views whose state decides what a file can show (the training lab: forget_bias only for gated cells):
    offered: Callable[[Params], tuple[str, ...]] | None = None  # the sliders a state can export, the main first
    export_params: Mapping[str, str] = field(default_factory=dict)  # settings a file takes unless its URL sets them
    # A frame's seconds beyond the cost models of its queries (app/contract/cost.py): a training run, figure texts.
    frame_seconds: Callable[[Queries], float] | None = None
    lower: tuple[str, ...] = ()  # what a refused file should lower, where app/contract/cost.py has no model
    # GET /api/v1/figures/{view} serves the view (False: its page gets its figures otherwise, as the training lab
    # from its run's stream, which holds a training slot; a run is not a request to answer on the side).
    served: bool = True
