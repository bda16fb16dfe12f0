"""A bare Keras .weights.h5 (no config.json) as a Model: the kinds come from the group names under layers/,
the order from the sizes chaining (Keras numbers the layers of one class in order: lstm, lstm_1, ...), the
activations are Keras's defaults (a vanilla RNN's is given by the caller), and the notes say so."""

from __future__ import annotations

import re

import numpy as np

from core.model.checks import Limits, ModelError, as_float64
from core.model.keras_layers import make_layer, make_model, read_cell, var
from core.model.spec import RNN_ACTIVATIONS, Layer, Model

GROUPS = {"simple_rnn": "rnn", "lstm": "lstm", "gru": "gru"}


def read_weights_only(weights: dict[str, np.ndarray], limits: Limits, nonlinearity: str | None) -> Model:
    """A bare .weights.h5: the recurrent groups under layers/, in the one order in which their sizes chain
    (Keras numbers the layers of one class in order, which the search keeps)."""
    activation = nonlinearity or "tanh"
    if activation not in RNN_ACTIVATIONS:
        raise ModelError("unknown nonlinearity", "nonlinearity", activation, " or ".join(RNN_ACTIVATIONS))
    groups = sorted({p.split("/")[1] for p in weights if p.startswith("layers/") and p.count("/") >= 2})
    if not groups and any(p.startswith("model_weights/") for p in weights):
        raise ModelError(
            'a legacy Keras 2 HDF5 file; save the model with Keras 3: model.save("model.keras")',
            "model_weights",
            "Keras 2 layout",
            "a Keras 3 .keras or .weights.h5 file",
        )
    found: dict[str, list[tuple[int, Layer]]] = {}
    embeddings, others = [], []
    for g in groups:
        match = re.fullmatch(r"([a-z_]+?)(?:_(\d+))?", g)
        base, number = (match.group(1), int(match.group(2) or 0)) if match else (g, 0)
        label = f"group layers/{g}"
        if base in GROUPS:
            kind = GROUPS[base]
            layer = make_layer(
                kind, activation, [read_cell(kind, weights, f"layers/{g}/cell/vars", label, None)], label
            )
        elif base == "bidirectional":
            sides = [f"layers/{g}/{side}/cell/vars" for side in ("forward_layer", "backward_layer")]
            kernel, recurrent = var(weights, f"{sides[0]}/0", label), var(weights, f"{sides[0]}/1", label)
            gates = {1: "rnn", 4: "lstm", 3: "gru"}.get(
                kernel.shape[-1] // max(recurrent.shape[0], 1) if recurrent.ndim == 2 else 0
            )
            if gates is None:
                raise ModelError(
                    "cannot tell the recurrent kind from the shapes", label, kernel.shape, "(m, G*n), G = 1, 3 or 4"
                )
            kind = base = gates
            layer = make_layer(kind, activation, [read_cell(kind, weights, s, label, None) for s in sides], label)
        elif base == "embedding":
            embeddings.append(g)
            continue
        else:
            others.append(g)
            continue
        found.setdefault(base, []).append((number, layer))
    sequences = [[layer for _, layer in sorted(items, key=lambda item: item[0])] for items in found.values()]
    orders = _chains(sequences, sum(len(s) for s in sequences))
    if len(orders) != 1:
        raise ModelError(
            "the order of the layers cannot be told from a weights file alone; upload the .keras file",
            "layers",
            f"{len(orders)} orders in which the sizes chain",
            "exactly one",
        )
    layers = orders[0]
    notes = [
        "a weights file alone: layer kinds from the group names, order from the sizes, Keras's default activations"
        + (f" (vanilla RNN: {activation})" if any(layer.kind == "rnn" for layer in layers) else "")
    ]
    embedding = None
    if len(embeddings) == 1:
        embedding = as_float64(
            f"layers/{embeddings[0]}/vars/0", var(weights, f"layers/{embeddings[0]}/vars/0", "embedding")
        )
        notes.append("the embedding is assumed to feed the first recurrent layer")
    if others:
        notes.append(f"groups not read, assumed after the recurrent layers: {', '.join(others)}")
    return make_model(layers, embedding, notes, limits)


def _chains(sequences: list[list[Layer]], total: int) -> list[list[Layer]]:
    """Every interleaving of the per-class sequences in which each layer's input width is the previous layer's
    output width (at most two are looked for: one is the answer, two are ambiguous)."""
    out: list[list[Layer]] = []
    steps = [0]

    def extend(taken: list[int], chain: list[Layer]) -> None:
        steps[0] += 1
        if len(out) > 1 or steps[0] > 100_000:
            return
        if len(chain) == total:
            out.append(list(chain))
            return
        for i, seq in enumerate(sequences):
            if taken[i] < len(seq):
                layer = seq[taken[i]]
                if chain and layer.cells[0].inputs != chain[-1].outputs:
                    continue
                taken[i] += 1
                extend(taken, [*chain, layer])
                taken[i] -= 1

    extend([0] * len(sequences), [])
    if steps[0] > 100_000:
        raise ModelError("too many ways to order the layers", "layers", "more than 100000", "a model's stack")
    return out
