"""Hand-made ONNX graphs of fused recurrent nodes, in float64, for what PyTorch does not export: peepholes,
linear_before_reset=0, weights in Constant nodes, zero initial states, hostile tensors."""

from __future__ import annotations

from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

GATES = {"RNN": 1, "LSTM": 4, "GRU": 3}


def weights(op: str, n: int, m: int, dirs: int, seed: int, peep: bool = False) -> dict[str, np.ndarray]:
    """Random W, R, B (and P) of one node, large enough that the nonlinearities bend."""
    rng = np.random.default_rng(seed)
    g = GATES[op]
    out = {
        "W": rng.normal(0, 0.8, (dirs, g * n, m)),
        "R": rng.normal(0, 0.8, (dirs, g * n, n)),
        "B": rng.normal(0, 0.5, (dirs, 2 * g * n)),
    }
    if peep:
        out["P"] = rng.normal(0, 0.8, (dirs, 3 * n))
    return out


def node_parts(
    op: str,
    prefix: str,
    x: str,
    arrays: dict[str, np.ndarray],
    n: int,
    constants: bool = False,
    extra_inputs: dict[str, str] | None = None,
    **attrs: Any,
) -> tuple[list[onnx.NodeProto], list[TensorProto]]:
    """One fused node reading `x`, with its weights as initializers or Constant nodes (`constants`)."""
    nodes: list[onnx.NodeProto] = []
    inits: list[TensorProto] = []
    names: dict[str, str] = {}
    for key, value in arrays.items():
        name = f"{prefix}_{key}"
        names[key] = name
        tensor = numpy_helper.from_array(value, name)
        if constants:
            nodes.append(helper.make_node("Constant", [], [name], value=tensor, name=f"{name}_const"))
        else:
            inits.append(tensor)
    names.update(extra_inputs or {})
    order = ["W", "R", "B", "sequence_lens", "initial_h"] + (["initial_c", "P"] if op == "LSTM" else [])
    inputs = [x] + [names.get(k, "") for k in order]
    while inputs[-1] == "":
        inputs.pop()
    attrs.setdefault("hidden_size", n)
    nodes.append(helper.make_node(op, inputs, [f"{prefix}_Y"], name=prefix, **attrs))
    return nodes, inits


def model(nodes: list[onnx.NodeProto], inits: list[TensorProto], m: int, out: str) -> bytes:
    """A float64 model of the nodes, input X (T, 1, m), output `out`."""
    x = helper.make_tensor_value_info("X", TensorProto.DOUBLE, ["T", 1, m])
    y = helper.make_tensor_value_info(out, TensorProto.DOUBLE, None)
    graph = helper.make_graph(nodes, "g", [x], [y], initializer=inits)
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)])
    proto.ir_version = 8
    return proto.SerializeToString()


def single(op: str, n: int = 3, m: int = 2, direction: str = "forward", seed: int = 0, **kw: Any) -> bytes:
    """A model of one node."""
    dirs = 2 if direction == "bidirectional" else 1
    arrays = weights(op, n, m, dirs, seed, peep=kw.pop("peep", False))
    for key in kw.pop("drop", ()):
        arrays.pop(key)
    nodes, inits = node_parts(op, "rnn", "X", arrays, n, direction=direction, **kw)
    return model(nodes, inits, m, "rnn_Y")


def stack(perm: tuple[int, ...] = (0, 2, 1, 3), between: str | None = None) -> bytes:
    """A bidirectional GRU (linear_before_reset=0) feeding an LSTM with peepholes through Transpose and
    Reshape, as PyTorch lays out a stack; `between` puts one more op on the way."""
    n1, n2, m = 3, 2, 2
    first, i1 = node_parts("GRU", "l0", "X", weights("GRU", n1, m, 2, 1), n1, direction="bidirectional")
    shape = numpy_helper.from_array(np.array([0, 0, -1], dtype=np.int64), "shape")
    mid = [
        helper.make_node("Transpose", ["l0_Y"], ["t"], perm=list(perm), name="tr"),
        helper.make_node("Reshape", ["t", "shape"], ["flat"], name="re"),
    ]
    src = "flat"
    if between:
        mid.append(helper.make_node(between, ["flat", "flat"], ["mixed"], name="extra"))
        src = "mixed"
    second, i2 = node_parts("LSTM", "l1", src, weights("LSTM", n2, 2 * n1, 1, 2, peep=True), n2, constants=True)
    return model(first + mid + second, [*i1, shape, *i2], m, "l1_Y")


def run(data: bytes, x: np.ndarray) -> np.ndarray:
    """ONNX's own reference evaluator on input x (T, m): the last output as (T, directions * n)."""
    from onnx.reference import ReferenceEvaluator

    (y,) = ReferenceEvaluator(onnx.load_model_from_string(data)).run(None, {"X": x[:, None, :]})
    y = np.asarray(y)
    return y[:, :, 0, :].reshape(y.shape[0], -1)
