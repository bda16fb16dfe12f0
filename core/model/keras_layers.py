"""The pieces both Keras readers share: one recurrent cell from its variables, a layer from its cells, the
stack checked, and the options Keras records for a layer (activations, flags).

Keras stores a recurrent cell's variables as 0 kernel (m, G*n), 1 recurrent kernel (n, G*n), 2 bias: (G*n,), or
(2, G*n) for a GRU with reset_after (input bias row, then recurrent). Keras computes x @ kernel, so each matrix
is transposed into the spec's rows."""

from __future__ import annotations

from typing import Any

import numpy as np

from core.model.checks import Limits, ModelError, as_float64
from core.model.gate_order import KERAS_ORDER, make_cell
from core.model.spec import GATE_COUNT, RNN_ACTIVATIONS, Cell, Layer, Model

RECURRENT = {"SimpleRNN": "rnn", "LSTM": "lstm", "GRU": "gru"}


def flag(cfg: dict[str, Any], key: str, default: bool, label: str) -> bool:
    """A true/false option, refused if the config holds anything else."""
    value = cfg.get(key, default)
    if not isinstance(value, bool):
        raise ModelError("malformed config.json", f"{label} {key}", repr(value)[:40], "true or false")
    return value


def var(weights: dict[str, np.ndarray], path: str, label: str) -> np.ndarray:
    """The dataset at `path`, refused by name when the file lacks it."""
    if path not in weights:
        raise ModelError("weights missing from model.weights.h5", label, f"no dataset {path!r}", path)
    return weights[path]


def options(cls: str, cfg: dict[str, Any], label: str) -> tuple[str, str]:
    """The spec's kind and activation; anything but Keras's default activations is refused."""
    kind = RECURRENT[cls]
    activation = cfg.get("activation", "tanh")
    if kind == "rnn":
        if activation not in RNN_ACTIVATIONS:
            raise ModelError(
                "activation not read exactly", f"{label} activation", activation, " or ".join(RNN_ACTIVATIONS)
            )
        return kind, str(activation)
    recurrent = cfg.get("recurrent_activation", "sigmoid")
    if (activation, recurrent) != ("tanh", "sigmoid"):
        raise ModelError(
            "only the default activations are read exactly",
            f"{label} activation, recurrent_activation",
            [activation, recurrent],
            ["tanh", "sigmoid"],
        )
    return kind, "tanh"


def read_cell(
    kind: str, weights: dict[str, np.ndarray], vars_path: str, label: str, cfg: dict[str, Any] | None
) -> tuple[Cell, bool]:
    """One cell from kernel (m, G*n), recurrent kernel (n, G*n) and bias: (G*n,), or (2, G*n) for a GRU with
    reset_after (input bias row, then recurrent); and whether a GRU resets after its recurrent product (from
    the config, checked against the bias's shape; from the bias's shape alone without a config)."""
    gates = GATE_COUNT[kind]
    kernel = var(weights, f"{vars_path}/0", label)
    recurrent = var(weights, f"{vars_path}/1", label)
    n = recurrent.shape[0] if recurrent.ndim == 2 else 0
    m = kernel.shape[0] if kernel.ndim == 2 else 0
    if cfg is not None and cfg.get("units", n) != n:
        raise ModelError("units in config.json differ from the weights", f"{label} units", cfg.get("units"), n)
    kernel = as_float64(f"{vars_path}/0", kernel, (m, gates * n))
    recurrent = as_float64(f"{vars_path}/1", recurrent, (n, gates * n))
    bias = weights.get(f"{vars_path}/2")
    use_bias = True if cfg is None else flag(cfg, "use_bias", True, label)
    bx = bh = np.zeros(gates * n)
    reset_after = True if cfg is None or kind != "gru" else flag(cfg, "reset_after", True, label)
    if (bias is not None) != use_bias:
        raise ModelError(
            "bias does not match use_bias", f"{vars_path}/2", "present" if bias is not None else "absent", use_bias
        )
    if bias is not None:
        if kind == "gru" and cfg is None:
            reset_after = bias.ndim == 2
        if kind == "gru" and (bias.ndim == 2) != reset_after:
            raise ModelError(
                "GRU bias shape does not match reset_after",
                f"{vars_path}/2",
                bias.shape,
                "(2, 3n) if reset_after else (3n,)",
            )
        if kind == "gru" and reset_after:
            both = as_float64(f"{vars_path}/2", bias, (2, gates * n))
            bx, bh = both[0], both[1]
        else:
            bx = as_float64(f"{vars_path}/2", bias, (gates * n,))
    return make_cell(kind, KERAS_ORDER[kind], kernel.T, recurrent.T, bx, bh), reset_after


def make_layer(kind: str, activation: str, read: list[tuple[Cell, bool]], label: str) -> Layer:
    """A layer of one or two cells (forward, backward), which must agree in size and in where a GRU resets."""
    cells = [c for c, _ in read]
    if len({c.hidden for c in cells}) != 1 or len({c.inputs for c in cells}) != 1:
        raise ModelError("the two directions differ in size", label, [(c.hidden, c.inputs) for c in cells], "the same")
    if len({r for _, r in read}) != 1:
        raise ModelError("the two directions differ in reset_after", label, [r for _, r in read], "the same")
    reset_after = read[0][1]
    return Layer(kind=kind, cells=tuple(cells), activation=activation, reset_after=reset_after)  # type: ignore[arg-type]


def make_model(layers: list[Layer], embedding: np.ndarray | None, notes: list[str], limits: Limits) -> Model:
    """The stack, checked against the limits, each layer's input width against the previous layer's output."""
    if not layers:
        raise ModelError(
            "no recurrent layer in the model", "config.json layers", "none", "SimpleRNN, LSTM, GRU or Bidirectional"
        )
    if len(layers) > limits.max_layers:
        raise ModelError("too many layers", "config.json layers", len(layers), f"at most {limits.max_layers}")
    for index, layer in enumerate(layers):
        if layer.cells[0].hidden > limits.max_hidden:
            raise ModelError(
                "hidden size out of range",
                f"recurrent layer {index}",
                layer.cells[0].hidden,
                f"at most {limits.max_hidden}",
            )
        if index and layer.cells[0].inputs != layers[index - 1].outputs:
            raise ModelError(
                "layer sizes do not chain",
                f"recurrent layer {index} kernel",
                layer.cells[0].inputs,
                layers[index - 1].outputs,
            )
    if embedding is not None and embedding.shape[1] != layers[0].cells[0].inputs:
        raise ModelError(
            "embedding width does not match the first layer", "embedding", embedding.shape[1], layers[0].cells[0].inputs
        )
    return Model(layers=tuple(layers), source="keras", embedding=embedding, notes=tuple(notes))
