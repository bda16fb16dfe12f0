"""An ONNX file's fused recurrent nodes (RNN, LSTM, GRU) as a Model.

The graph is parsed with the `onnx` package and never run. Only the fused nodes are read, in graph order, each
a layer; their weights come from initializers or Constant nodes. What the explorer cannot reproduce exactly is
refused: clipping, coupled input and forget gates, activations other than the defaults, non-zero initial
states or sequence lengths, weights computed at run time, tensors stored outside the file."""

from __future__ import annotations

import numpy as np
import onnx

from core.model.checks import Limits, ModelError, as_float64
from core.model.gate_order import ONNX_ORDER, ONNX_PEEP_ORDER, make_cell
from core.model.onnx_graph import Graph, refuse_external
from core.model.spec import GATE_COUNT, Cell, Layer, Model

KINDS = {"RNN": "rnn", "LSTM": "lstm", "GRU": "gru"}
# The activations each node applies by default, per direction (ONNX's f, g, h).
DEFAULT_ACTIVATIONS = {"rnn": ("Tanh",), "lstm": ("Sigmoid", "Tanh", "Tanh"), "gru": ("Sigmoid", "Tanh")}
DIRECTIONS = {"forward": 1, "bidirectional": 2, "reverse": 1}
KNOWN_ATTRIBUTES = {
    "activation_alpha",
    "activation_beta",
    "activations",
    "clip",
    "direction",
    "hidden_size",
    "input_forget",
    "layout",
    "linear_before_reset",
}


def read_onnx(data: bytes, limits: Limits) -> Model:
    """The recurrent stack an ONNX file holds, in the explorer's canonical form."""
    with np.errstate(invalid="ignore"):  # a signalling NaN is refused as a NaN, not reported as a cast warning
        return _read(data, limits)


def _read(data: bytes, limits: Limits) -> Model:
    if len(data) > limits.max_bytes:
        raise ModelError("file too large", "file", f"{len(data)} bytes", f"at most {limits.max_bytes}")
    try:
        model = onnx.load_model_from_string(data)
    except Exception as e:  # protobuf reports a malformed message in several ways
        raise ModelError(f"not a readable ONNX model ({type(e).__name__})", "file") from e
    refuse_external(model, limits)
    graph = Graph(model.graph, limits)
    nodes = [n for n in model.graph.node if n.op_type in KINDS and n.domain in ("", "ai.onnx")]
    if not nodes:
        ops = sorted({str(n.op_type) for n in model.graph.node})[:12]
        raise ModelError("no recurrent node in the graph", "graph", ops or "no nodes", "an RNN, LSTM or GRU node")
    if len(nodes) > limits.max_layers:
        raise ModelError("too many layers", "graph", len(nodes), f"at most {limits.max_layers}")
    layers: list[Layer] = []
    notes: list[str] = []
    numbers = 0
    labels_prev: list[str] = []
    for index, node in enumerate(nodes):
        layer, labels = _layer(node, graph, limits, notes)
        numbers += sum(a.size for c in layer.cells for a in (c.Wh, c.Wx, c.bx, c.bh))
        if numbers > limits.max_numbers:
            raise ModelError("model too large", "graph", f"{numbers} numbers", f"at most {limits.max_numbers}")
        if layers:
            key = f"node {node.name or node.op_type!r} input X"
            if layer.cells[0].inputs != layers[-1].outputs:
                raise ModelError("layer sizes do not chain", key, layer.cells[0].inputs, layers[-1].outputs)
            graph.path_to(node.input[0], nodes[index - 1], labels_prev, key)
        layers.append(layer)
        labels_prev = labels
    embedding = None
    found = graph.embedding(nodes[0].input[0], limits) if nodes[0].input else None
    if found is not None:
        embedding = as_float64(f"node {found[0]!r} input data", found[1])
        if embedding.shape[1] != layers[0].cells[0].inputs:
            embedding = None  # a lookup of another width is not the first layer's input row by row
        else:
            notes.append(f"the first layer reads rows of the table looked up by node {found[0]!r} (an embedding)")
    others = sorted({str(n.op_type) for n in model.graph.node} - set(KINDS) - {"Constant"})
    notes.append(
        f"read {len(layers)} recurrent node(s) of {len(model.graph.node)}; other operations not shown: {', '.join(others) or 'none'}"
    )
    return Model(layers=tuple(layers), source="onnx", embedding=embedding, notes=tuple(notes))


def _attributes(node: onnx.NodeProto) -> dict[str, object]:
    try:
        out = {_text(a.name): onnx.helper.get_attribute_value(a) for a in node.attribute}
    except (ValueError, TypeError) as e:
        raise ModelError(f"unreadable attribute ({e})", _key(node)) from e
    unknown = sorted(set(out) - KNOWN_ATTRIBUTES)
    if unknown:
        raise ModelError("unknown attribute", _key(node), unknown, ", ".join(sorted(KNOWN_ATTRIBUTES)))
    return out


def _key(node: onnx.NodeProto, what: str = "") -> str:
    return f"node {node.name or node.op_type!r}" + (f" {what}" if what else "")


def _text(value: object) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _int(node: onnx.NodeProto, attrs: dict[str, object], name: str, default: int) -> int:
    """An integer attribute, refused if the file stores another type."""
    value = attrs.get(name, default)
    if not isinstance(value, int):
        raise ModelError("attribute of the wrong type", _key(node, name), type(value).__name__, "an integer")
    return value


def _layer(node: onnx.NodeProto, graph: Graph, limits: Limits, notes: list[str]) -> tuple[Layer, list[str]]:
    """One fused node as a layer, and the axes of its output Y (for the check of the next layer's input)."""
    kind = KINDS[node.op_type]
    gates = GATE_COUNT[kind]
    attrs = _attributes(node)
    direction = _text(attrs.get("direction", "forward"))
    if direction not in DIRECTIONS:
        raise ModelError("unknown direction", _key(node, "direction"), direction, "forward, reverse or bidirectional")
    if direction == "reverse":
        raise ModelError(
            "a layer that only reads time backwards has no form in the explorer (a layer has a forward cell, "
            "then optionally a reverse one); export it bidirectional or forward on the reversed sequence",
            _key(node, "direction"),
            "reverse",
            "forward or bidirectional",
        )
    dirs = DIRECTIONS[direction]
    if "clip" in attrs:
        raise ModelError("cell clipping changes the numbers", _key(node, "clip"), attrs["clip"], "no clip")
    if _int(node, attrs, "input_forget", 0):
        raise ModelError("coupled input and forget gates", _key(node, "input_forget"), 1, 0)
    for name in ("activation_alpha", "activation_beta"):
        if name in attrs:
            raise ModelError("activation parameters are not read", _key(node, name), attrs[name], "absent")
    activation = _activation(node, kind, dirs, attrs.get("activations"))
    layout = _int(node, attrs, "layout", 0)
    if layout not in (0, 1):
        raise ModelError("unknown layout", _key(node, "layout"), layout, "0 or 1")
    n = _int(node, attrs, "hidden_size", 0)
    if not 1 <= n <= limits.max_hidden:
        raise ModelError("hidden size out of range", _key(node, "hidden_size"), n, f"1 to {limits.max_hidden}")
    inputs = list(node.input) + [""] * (8 - len(node.input))
    if inputs[4]:
        raise ModelError(
            "sequence lengths are not read (every sequence runs its full length)",
            _key(node, f"input sequence_lens ({inputs[4]!r})"),
            "present",
            "absent",
        )
    for position, label in ((5, "initial_h"), (6, "initial_c")):
        if inputs[position] and not graph.is_zero(inputs[position]):
            raise ModelError(
                "only absent or all-zero initial states are read (h_0 = c_0 = 0)",
                _key(node, f"input {label} ({inputs[position]!r})"),
                "a non-zero or computed value",
                "absent or a stored all-zero tensor",
            )
    W = graph.weight(_key(node, f"input W ({inputs[1]!r})"), inputs[1])
    m = int(W.shape[2]) if W.ndim == 3 else 0
    W = as_float64(_key(node, f"input W ({inputs[1]!r})"), W, (dirs, gates * n, m))
    R = as_float64(
        _key(node, f"input R ({inputs[2]!r})"), graph.weight(_key(node, "input R"), inputs[2]), (dirs, gates * n, n)
    )
    if inputs[3]:
        B = as_float64(
            _key(node, f"input B ({inputs[3]!r})"),
            graph.weight(_key(node, "input B"), inputs[3]),
            (dirs, 2 * gates * n),
        )
    else:
        B = np.zeros((dirs, 2 * gates * n))
    P = None
    if kind == "lstm" and inputs[7]:
        P = as_float64(
            _key(node, f"input P ({inputs[7]!r})"), graph.weight(_key(node, "input P"), inputs[7]), (dirs, 3 * n)
        )
    cells: list[Cell] = []
    for d in range(dirs):
        peep = None
        if P is not None:
            peep = np.ascontiguousarray(P[d].reshape(3, n)[list(ONNX_PEEP_ORDER)])
        cells.append(make_cell(kind, ONNX_ORDER[kind], W[d], R[d], B[d, : gates * n], B[d, gates * n :], peep))
    reset_after = True
    if kind == "gru":
        reset_after = bool(_int(node, attrs, "linear_before_reset", 0))
        if not reset_after:
            notes.append(
                f"{_key(node)}: GRU with linear_before_reset=0, the reset gate acts before Wh (reset_after false)"
            )
    elif "linear_before_reset" in attrs:
        raise ModelError("linear_before_reset is a GRU attribute", _key(node, "linear_before_reset"), kind, "gru")
    if P is not None:
        notes.append(f"{_key(node)}: LSTM with peephole weights P")
    labels = ["b", "t", "d", "n"] if layout == 1 else ["t", "d", "b", "n"]
    return Layer(kind=kind, cells=tuple(cells), activation=activation, reset_after=reset_after), labels  # type: ignore[arg-type]


def _activation(node: onnx.NodeProto, kind: str, dirs: int, given: object) -> str:
    """The vanilla RNN's activation ("tanh" or "relu"); LSTM and GRU must keep their defaults."""
    default = DEFAULT_ACTIVATIONS[kind]
    if given is None:
        return "tanh"
    names = [_text(v) for v in given]  # type: ignore[attr-defined]
    if len(names) != len(default) * dirs:
        raise ModelError(
            "wrong number of activations", _key(node, "activations"), names, f"{len(default) * dirs} names"
        )
    if kind == "rnn" and len(set(names)) == 1 and names[0] in ("Tanh", "Relu"):
        return names[0].lower()
    if kind != "rnn" and tuple(names) == default * dirs:
        return "tanh"
    expected = "all Tanh or all Relu" if kind == "rnn" else ", ".join(default * dirs)
    raise ModelError("activations other than the defaults are not read", _key(node, "activations"), names, expected)
