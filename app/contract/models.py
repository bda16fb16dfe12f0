"""What the API says about an uploaded model: its content id, its layers, and the trained numbers of each layer's
directions (core.model.stack.summary), in the explorer's gate order and convention."""

from __future__ import annotations

import math
from typing import Any

from pydantic import BaseModel, Field

from app.contract.errors import FieldError
from core.model.checks import ModelError
from core.model.spec import Model
from core.model.stack import CellSummary, summary

ID_PATTERN = "^[0-9a-f]{64}$"
NONLINEARITIES = ("tanh", "relu")


class CellInfo(BaseModel):
    """One direction of one layer: its recurrent matrices' sizes and its biases, per gate."""

    direction: str = Field(description="forward, or reverse (the reverse cell of a bidirectional layer).")
    gates: list[str] = Field(
        description="Gate names in the explorer's order: RNN h; LSTM f, i, c, o; GRU z, r, h (z is the explorer's "
        "update gate, 1 - the framework's)."
    )
    spectral_radius: dict[str, float] = Field(description="rho(Wh[g]), the largest |eigenvalue|, per gate.")
    sigma_max: dict[str, float] = Field(description="||Wh[g]||_2, the largest singular value, per gate.")
    recurrent_sigma_max: float = Field(description="||[Wh[0]; ...; Wh[G-1]]||_2 of the stacked recurrent matrix.")
    bias_mean: dict[str, float] = Field(description="Mean of the effective bias bx[g] + bh[g], per gate.")
    forget_at_bias: float | None = Field(
        description="LSTM: mean sigmoid(b_f); GRU: mean carry sigmoid(-b_z); null for a vanilla RNN."
    )


class LayerInfo(BaseModel):
    """One recurrent layer of the stack, bottom first."""

    layer: int = Field(description="Index in the stack, 0 at the bottom.")
    kind: str = Field(description="rnn, lstm or gru.")
    n: int = Field(description="Hidden units of each direction.")
    m: int = Field(description="Inputs the layer reads (the layer below's output width).")
    directions: list[str] = Field(description="[forward] or [forward, reverse].")
    activation: str | None = Field(description="A vanilla RNN's nonlinearity (tanh or relu); null for LSTM and GRU.")
    reset_after: bool | None = Field(
        description="GRU: true where the reset gate multiplies (Wh h + b) (PyTorch, Keras's default), false where "
        "it multiplies h (Cho et al. 2014); null otherwise."
    )
    cells: list[CellInfo] = Field(description="One entry per direction, forward first.")


class ModelInfo(BaseModel):
    """An uploaded model as the server holds it."""

    id: str = Field(
        description="Content id: sha256 of the canonical weights (core/model/identity.py); the same numbers "
        "give the same id whatever file format carried them.",
        pattern=ID_PATTERN,
    )
    source: str = Field(description="The format of the file first stored under this id: safetensors, onnx, keras.")
    inputs: int = Field(description="m, the width of the model's input sequence.")
    steps: int | None = Field(
        description="T of the input sequence the stored file carries; null if it carries none. A later upload of "
        "the same weights in another file answers what was stored first (the id names the weights alone)."
    )
    has_embedding: bool = Field(description="Whether the file carries an embedding looked up by characters.")
    vocabulary: str | None = Field(description="The characters of the embedding's rows, in order; null if none.")
    notes: list[str] = Field(description="What the reader mapped to read the file (e.g. biases summed).")
    layers: list[LayerInfo]


def _finite(v: float | None) -> float | None:
    return v if v is None or math.isfinite(v) else None


def _cell(s: CellSummary) -> CellInfo:
    return CellInfo(
        direction=s.direction,
        gates=list(s.gates),
        spectral_radius=dict(s.spectral_radius),
        sigma_max=dict(s.sigma_max),
        recurrent_sigma_max=s.recurrent_sigma_max,
        bias_mean=dict(s.bias_mean),
        forget_at_bias=_finite(s.forget_at_bias),
    )


def model_info(model_id: str, model: Model) -> ModelInfo:
    """The API's description of a model stored under `model_id`."""
    cells = summary(model)
    layers = []
    for i, layer in enumerate(model.layers):
        mine = [c for c in cells if c.layer == i]
        layers.append(
            LayerInfo(
                layer=i,
                kind=layer.kind,
                n=layer.cells[0].hidden,
                m=layer.cells[0].inputs,
                directions=list(layer.directions),
                activation=layer.activation if layer.kind == "rnn" else None,
                reset_after=layer.reset_after if layer.kind == "gru" else None,
                cells=[_cell(c) for c in mine],
            )
        )
    return ModelInfo(
        id=model_id,
        source=model.source,
        inputs=model.inputs,
        steps=None if model.x is None else int(model.x.shape[0]),
        has_embedding=model.embedding is not None,
        vocabulary=model.vocabulary,
        notes=list(model.notes),
        layers=layers,
    )


class ModelFieldError(FieldError):
    """A refusal of an uploaded file: the reader's message, and the key of the file at fault with what was found
    there and what was expected (null where the reader had none to name)."""

    key: str | None = Field(None, description="The array, node, layer or archive member at fault.")
    found: Any = Field(None, description="What the file holds there.")
    expected: Any = Field(None, description="What the reader expected there.")


class ModelErrorBody(BaseModel):
    """The body of an upload's 4xx answer."""

    detail: list[ModelFieldError]


def plain(v: object) -> object:
    """A value of a refusal as JSON: numbers and text as they are, anything else as the message writes it."""
    return v if v is None or isinstance(v, str | int | float | bool) else str(v)


def refusal(e: ModelError) -> dict[str, Any]:
    """The 422 entry of a file the reader refused."""
    return {
        "field": "file",
        "message": f"file: {e}",
        "type": "model",
        "key": e.key,
        "found": plain(e.found),
        "expected": plain(e.expected),
    }
