"""GET /api/v1/figures/{view}: a view's figures as Plotly figure dicts, built by app.figures, the one definition
the page, the offline export and notebooks draw from; with the numbers the page writes out beside them."""

from __future__ import annotations

import json
import time
from enum import StrEnum
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from app.contract import cost
from app.endpoints import loaded
from app.figures import encode, views
from app.figures import loaded as loaded_figures
from app.figures.base import ParamError
from app.service.cache import BodyCache
from app.service.limits import LIMITED, Guard, Refused

router = APIRouter(prefix="/api/v1", tags=["figures"], responses=LIMITED)
ViewName = StrEnum("ViewName", {name: name for name, v in views.VIEWS.items() if v.served})  # type: ignore[misc]


class FiguresResponse(BaseModel):
    """A view's figures, ready for Plotly.react, in drawing order; arrays are Plotly's base64 typed arrays."""

    view: str
    lang: str
    names: list[str] = Field(description="The figures in drawing order, most important first.")
    figures: dict[str, dict[str, Any]] = Field(description="Each figure: {data, layout} for Plotly.")
    facts: dict[str, Any] = Field(description="Numbers the page writes out beside the figures (summaries, notes).")


def _body(
    request: Request, view: str, params: dict[str, str], lang: str
) -> tuple[list[tuple[str, dict[str, Any]]], Any]:
    """The view's checked queries (as cost-model inputs) and a function computing the JSON body. With a loaded
    model's fields (rnn, lstm, gru): its layer, read from the store (LoadedError: 422 or 404)."""
    v = views.get(view)
    if loaded_figures.asks(view, params):
        q = loaded_figures.view_query(view, params)
        pick = loaded.resolve(request, view, q)
        if pick is not None:

            def layer() -> bytes:
                return _json(view, lang, v.names, loaded_figures.build(view, q, pick, lang))

            return [(f"{view}_model", pick.cost_query(q))], layer
    qs = v.queries(params)

    def compute() -> bytes:
        return _json(view, lang, v.names, v.build(qs, lang))

    return [(endpoint, q.model_dump()) for endpoint, q in qs.items()], compute


def _json(view: str, lang: str, names: tuple[str, ...], built: Any) -> bytes:
    body = {"view": view, "lang": lang, "names": list(names), "figures": built.figures, "facts": built.facts}
    return json.dumps(encode(body), separators=(",", ":"), allow_nan=False).encode()


@router.get(
    "/figures/{view}",
    response_model=FiguresResponse,
    responses=loaded.NOT_FOUND,
    summary="A view's figures, as drawn on its page",
)
def figures(
    request: Request,
    view: Annotated[ViewName, Path(description="The view: a model of the recurrent page, compare, scalar, ...")],
    lang: Annotated[Literal["en", "zh"], Query(description="Language of the titles and legends.")] = "en",
) -> Response:
    """The figures of `view` for the settings in the query string: the same fields, ranges and defaults as the
    view's own endpoint (`/api/v1/rnn`, `/api/v1/scalar`, ...; `compare` takes the fields of all three models).
    An unknown or out-of-range field is a 422 naming it; a request over the time budget is refused like the
    view's own endpoint. `rnn`, `lstm` and `gru` take `model=<id>&layer=<l>&direction=...` as their endpoints do:
    the figures of an uploaded model's layer."""
    params = {k: v for k, v in request.query_params.items() if k != "lang"}
    try:
        sizes, compute = _body(request, view.value, params, lang)
    except ParamError as exc:
        return JSONResponse({"detail": exc.detail}, status_code=422)
    except loaded.LoadedError as exc:
        return loaded.refusal(exc)
    cache: BodyCache = request.app.state.cache
    guard: Guard = request.app.state.guard
    t0, misses = time.perf_counter(), cache.misses
    key = ("figures", view.value, lang, *sorted(params.items()))

    def limited() -> bytes:
        # Each computation is checked against the budget (a 422 names what to lower); the sum takes a slot.
        seconds = sum(guard.check(endpoint, q) for endpoint, q in sizes)
        return guard.within(seconds, compute, tuple(n for endpoint, _ in sizes for n in _lower(endpoint)))

    try:
        body = cache.get_or_compute(key, limited)
    except Refused as e:
        return e.response
    timing = f"compute;dur={(time.perf_counter() - t0) * 1e3:.1f}" if cache.misses > misses else "cache;desc=hit"
    return Response(body, media_type="application/json", headers={"Server-Timing": timing})


def _lower(endpoint: str) -> tuple[str, ...]:
    """The parameters a timeout of `endpoint` asks to lower."""
    return m.lower if (m := cost.model_of(endpoint)) else ()
