"""The API's 422 body: each parameter at fault with its allowed range, so a page can show it beside the control."""

from __future__ import annotations

import typing
from typing import Any

from annotated_types import Ge, Le
from pydantic import BaseModel, Field

from app.contract.cliff import CliffQuery, DescentQuery
from app.contract.feedforward import FeedForwardQuery
from app.contract.quoting import clipped, quoted
from app.contract.recurrent import GRUViewQuery, LSTMViewQuery, RNNQuery, RNNViewQuery
from app.contract.scalar import ScalarQuery
from app.contract.theory import MeanFieldQuery
from app.contract.training import TrainQuery


class FieldError(BaseModel):
    """One problem with a request: the parameter at fault and what it may be."""

    field: str | None = Field(description="The query parameter at fault (null: the request as a whole).")
    message: str = Field(description="What is wrong and what is allowed, for a person to read.")
    allowed: str | None = Field(None, description="The allowed values or range, e.g. `integer 1..256`.")
    input: Any = Field(None, description="The value received.")
    type: str | None = Field(None, description="The kind of error (pydantic's error type for validation errors).")
    loc: list[str] | None = Field(None, description="Where the value was, e.g. [`query`, `steps`].")


class ErrorBody(BaseModel):
    """The body of every 4xx answer of the API, and of 503 when the server is busy."""

    detail: list[FieldError]


# Every operation documents its 422 as sent by validation_handler rather than FastAPI's default shape.
INVALID: dict[int | str, dict[str, Any]] = {
    422: {
        "model": ErrorBody,
        "description": "A parameter is unknown or out of range, or the request would take longer than the time budget: "
        "`detail` names each parameter at fault and its allowed values (over the budget: what to lower, and to what).",
    }
}

QUERY_MODELS: dict[str, type[BaseModel]] = {
    "/api/v1/rnn": RNNViewQuery,
    "/api/v1/lstm": LSTMViewQuery,
    "/api/v1/gru": GRUViewQuery,
    "/api/v1/scalar": ScalarQuery,
    "/api/v1/nearfar": RNNQuery,
    "/api/v1/feedforward": FeedForwardQuery,
    "/api/v1/spectrum": RNNQuery,
    "/api/v1/meanfield": MeanFieldQuery,
    "/api/v1/cliff": CliffQuery,
    "/api/v1/cliff/descent": DescentQuery,
    "/api/v1/train": TrainQuery,
}


def allowed(model: type[BaseModel], name: str) -> str | None:
    """Human-readable allowed values of one query field, e.g. '1..256' or 'tanh, sigmoid'."""
    info = model.model_fields.get(name)
    if info is None:
        return None
    lo = next((m.ge for m in info.metadata if isinstance(m, Ge)), None)
    hi = next((m.le for m in info.metadata if isinstance(m, Le)), None)
    if info.annotation is bool:
        return "true, false"
    if lo is not None and hi is not None:
        if info.annotation is int:
            return f"integer {lo}..{hi}"
        return f"number {lo:g}..{hi:g}"
    choices = [
        a for arg in typing.get_args(info.annotation) for a in (typing.get_args(arg) or [arg]) if isinstance(a, str)
    ]
    return ", ".join(choices) if choices else None


def describe(model: type[BaseModel] | None, err: dict[str, Any]) -> dict[str, Any]:
    """One of pydantic's errors as the API's 422 entry: the field, its allowed values and a message."""
    loc = [str(clipped(p)) for p in err.get("loc", ())]
    name = loc[-1] if loc else "query"
    out: dict[str, Any] = {"field": name, "input": clipped(err.get("input")), "type": err.get("type"), "loc": loc}
    if model is not None and err.get("type") == "extra_forbidden":
        out["allowed"] = ", ".join(model.model_fields)
        out["message"] = f"unknown parameter '{name}'; known parameters: {out['allowed']}"
        return out
    rng = allowed(model, name) if model is not None else None
    expected = err.get("ctx", {}).get("expected")
    if rng is None and err.get("type") in ("enum", "literal_error") and isinstance(expected, str):
        rng = expected.replace("'", "").replace(" or ", ", ")  # "'en' or 'zh'": a parameter outside the query models
    out["allowed"] = rng
    got = f" (got {quoted(err['input'])})" if "input" in err else ""
    if err.get("type") == "value_error":  # a rule across fields, with its own message
        out["message"] = f"{name}: {err.get('ctx', {}).get('error', err.get('msg'))}"
        return out
    if rng is None:
        out["message"] = f"{name}: {err.get('msg', 'invalid value')}{got}"
    elif rng.startswith(("integer ", "number ")):
        kind, _, span = rng.partition(" ")
        out["message"] = f"{name} must be {'an' if kind == 'integer' else 'a'} {kind} in {span}{got}"
    else:
        out["message"] = f"{name} must be one of: {rng}{got}"
    return out
