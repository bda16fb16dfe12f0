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
from core.model.gate_order import KERAS_ORDER, make_cell
from core.model.spec import GATE_COUNT, RNN_ACTIVATIONS, Cell, Layer, Model

RECURRENT = {"SimpleRNN": "rnn", "LSTM": "lstm", "GRU": "gru"}
GROUPS = {"simple_rnn": "rnn", "lstm": "lstm", "gru": "gru"}
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
        return _weights_only(hdf5_datasets(data, limits), limits, nonlinearity)
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
            embedding = as_float64(f"layers/{group}/vars/0", _var(weights, f"layers/{group}/vars/0", label))
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
    return _model(layers, embedding, notes, limits)


def _flag(cfg: dict[str, Any], key: str, default: bool, label: str) -> bool:
    """A true/false option, refused if the config holds anything else."""
    value = cfg.get(key, default)
    if not isinstance(value, bool):
        raise ModelError("malformed config.json", f"{label} {key}", repr(value)[:40], "true or false")
    return value


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


def _var(weights: dict[str, np.ndarray], path: str, label: str) -> np.ndarray:
    if path not in weights:
        raise ModelError("weights missing from model.weights.h5", label, f"no dataset {path!r}", path)
    return weights[path]


def _configured_layer(cls: str, cfg: dict[str, Any], weights: dict[str, np.ndarray], group: str, label: str) -> Layer:
    if cls != "Bidirectional":
        if cfg.get("go_backwards"):
            raise ModelError(
                "a layer that only reads time backwards has no form in the explorer; wrap it in Bidirectional",
                f"{label} go_backwards",
                True,
                False,
            )
        kind, activation = _options(cls, cfg, label)
        return _layer(kind, activation, [_cell(kind, weights, f"{group}/cell/vars", label, cfg)], label)
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
    kind, activation = _options(str(forward_cls), fcfg, label)
    if _options(str(forward_cls), bcfg, label) != (kind, activation) or fcfg.get("reset_after") != bcfg.get(
        "reset_after"
    ):
        raise ModelError("the two directions differ in their options", label, "different", "the same")
    cells = [
        _cell(kind, weights, f"{group}/{side}/cell/vars", label, c)
        for side, c in (("forward_layer", fcfg), ("backward_layer", bcfg))
    ]
    return _layer(kind, activation, cells, label)


def _options(cls: str, cfg: dict[str, Any], label: str) -> tuple[str, str]:
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


def _cell(
    kind: str, weights: dict[str, np.ndarray], vars_path: str, label: str, cfg: dict[str, Any] | None
) -> tuple[Cell, bool]:
    """One cell from kernel (m, G*n), recurrent kernel (n, G*n) and bias: (G*n,), or (2, G*n) for a GRU with
    reset_after (input bias row, then recurrent); and whether a GRU resets after its recurrent product (from
    the config, checked against the bias's shape; from the bias's shape alone without a config)."""
    gates = GATE_COUNT[kind]
    kernel = _var(weights, f"{vars_path}/0", label)
    recurrent = _var(weights, f"{vars_path}/1", label)
    n = recurrent.shape[0] if recurrent.ndim == 2 else 0
    m = kernel.shape[0] if kernel.ndim == 2 else 0
    if cfg is not None and cfg.get("units", n) != n:
        raise ModelError("units in config.json differ from the weights", f"{label} units", cfg.get("units"), n)
    kernel = as_float64(f"{vars_path}/0", kernel, (m, gates * n))
    recurrent = as_float64(f"{vars_path}/1", recurrent, (n, gates * n))
    bias = weights.get(f"{vars_path}/2")
    use_bias = True if cfg is None else _flag(cfg, "use_bias", True, label)
    bx = bh = np.zeros(gates * n)
    reset_after = True if cfg is None or kind != "gru" else _flag(cfg, "reset_after", True, label)
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


def _layer(kind: str, activation: str, read: list[tuple[Cell, bool]], label: str) -> Layer:
    cells = [c for c, _ in read]
    if len({c.hidden for c in cells}) != 1 or len({c.inputs for c in cells}) != 1:
        raise ModelError("the two directions differ in size", label, [(c.hidden, c.inputs) for c in cells], "the same")
    if len({r for _, r in read}) != 1:
        raise ModelError("the two directions differ in reset_after", label, [r for _, r in read], "the same")
    reset_after = read[0][1]
    return Layer(kind=kind, cells=tuple(cells), activation=activation, reset_after=reset_after)  # type: ignore[arg-type]


def _model(layers: list[Layer], embedding: np.ndarray | None, notes: list[str], limits: Limits) -> Model:
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


def _weights_only(weights: dict[str, np.ndarray], limits: Limits, nonlinearity: str | None) -> Model:
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
            layer = _layer(kind, activation, [_cell(kind, weights, f"layers/{g}/cell/vars", label, None)], label)
        elif base == "bidirectional":
            sides = [f"layers/{g}/{side}/cell/vars" for side in ("forward_layer", "backward_layer")]
            kernel, recurrent = _var(weights, f"{sides[0]}/0", label), _var(weights, f"{sides[0]}/1", label)
            gates = {1: "rnn", 4: "lstm", 3: "gru"}.get(
                kernel.shape[-1] // max(recurrent.shape[0], 1) if recurrent.ndim == 2 else 0
            )
            if gates is None:
                raise ModelError(
                    "cannot tell the recurrent kind from the shapes", label, kernel.shape, "(m, G*n), G = 1, 3 or 4"
                )
            kind = base = gates
            layer = _layer(kind, activation, [_cell(kind, weights, s, label, None) for s in sides], label)
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
            f"layers/{embeddings[0]}/vars/0", _var(weights, f"layers/{embeddings[0]}/vars/0", "embedding")
        )
        notes.append("the embedding is assumed to feed the first recurrent layer")
    if others:
        notes.append(f"groups not read, assumed after the recurrent layers: {', '.join(others)}")
    return _model(layers, embedding, notes, limits)


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
