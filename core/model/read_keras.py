"""A Keras 3 model file (.keras, or .weights.h5 alone) as a Model.

A .keras file is a zip of config.json (the layers, in order, with their options) and model.weights.h5, where
each layer's variables sit under layers/<class in snake case, numbered _1, _2 by order>/ (a recurrent layer's in
cell/vars/0 kernel (m, G*n), 1 recurrent kernel (n, G*n), 2 bias; a Bidirectional's under forward_layer/ and
backward_layer/). Nothing from the file is run. Keras computes x @ kernel, so each matrix is transposed into the
spec's rows. A .weights.h5 alone carries no options: kinds come from the group names, the order from the sizes
chaining, activations are Keras's defaults, and the notes say so."""

from __future__ import annotations

import json
import re
from typing import Any

import numpy as np

from core.model.archive import hdf5_datasets, zip_members, zip_read
from core.model.checks import Limits, ModelError, as_float64
from core.model.keras_layers import RECURRENT, make_layer, make_model, options, read_cell, var
from core.model.keras_weights import read_weights_only
from core.model.spec import Layer, Model

IDENTITY_AT_INFERENCE = {"Dropout", "SpatialDropout1D", "GaussianNoise", "GaussianDropout", "ActivityRegularization"}
MAX_CONFIG = 8 * 2**20
HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"


def read_keras(data: bytes, limits: Limits, nonlinearity: str | None = None) -> Model:
    """The recurrent stack of a .keras archive or of a bare .weights.h5 file. `nonlinearity` is the vanilla
    RNN's activation for a bare weights file, which does not record it (default tanh)."""
    with np.errstate(invalid="ignore"):  # a signalling NaN is refused as a NaN, not reported as a cast warning
        return _read(data, limits, nonlinearity)


def _read(data: bytes, limits: Limits, nonlinearity: str | None) -> Model:
    if len(data) > limits.max_bytes:
        raise ModelError("file too large", "file", f"{len(data)} bytes", f"at most {limits.max_bytes}")
    if data.startswith(HDF5_MAGIC):
        return read_weights_only(hdf5_datasets(data, limits), limits, nonlinearity)
    members = zip_members(data, limits)
    for name in ("config.json", "model.weights.h5"):
        if name not in members:
            raise ModelError("not a Keras 3 archive", f"member {name!r}", "missing", "config.json and model.weights.h5")
    text = zip_read(data, members["config.json"], MAX_CONFIG)
    try:
        config = json.loads(text)
    except (ValueError, RecursionError) as e:
        raise ModelError(f"config.json is not valid JSON ({type(e).__name__})", "config.json") from e
    weights = hdf5_datasets(zip_read(data, members["model.weights.h5"], limits.max_bytes), limits)
    return _with_config(config, weights, limits)


def _dict(value: Any, key: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ModelError("malformed config.json", key, type(value).__name__, "an object")
    return value


def _with_config(config: Any, weights: dict[str, np.ndarray], limits: Limits) -> Model:
    top = _dict(config, "config.json")
    kind = top.get("class_name")
    if kind not in ("Sequential", "Functional", "Model"):
        raise ModelError(
            "only Sequential and Functional models are read", "config.json class_name", kind, "Sequential or Functional"
        )
    specs = _dict(top.get("config"), "config.json config").get("layers")
    if not isinstance(specs, list):
        raise ModelError("malformed config.json", "config.json config.layers", type(specs).__name__, "a list")
    used: dict[str, int] = {}
    layers: list[Layer] = []
    notes: list[str] = []
    embedding = None
    previous = None
    for position, spec in enumerate(specs):
        spec = _dict(spec, f"config.json layer {position}")
        cls, cfg = spec.get("class_name"), _dict(spec.get("config", {}), f"config.json layer {position} config")
        if not isinstance(cls, str):
            raise ModelError(
                "malformed config.json", f"config.json layer {position} class_name", type(cls).__name__, "a name"
            )
        label = f"layer {cfg.get('name', position)!r} ({cls})"
        if kind != "Sequential" and previous is not None:
            _check_chain(spec, previous, label)
        previous = cfg.get("name")
        if cls == "InputLayer":
            continue
        group = _group(str(cls), used)
        if cls in RECURRENT or cls == "Bidirectional":
            ignored = [n for n in notes if n.startswith("ignored")]
            if ignored:
                raise ModelError(
                    "a recurrent layer after a layer that changes the numbers",
                    label,
                    ignored[0].split(":")[0].removeprefix("ignored "),
                    "recurrent layers first",
                )
            layers.append(_configured_layer(str(cls), cfg, weights, f"layers/{group}", label))
        elif cls == "Embedding" and not layers and embedding is None:
            if cfg.get("mask_zero"):
                raise ModelError(
                    "masking skips time steps, which the explorer does not", f"{label} mask_zero", True, False
                )
            embedding = as_float64(f"layers/{group}/vars/0", var(weights, f"layers/{group}/vars/0", label))
        elif cls in IDENTITY_AT_INFERENCE:
            notes.append(f"{label}: no effect at inference, skipped")
        elif layers:
            notes.append(f"ignored {label}: after the recurrent layers, not part of the explorer's view")
        else:
            raise ModelError(
                "a layer before the recurrent layers that changes the numbers",
                label,
                cls,
                "Embedding or a recurrent layer",
            )
    return make_model(layers, embedding, notes, limits)


def _check_chain(spec: dict[str, Any], previous: Any, label: str) -> None:
    """In a Functional model, each layer must read the layer listed before it and nothing else."""
    nodes = spec.get("inbound_nodes")
    ok = isinstance(nodes, list) and len(nodes) == 1 and isinstance(nodes[0], dict)
    args = nodes[0].get("args") if ok else None  # type: ignore[index]
    sources = []
    if isinstance(args, list):
        for a in args:
            inner = a.get("config") if isinstance(a, dict) else None
            history = inner.get("keras_history") if isinstance(inner, dict) else None
            sources.append(history[0] if isinstance(history, list) and history else None)
    if sources != [previous]:
        raise ModelError("only a chain of layers is read", f"{label} inbound_nodes", sources, [previous])


def _group(cls: str, used: dict[str, int]) -> str:
    """The weights group Keras gives the next layer of a class: snake case, numbered from the second on."""
    base = re.sub(r"\W+", "", cls)  # keras.src.utils.naming.to_snake_case
    base = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", base)
    base = re.sub("([a-z])([A-Z])", r"\1_\2", base).lower()
    count = used.get(base, 0)
    used[base] = count + 1
    return base if count == 0 else f"{base}_{count}"


def _configured_layer(cls: str, cfg: dict[str, Any], weights: dict[str, np.ndarray], group: str, label: str) -> Layer:
    if cls != "Bidirectional":
        if cfg.get("go_backwards"):
            raise ModelError(
                "a layer that only reads time backwards has no form in the explorer; wrap it in Bidirectional",
                f"{label} go_backwards",
                True,
                False,
            )
        kind, activation = options(cls, cfg, label)
        return make_layer(kind, activation, [read_cell(kind, weights, f"{group}/cell/vars", label, cfg)], label)
    if cfg.get("merge_mode", "concat") != "concat":
        raise ModelError(
            "only concatenated directions are read", f"{label} merge_mode", cfg.get("merge_mode"), "concat"
        )
    inner = _dict(cfg.get("layer"), f"{label} layer")
    back = _dict(cfg.get("backward_layer"), f"{label} backward_layer") if "backward_layer" in cfg else None
    if back is None:  # Keras builds the backward layer as the forward one reading backwards
        forward_config = _dict(inner.get("config"), label)
        back = {**inner, "config": {**forward_config, "go_backwards": not forward_config.get("go_backwards")}}
    forward_cls, backward_cls = str(inner.get("class_name")), str(back.get("class_name"))
    if forward_cls != backward_cls or forward_cls not in RECURRENT:
        raise ModelError(
            "Bidirectional must wrap one recurrent kind", label, [forward_cls, backward_cls], "SimpleRNN, LSTM or GRU"
        )
    fcfg, bcfg = _dict(inner.get("config"), label), _dict(back.get("config"), label)
    if fcfg.get("go_backwards") or not bcfg.get("go_backwards"):
        raise ModelError(
            "the forward layer must read forwards and the backward layer backwards",
            f"{label} go_backwards",
            [fcfg.get("go_backwards"), bcfg.get("go_backwards")],
            [False, True],
        )
    kind, activation = options(str(forward_cls), fcfg, label)
    if options(str(forward_cls), bcfg, label) != (kind, activation) or fcfg.get("reset_after") != bcfg.get(
        "reset_after"
    ):
        raise ModelError("the two directions differ in their options", label, "different", "the same")
    cells = [
        read_cell(kind, weights, f"{group}/{side}/cell/vars", label, c)
        for side, c in (("forward_layer", fcfg), ("backward_layer", bcfg))
    ]
    return make_layer(kind, activation, cells, label)
