"""What the ONNX reader needs from a graph besides the recurrent nodes: every tensor the file holds (to refuse
data stored outside it), the constant value behind an input name, and the path from one layer to the next."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import onnx
from onnx import numpy_helper

from core.model.checks import Limits, ModelError

FLOAT_TYPES: dict[int, int] = {
    onnx.TensorProto.FLOAT: 4,
    onnx.TensorProto.DOUBLE: 8,
    onnx.TensorProto.FLOAT16: 2,
    onnx.TensorProto.BFLOAT16: 2,
}
# Ops that carry a zero tensor to an initial state unchanged in value (PyTorch expands zeros to the batch).
ZERO_KEEPING = {"Expand", "Identity", "Cast", "Reshape", "Unsqueeze", "Squeeze", "Tile", "Transpose"}
# Ops allowed between one recurrent layer's output Y and the next layer's input: they move numbers, never change
# them (the Transpose's permutation is checked to keep direction before unit).
SHAPE_ONLY = {"Transpose", "Reshape", "Squeeze", "Unsqueeze", "Identity", "Flatten"}


def graph_tensors(graph: onnx.GraphProto, where: str = "graph") -> Iterator[tuple[str, onnx.TensorProto]]:
    """Every tensor stored in a graph: initializers, sparse initializers, Constant values, and those of
    subgraphs (If, Loop, Scan), each with the name a refusal gives."""
    for t in graph.initializer:
        yield f"{where} initializer {t.name!r}", t
    for s in graph.sparse_initializer:
        yield f"{where} sparse initializer {s.values.name!r}", s.values
        yield f"{where} sparse initializer {s.values.name!r} indices", s.indices
    for node in graph.node:
        for a in node.attribute:
            label = f"node {node.name or node.op_type!r} attribute {a.name!r}"
            if a.HasField("t"):
                yield label, a.t
            if a.HasField("sparse_tensor"):
                yield label, a.sparse_tensor.values
            for t in a.tensors:
                yield label, t
            if a.HasField("g"):
                yield from graph_tensors(a.g, label)
            for g in a.graphs:
                yield from graph_tensors(g, label)


def refuse_external(model: onnx.ModelProto, limits: Limits) -> None:
    """A tensor whose data lives in another file is refused (only the uploaded bytes are ever read), and so is
    one declaring more numbers than the limit."""
    found = list(graph_tensors(model.graph))
    for f in model.functions:
        for node in f.node:
            found += [(f"function {f.name!r}", a.t) for a in node.attribute if a.HasField("t")]
    for label, t in found:
        if (
            any(int(d) > limits.max_numbers for d in t.dims)
            or int(np.prod([max(int(d), 0) for d in t.dims], dtype=object)) > limits.max_numbers
        ):
            raise ModelError(
                "tensor too large", label, f"shape {tuple(t.dims)}", f"at most {limits.max_numbers} numbers"
            )
        if t.data_location == onnx.TensorProto.EXTERNAL or len(t.external_data):
            where = {e.key: e.value for e in t.external_data}.get("location", "another file")
            raise ModelError(
                "a tensor stored outside the file is not read (save the model with its weights inside: "
                "onnx.save_model(model, path, save_as_external_data=False))",
                label,
                f"data in {where!r}",
                "data inside the .onnx file",
            )
        if t.HasField("segment"):
            raise ModelError("a tensor split into segments is not read", label, "segment", "one whole tensor")


def tensor_array(key: str, t: onnx.TensorProto, limits: Limits) -> np.ndarray:
    """The float array a tensor stores, after its declared size is checked against the limit and its stored
    bytes: nothing is allocated from a size the file only declares."""
    if t.data_type not in FLOAT_TYPES:
        name = (
            onnx.TensorProto.DataType.Name(t.data_type)
            if t.data_type in onnx.TensorProto.DataType.values()
            else t.data_type
        )
        raise ModelError("only float weights are read", key, name, "FLOAT, DOUBLE, FLOAT16 or BFLOAT16")
    dims = [int(d) for d in t.dims]
    if any(d < 0 for d in dims):
        raise ModelError("negative dimension", key, tuple(dims), "sizes >= 0")
    count = int(np.prod(dims, dtype=object)) if dims else 1
    if count > limits.max_numbers:
        raise ModelError("tensor too large", key, f"{count} numbers", f"at most {limits.max_numbers}")
    if t.HasField("raw_data"):
        stored = len(t.raw_data) // FLOAT_TYPES[t.data_type]
    elif t.data_type == onnx.TensorProto.FLOAT:
        stored = len(t.float_data)
    elif t.data_type == onnx.TensorProto.DOUBLE:
        stored = len(t.double_data)
    else:
        stored = len(t.int32_data)
    if stored != count:
        raise ModelError("tensor holds a different number of values than its shape", key, stored, count)
    try:
        return numpy_helper.to_array(t)
    except (ValueError, TypeError) as e:
        raise ModelError(f"unreadable tensor ({e})", key) from e


class Graph:
    """Names -> producers and constants of one ONNX graph."""

    def __init__(self, graph: onnx.GraphProto, limits: Limits) -> None:
        self.limits = limits
        self.initializers = {t.name: t for t in graph.initializer}
        self.inputs = {i.name for i in graph.input}
        self.producer: dict[str, tuple[onnx.NodeProto, int]] = {}
        for node in graph.node:
            for index, out in enumerate(node.output):
                if out:
                    self.producer[out] = (node, index)

    def constant_tensor(self, name: str) -> onnx.TensorProto | None:
        """The tensor stored for a name: an initializer or a Constant node's `value`, else None."""
        if name in self.initializers:
            return self.initializers[name]
        node = self.producer.get(name, (None, 0))[0]
        if node is not None and node.op_type == "Constant":
            for a in node.attribute:
                if a.name == "value":
                    return a.t
            kinds = [a.name for a in node.attribute]
            raise ModelError("a Constant node without a tensor value", f"node {node.name!r}", kinds, "value")
        return None

    def weight(self, key: str, name: str) -> np.ndarray:
        """The stored array behind an input name, refused if it is computed or fed at run time."""
        t = self.constant_tensor(name)
        if t is None:
            node = self.producer.get(name, (None, 0))[0]
            how = f"computed by a {node.op_type} node" if node is not None else "a graph input fed at run time"
            raise ModelError("weights must be stored in the file", key, how, "an initializer or a Constant node")
        return tensor_array(key, t, self.limits)

    def is_zero(self, name: str, depth: int = 0) -> bool:
        """True when the value behind a name is all zeros: a stored zero tensor, or one expanded, cast or
        reshaped from it."""
        t = self.constant_tensor(name)
        if t is not None:
            return bool(not np.any(tensor_array(name, t, self.limits)))
        node = self.producer.get(name, (None, 0))[0]
        if node is None or node.op_type not in ZERO_KEEPING or depth > 16 or not node.input:
            return False
        return self.is_zero(node.input[0], depth + 1)

    def ints(self, name: str) -> list[int] | None:
        """A small stored integer tensor (axes, shapes) as a list, else None."""
        t = self.constant_tensor(name)
        if t is None or t.data_type not in (onnx.TensorProto.INT64, onnx.TensorProto.INT32) or len(t.dims) > 1:
            return None
        if t.dims and int(t.dims[0]) > 16:
            return None
        try:
            return [int(v) for v in numpy_helper.to_array(t).ravel()]
        except (ValueError, TypeError):
            return None

    def embedding(self, start: str, limits: Limits) -> tuple[str, np.ndarray] | None:
        """The stored table a first layer's input is looked up in (a Gather on axis 0 of a float tensor, through
        shape-only ops), with the node's name; None when the input comes from anything else."""
        name = start
        for _ in range(64):
            node = self.producer.get(name, (None, 0))[0]
            if node is None:
                return None
            if node.op_type == "Gather" and len(node.input) == 2:
                axis = next((a.i for a in node.attribute if a.name == "axis"), 0)
                table = self.constant_tensor(node.input[0])
                if axis != 0 or table is None or len(table.dims) != 2:
                    return None
                return node.name or "Gather", tensor_array(f"node {node.name or 'Gather'!r} input data", table, limits)
            if node.op_type not in SHAPE_ONLY or not node.input:
                return None
            name = node.input[0]
        return None

    def path_to(self, start: str, target: onnx.NodeProto, labels: list[str], key: str) -> None:
        """Walk back from a layer's input `start` to `target`'s output Y (whose axes are `labels`), through
        shape-only ops; refuse any op that changes numbers, and any permutation that would put the unit axis
        before the direction axis (the spec concatenates the forward then the reverse states)."""
        chain: list[onnx.NodeProto] = []
        name = start
        while True:
            node, index = self.producer.get(name, (None, 0))
            if node is None:
                raise ModelError(
                    "the recurrent layers do not form a stack", key, f"input {name!r}", "the previous layer's output"
                )
            if node is target:
                if index != 0:
                    raise ModelError(
                        "the next layer must read the full output sequence Y", key, f"output {index}", "output 0 (Y)"
                    )
                break
            if node.op_type not in SHAPE_ONLY:
                raise ModelError(
                    "only shape operations may stand between two recurrent layers",
                    f"node {node.name or node.op_type!r}",
                    node.op_type,
                    " or ".join(sorted(SHAPE_ONLY)),
                )
            chain.append(node)
            name = node.input[0]
            if len(chain) > 64:
                raise ModelError("too many operations between two recurrent layers", key, len(chain), "at most 64")
        for node in reversed(chain):
            labels = self.relabel(node, labels, key)

    def relabel(self, node: onnx.NodeProto, labels: list[str], key: str) -> list[str]:
        """The axes after one shape op, as far as they can be followed; 'd' must stay right before 'n'."""
        if not labels:
            return labels
        if node.op_type == "Transpose":
            perm = next((list(a.ints) for a in node.attribute if a.name == "perm"), list(range(len(labels)))[::-1])
            if sorted(perm) != list(range(len(labels))):
                return []
            labels = [labels[p] for p in perm]
            if "d" in labels and labels.index("d") + 1 != labels.index("n"):
                raise ModelError(
                    "a permutation between two layers puts units before directions",
                    f"node {node.name or 'Transpose'!r}",
                    perm,
                    "the direction axis right before the unit axis",
                )
            return labels
        if node.op_type in ("Squeeze", "Unsqueeze"):
            axes = next((list(a.ints) for a in node.attribute if a.name == "axes"), None)
            if axes is None and len(node.input) > 1:
                axes = self.ints(node.input[1])
            if axes is None:
                return []
            out = list(labels)
            if node.op_type == "Squeeze":
                drop = {a % len(out) for a in axes}
                return [x for i, x in enumerate(out) if i not in drop]
            for a in sorted(a % (len(out) + len(axes)) for a in axes):
                out.insert(a, "1")
            return out
        return []  # Reshape, Flatten: merged axes are no longer followed; the order checked so far stands
