"""The recurrent views of an uploaded model: the query fields that pick one layer and direction of a stored
model (GET /api/v1/rnn, /lstm, /gru and their figures with `model=<id>`), the rules between them and the
seeded fields, and the run itself (core/model/stack.run_layer).

The model is handed in as a value (the endpoint reads it from the store): nothing here touches the store.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, Field

from app.contract.quoting import quoted
from core import config as c
from core.explore import Result
from core.model import stack
from core.model.checks import Limits
from core.model.spec import Direction, Kind, Model

ID_PATTERN = "^[0-9a-f]{64}$"  # a content id, as app/contract/models.py (which imports this module's users)
DirectionName = Literal["forward", "reverse"]
PICK = ("model", "layer", "direction")  # what names a loaded layer
SHIFTS = {"lstm": "forget_shift", "gru": "update_shift"}  # the bias knob of each gated kind
# The seeded fields a loaded model fixes by its weights, per endpoint.
FIXED = {
    "rnn": ("activation", "init", "hidden", "bias"),
    "lstm": ("hidden", "forget_bias", "peephole", "coupled"),
    "gru": ("hidden", "update_bias", "reset_after"),
}
ENDPOINT = {"rnn": "/api/v1/rnn", "lstm": "/api/v1/lstm", "gru": "/api/v1/gru"}


class Loadable(BaseModel):
    """The fields that run a stored model's layer instead of seeded weights."""

    model: str | None = Field(
        None,
        description="Content id of an uploaded model (POST /api/v1/models). With it, the view is of that model's "
        "trained layer `layer`, direction `direction`: `scale` multiplies its recurrent matrices (1 = as trained), "
        "`steps` cuts the file's own input sequence (if it carries one; else x_t ~ N(0, input_scale^2), seeded). "
        "The fields its weights fix (hidden, init, biases, cell variants) are refused beside it.",
    )
    layer: int = Field(
        0, ge=0, le=Limits().max_layers - 1, description="With `model`: the layer, 0 at the bottom of the stack."
    )
    direction: DirectionName = Field(
        "forward", description="With `model`: forward, or reverse (the reverse cell of a bidirectional layer)."
    )


def _shift_field(b: c.Bounds, what: str) -> Any:
    return Field(
        0.0,
        ge=b.lo,
        le=b.hi,
        allow_inf_nan=False,
        description=f"With `model`: added to the trained {what} of that layer (0 = as trained). "
        f"Allowed {b.lo:g}..{b.hi:g}.",
    )


def forget_shift_field() -> Any:
    return _shift_field(c.FORGET_BIAS, "forget-gate bias b_f")


def update_shift_field() -> Any:
    return _shift_field(
        c.UPDATE_BIAS,
        "update-gate bias b_z (explorer's convention h_t = (1 - z) h_{t-1} + z h~: higher means a smaller carry)",
    )


class LoadedError(ValueError):
    """A request the API answers with `status` and this 4xx detail instead of a body."""

    def __init__(self, detail: list[dict[str, Any]], status: int = 422) -> None:
        super().__init__("; ".join(str(d["message"]) for d in detail))
        self.detail = detail
        self.status = status


def _entry(field: str, message: str, kind: str, allowed: str | None = None, value: Any = None) -> dict[str, Any]:
    return {"field": field, "message": message, "type": kind, "allowed": allowed, "input": value}


def conflicts(kind: str, q: BaseModel) -> list[dict[str, Any]]:
    """The 422 entries of fields that do not go together: a seeded field fixed by the loaded model, or a loaded
    model's field without `model`."""
    sent = q.model_fields_set
    if getattr(q, "model", None) is not None:
        return [
            _entry(
                name,
                f"{name} is fixed by the loaded model's weights (model={q.model}); leave it out",  # type: ignore[attr-defined]
                "fixed_by_model",
                None,
                getattr(q, name),
            )
            for name in FIXED[kind]
            if name in sent
        ]
    alone = [name for name in (*PICK[1:], *SHIFTS.values()) if name in sent]
    return [
        _entry(
            name, f"{name} applies to a loaded model only: give model=<id> too", "needs_model", None, getattr(q, name)
        )
        for name in alone
    ]


def bad_id(model_id: str) -> LoadedError:
    message = f"model must be a model's content id, 64 characters 0-9 a-f (got {quoted(model_id)})"
    return LoadedError([_entry("model", message, "string_pattern_mismatch", ID_PATTERN, model_id)])


def not_found(model_id: str) -> LoadedError:
    message = (
        f"model: model {model_id} is not on this server: it was never uploaded here, or it was removed to make room "
        "for newer uploads. Upload the file again (POST /api/v1/models); the same file gets the same id."
    )
    return LoadedError([_entry("model", message, "not_found", None, model_id)], 404)


@dataclass(frozen=True)
class Loaded:
    """One layer and direction of a stored model, checked against a query: what the run and the cost use."""

    id: str
    model: Model
    layer: int
    direction: Direction
    kind: Kind
    n: int
    m: int
    steps: int  # T of the run
    from_file: bool  # the input sequence is the file's own (else seeded)

    def cost_query(self, q: BaseModel) -> dict[str, Any]:
        """The query the cost model reads (app/contract/cost.py): this layer's n and T."""
        return {**q.model_dump(), "hidden": self.n, "steps": self.steps}

    def identity(self) -> dict[str, Any]:
        """What the answer's config says about the loaded layer."""
        return {"model": self.id, "layer": self.layer, "direction": self.direction, "kind": self.kind,
                "n": self.n, "m": self.m, "inputs": "file" if self.from_file else "seeded"}  # fmt: skip


def locate(kind: str, q: BaseModel, model_id: str, model: Model) -> Loaded:
    """The layer and direction the query names, checked: in range, of the endpoint's kind, steps within the
    file's own sequence. LoadedError (422) names the field and what is allowed."""
    layer, direction = int(q.layer), q.direction  # type: ignore[attr-defined]
    count = len(model.layers)
    if layer >= count:
        allowed = f"0..{count - 1}"
        message = f"layer must be an integer in {allowed}: the model has {count} layer{'s' * (count > 1)} (got {layer})"
        raise LoadedError([_entry("layer", message, "out_of_range", allowed, layer)])
    lay = model.layers[layer]
    if lay.kind != kind:
        message = (
            f"model: layer {layer} of model {model_id} is {lay.kind.upper()}, not {kind.upper()}; "
            f"ask {ENDPOINT[lay.kind]} (or the figures view {lay.kind})"
        )
        raise LoadedError([_entry("model", message, "wrong_kind", ENDPOINT[lay.kind], model_id)])
    if direction not in lay.directions:
        allowed = ", ".join(lay.directions)
        message = f"direction must be one of: {allowed} (layer {layer} is not bidirectional; got {quoted(direction)})"
        raise LoadedError([_entry("direction", message, "not_in_layer", allowed, direction)])
    steps: int = q.steps  # type: ignore[attr-defined]
    if model.x is not None:
        T = int(model.x.shape[0])
        if "steps" in q.model_fields_set and steps > T:
            allowed = f"1..{T}"
            message = f"steps must be an integer in {allowed}: the model's file carries an input sequence of {T} steps (got {steps})"
            raise LoadedError([_entry("steps", message, "out_of_range", f"integer {allowed}", steps)])
        if "steps" not in q.model_fields_set:
            steps = T
    elif "steps" not in q.model_fields_set:
        steps = stack.DEFAULT_STEPS
    cell = lay.cells[lay.directions.index(direction)]
    return Loaded(model_id, model, layer, direction, lay.kind, cell.hidden, cell.inputs, steps, model.x is not None)


def run(q: BaseModel, loaded: Loaded, with_pairs: bool = True) -> Result:
    """The core run of the loaded layer with the query's knobs."""
    return stack.run_layer(
        loaded.model,
        loaded.layer,
        loaded.direction,
        steps=loaded.steps,
        seed=q.seed,  # type: ignore[attr-defined]
        input_scale=q.input_scale,  # type: ignore[attr-defined]
        scale=q.scale,  # type: ignore[attr-defined]
        forget_shift=getattr(q, "forget_shift", 0.0),
        update_shift=getattr(q, "update_shift", 0.0),
        norm=q.norm,  # type: ignore[attr-defined]
        with_pairs=with_pairs,
    )
