"""The recurrent views of an uploaded model (GET /api/v1/rnn, /lstm, /gru and their figures with `model=<id>`):
the model read from the store and checked against the query, and the API's answer for its layer."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from app.contract.encode import array
from app.contract.errors import ErrorBody
from app.contract.loaded import FIXED, Loaded, LoadedError, bad_id, conflicts, locate, not_found, run
from app.contract.recurrent import GRUEcho, GRUResponse, LSTMEcho, LSTMResponse, RNNEcho, RNNResponse
from app.endpoints.bodies import common, gated, preactivations
from app.service.models import BadId, NotFound, Store, valid_id

__all__ = ["NOT_FOUND", "OF", "LoadedError", "body", "refusal", "resolve"]

# How the OpenAPI schema documents the 404 of an id the server does not hold.
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {
        "model": ErrorBody,
        "description": "`model` names no model on this server (never uploaded here, or removed to make room): "
        "upload the file again (POST /api/v1/models).",
    }
}


OF = {"rnn": "dh_T/dh_k", "lstm": "d(h_T, c_T)/d(h_k, c_k), all paths", "gru": "dh_T/dh_k"}


def resolve(request: Request, kind: str, q: BaseModel) -> Loaded | None:
    """None for a seeded query; with `model`, the stored model's layer the query names. LoadedError (422, or 404
    for an id this server does not hold) names the field at fault."""
    detail = conflicts(kind, q)
    if detail:
        raise LoadedError(detail)
    model_id = getattr(q, "model", None)
    if model_id is None:
        return None
    if not valid_id(model_id):
        raise bad_id(model_id)
    store: Store = request.app.state.models
    try:
        model = store.get(model_id)
    except BadId:
        raise bad_id(model_id) from None
    except NotFound:
        raise not_found(model_id) from None
    return locate(kind, q, model_id, model)


def refusal(e: LoadedError) -> JSONResponse:
    return JSONResponse({"detail": e.detail}, status_code=e.status)


def _echo(kind: str, q: BaseModel, pick: Loaded) -> dict[str, Any]:
    """The config of a loaded run: the query's knobs, the layer's sizes and fixed structure, null for the
    seeded fields its weights fix."""
    layer = pick.model.layers[pick.layer]
    values = q.model_dump() | pick.identity()
    values |= {name: None for name in FIXED[kind]} | {"hidden": pick.n, "steps": pick.steps, "input_size": pick.m}
    if kind == "rnn":
        values |= {"activation": layer.activation}
    elif kind == "lstm":
        cell = layer.cells[layer.directions.index(pick.direction)]
        values |= {"peephole": cell.peep is not None, "coupled": False}
    else:
        values |= {"reset_after": layer.reset_after}
    return values


def body(kind: str, q: BaseModel, pick: Loaded) -> bytes:
    """The JSON body for a loaded model's layer: the seeded answer's shape, of the trained weights."""
    r = run(q, pick)
    fmt = q.format  # type: ignore[attr-defined]
    echo = _echo(kind, q, pick)
    if kind == "rnn":
        out = common(r, q.include, fmt)  # type: ignore[attr-defined]
        assert r.bound is not None and r.rho_line is not None
        out["decay"]["of"] = OF["rnn"]
        out["bound"] = {"log10": array(r.bound, fmt)}
        out["preactivations"] = preactivations(r, echo["activation"])
        out["theory"] = {"rho_log10": array(r.rho_line, fmt), "mean_field": None}
        return RNNResponse(config=RNNEcho(**echo), **out).model_dump_json().encode()
    if kind == "lstm":
        out = gated(q, r, "cell_path", OF["lstm"])
        return LSTMResponse(config=LSTMEcho(**echo), **out).model_dump_json().encode()
    out = gated(q, r, "carry_path", OF["gru"])
    return GRUResponse(config=GRUEcho(**echo), **out).model_dump_json().encode()
