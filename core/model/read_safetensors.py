"""PyTorch recurrent weights in a safetensors file -> Model.

The header is parsed and checked here first (its length against the data, its size, every dtype, shape and
byte range, the numbers against the limits), before any array is read; the arrays are then read by
`safetensors.numpy.load`, except bfloat16, which numpy lacks and which is decoded from its raw bits. Nothing
in the file is ever run.

Keys are PyTorch's state_dict names, under any one module prefix: nn.RNN / nn.LSTM / nn.GRU
(`weight_ih_l{k}`, `weight_hh_l{k}`, `bias_ih_l{k}`, `bias_hh_l{k}`, `_reverse` for the second direction) or a
single cell nn.RNNCell / nn.LSTMCell / nn.GRUCell (`weight_ih`, `weight_hh`, `bias_ih`, `bias_hh`). The kind
comes from the shapes (weight_hh has G n rows: G = 1 RNN, 4 LSTM, 3 GRU) and must agree with
`__metadata__["kind"]` if the file says; nn.RNN's nonlinearity from `__metadata__["nonlinearity"]` or the
caller, tanh if neither says. Optional: `x` (T, m), an input sequence; an embedding matrix (`embedding` or a
key ending in `embedding.weight`, (V, m)) with `__metadata__["vocabulary"]`, a string of V characters.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from typing import Any

import numpy as np
import safetensors.numpy

from core.model.checks import Limits, ModelError, as_float64, bfloat16_to_float64
from core.model.spec import GATE_COUNT, KINDS, RNN_ACTIVATIONS, Cell, Kind, Layer, Model

MAX_HEADER = 2**20  # bytes of JSON header
MAX_DIMS = 8
ITEMSIZE = {
    "BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1, "I16": 2, "U16": 2, "F16": 2, "BF16": 2,
    "I32": 4, "U32": 4, "F32": 4, "I64": 8, "U64": 8, "F64": 8,
}  # fmt: skip
FLOATS = {"F16": "float16", "BF16": "bfloat16", "F32": "float32", "F64": "float64"}
_KEY = re.compile(
    r"^(?P<prefix>.*?)(?P<name>weight_ih|weight_hh|bias_ih|bias_hh|weight_hr)(?:_l(?P<layer>\d+))?(?P<rev>_reverse)?$"
)
# PyTorch's gate order -> the explorer's: LSTM i, f, g, o -> f, i, c, o; GRU r, z, n -> z, r, h.
KIND_OF_GATES: dict[int, Kind] = {1: "rnn", 3: "gru", 4: "lstm"}
_ORDER = {"rnn": [0], "lstm": [1, 0, 2, 3], "gru": [1, 0, 2]}

Header = dict[str, dict[str, Any]]


def _ints(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in value)


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise ModelError("a key appears twice in the header", k)
        out[k] = v
    return out


def parse_header(data: bytes, limits: Limits) -> tuple[Header, dict[str, str]]:
    """(tensors: key -> {dtype, shape, data_offsets}, metadata), every entry checked against the data."""
    if len(data) > limits.max_bytes:
        raise ModelError("file too large", None, f"{len(data)} bytes", f"at most {limits.max_bytes} bytes")
    if len(data) < 8:
        raise ModelError("not a safetensors file: shorter than its 8-byte header length", None, f"{len(data)} bytes")
    size = int.from_bytes(data[:8], "little")
    if size > MAX_HEADER:
        raise ModelError("safetensors header too large", "header", f"{size} bytes", f"at most {MAX_HEADER} bytes")
    if 8 + size > len(data):
        raise ModelError("safetensors header length past the end of the file", "header", f"{size} bytes",
                         f"at most {len(data) - 8} bytes")  # fmt: skip
    try:
        raw = json.loads(bytes(data[8 : 8 + size]).decode("utf-8"), object_pairs_hook=_no_duplicates)
    except ModelError:
        raise
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        raise ModelError(f"safetensors header is not JSON ({e.__class__.__name__})", "header") from None
    if not isinstance(raw, dict):
        raise ModelError("safetensors header is not a JSON object", "header", type(raw).__name__, "an object")
    meta = raw.pop("__metadata__", {})
    if not isinstance(meta, dict) or not all(isinstance(v, str) for v in meta.values()):
        raise ModelError("__metadata__ must map names to strings", "__metadata__")
    body = len(data) - 8 - size
    spans: list[tuple[int, int, str]] = []
    numbers = 0
    for key, entry in raw.items():
        if not isinstance(entry, dict) or set(entry) != {"dtype", "shape", "data_offsets"}:
            raise ModelError("malformed tensor entry", key, entry if not isinstance(entry, dict) else sorted(entry),
                             "dtype, shape and data_offsets")  # fmt: skip
        dtype, shape, offsets = entry["dtype"], entry["shape"], entry["data_offsets"]
        if dtype not in ITEMSIZE:
            raise ModelError("unknown dtype", key, dtype, " or ".join(FLOATS))
        if not _ints(shape) or len(shape) > MAX_DIMS:
            raise ModelError("malformed shape", key, shape, f"at most {MAX_DIMS} non-negative integers")
        if not _ints(offsets) or len(offsets) != 2 or offsets[0] > offsets[1] or offsets[1] > body:
            raise ModelError("byte range outside the data", key, offsets, f"[start, end] within 0..{body}")
        count = math.prod(shape)
        if offsets[1] - offsets[0] != count * ITEMSIZE[dtype]:
            raise ModelError("byte range does not match the shape", key, f"{offsets[1] - offsets[0]} bytes",
                             f"{count * ITEMSIZE[dtype]} bytes for {dtype} {tuple(shape)}")  # fmt: skip
        numbers += count
        if numbers > limits.max_numbers:
            raise ModelError(
                "too many numbers", key, f"more than {limits.max_numbers}", f"at most {limits.max_numbers}"
            )
        spans.append((offsets[0], offsets[1], key))
    spans.sort()
    for (_, end, a), (start, _, b) in itertools.pairwise(spans):
        if start < end:
            raise ModelError("tensors overlap", b, f"starts at byte {start}, inside {a!r} (ends at {end})",
                             "non-overlapping byte ranges")  # fmt: skip
    return raw, meta


def _read_arrays(data: bytes, header: Header, size: int) -> dict[str, np.ndarray]:
    """Every tensor as stored (bfloat16 decoded to float64); only after parse_header accepted the file."""
    if any(e["dtype"] in ("BF16", "F8_E5M2", "F8_E4M3") for e in header.values()):  # not numpy dtypes
        base, out = 8 + size, {}
        for key, e in header.items():
            start, end = e["data_offsets"]
            if e["dtype"] not in FLOATS:  # never read: read_safetensors refused any such array it uses
                continue
            dt = np.dtype("<u2") if e["dtype"] == "BF16" else np.dtype(FLOATS[e["dtype"]]).newbyteorder("<")
            a = np.frombuffer(data, dtype=dt, count=(end - start) // dt.itemsize, offset=base + start)
            out[key] = (bfloat16_to_float64(a) if e["dtype"] == "BF16" else a).reshape(e["shape"])
        return out
    try:
        return safetensors.numpy.load(bytes(data))
    except Exception as e:  # the library's own refusal (e.g. gaps between tensors), as a ModelError
        raise ModelError(f"safetensors could not read the data: {e}") from None


def _group(keys: list[str]) -> tuple[str, dict[tuple[str, int | None, bool], str]]:
    """(prefix, (name, layer or None for a cell, reverse) -> key) of the one recurrent module in the file."""
    found: dict[str, dict[tuple[str, int | None, bool], str]] = {}
    for key in keys:
        m = _KEY.match(key)
        if m:
            layer = None if m["layer"] is None else int(m["layer"])
            found.setdefault(m["prefix"], {})[(m["name"], layer, bool(m["rev"]))] = key
    if not found:
        raise ModelError("no recurrent weights found", None, ", ".join(keys[:8]) or "no tensors",
                         "PyTorch names such as weight_ih_l0, weight_hh_l0 (or a cell's weight_ih, weight_hh)")  # fmt: skip
    if len(found) > 1:
        raise ModelError("more than one recurrent module", None, ", ".join(repr(p) for p in sorted(found)), "one")
    prefix, entries = next(iter(found.items()))
    return prefix, entries


def _kind(key: str, shape: list[int], meta: dict[str, str]) -> Kind:
    rows, cols = (shape[0], shape[1]) if len(shape) == 2 else (0, 0)
    if len(shape) != 2 or cols == 0 or rows % cols or rows // cols not in (1, 3, 4):
        raise ModelError("not a recurrent weight", key, tuple(shape), "(G n, n) with G = 1 (RNN), 3 (GRU) or 4 (LSTM)")
    kind: Kind = KIND_OF_GATES[rows // cols]
    said = meta.get("kind")
    if said is not None and said.lower() != kind:
        if said.lower() not in KINDS:
            raise ModelError("unknown kind", "__metadata__.kind", said, " or ".join(KINDS))
        raise ModelError("the weights' shape is not that kind", key, tuple(shape),
                         f"({GATE_COUNT[said.lower()]} n, n) for {said.lower()}")  # fmt: skip
    return kind


def _activation(kind: str, meta: dict[str, str], nonlinearity: str | None) -> str:
    said = meta.get("nonlinearity")
    if said is not None and nonlinearity is not None and said != nonlinearity:
        raise ModelError("the file and the request name different nonlinearities", "__metadata__.nonlinearity",
                         said, nonlinearity)  # fmt: skip
    act = said or nonlinearity or "tanh"
    if kind == "rnn" and act not in RNN_ACTIVATIONS:
        raise ModelError("unknown nonlinearity", "__metadata__.nonlinearity", act, " or ".join(RNN_ACTIVATIONS))
    return act


def _weight(arrays: dict[str, np.ndarray], key: str, shape: tuple[int, ...]) -> np.ndarray:
    """as_float64 without warnings: NaN payloads and the like are refused by it, not reported twice."""
    with np.errstate(all="ignore"):
        return as_float64(key, arrays[key], shape)


def _cell(arrays: dict[str, np.ndarray], names: dict[str, str], kind: str, n: int, m: int) -> Cell:
    """One direction of one layer, reordered and (GRU) with the update gate negated."""
    G = GATE_COUNT[kind]
    Wx = _weight(arrays, names["weight_ih"], (G * n, m)).reshape(G, n, m)
    Wh = _weight(arrays, names["weight_hh"], (G * n, n)).reshape(G, n, n)
    bx, bh = (
        _weight(arrays, names[b], (G * n,)).reshape(G, n) if b in names else np.zeros((G, n))
        for b in ("bias_ih", "bias_hh")
    )
    order = _ORDER[kind]
    Wx, Wh, bx, bh = (np.ascontiguousarray(a[order]) for a in (Wx, Wh, bx, bh))
    if kind == "gru":  # z_explorer = 1 - z_pytorch: sigmoid(-a) = 1 - sigmoid(a)
        for a in (Wx, Wh, bx, bh):
            a[0] = -a[0]
    return Cell(Wh, Wx, bx + 0.0, bh + 0.0)


def _layers(entries: dict[tuple[str, int | None, bool], str], header: Header, meta: dict[str, str],
            limits: Limits) -> tuple[Kind, list[tuple[int, list[dict[str, str]], int, int]]]:  # fmt: skip
    """(kind, [(layer, per-direction {name: key}, n, m)]) from the header alone."""
    for (name, _, _), key in entries.items():
        if name == "weight_hr":
            raise ModelError("LSTM projections (proj_size) are not supported", key, tuple(header[key]["shape"]),
                             "an LSTM without proj_size")  # fmt: skip
    layers = sorted({lay for (_, lay, _) in entries}, key=lambda v: -1 if v is None else v)
    if None in layers and len(layers) > 1:
        raise ModelError("a cell's and a layer's weights in one module", None, layers, "one or the other")
    if layers != [None] and layers != list(range(len(layers))):
        raise ModelError("layers are not numbered 0, 1, 2, ...", None, layers, list(range(len(layers))))
    if len(layers) > limits.max_layers:
        raise ModelError("too many layers", None, len(layers), f"at most {limits.max_layers}")
    reverse = any(rev for (_, _, rev) in entries)
    first = entries.get(("weight_hh", layers[0], False))
    if first is None:
        raise ModelError("missing recurrent weights", "weight_hh" + ("" if layers == [None] else "_l0"))
    kind = _kind(first, header[first]["shape"], meta)
    G, out, m = GATE_COUNT[kind], [], None
    for lay in layers:
        dirs = []
        for rev in (False, True)[: 1 + reverse]:
            names = {name: key for (name, la, r), key in entries.items() if la == lay and r == rev}
            suffix = ("" if lay is None else f"_l{lay}") + ("_reverse" if rev else "")
            for need in ("weight_ih", "weight_hh"):
                if need not in names:
                    raise ModelError("missing weights", need + suffix, "nothing", "a matrix")
            dirs.append(names)
        hh, ih = header[dirs[0]["weight_hh"]]["shape"], header[dirs[0]["weight_ih"]]["shape"]
        if len(hh) != 2 or hh[0] != G * hh[1]:
            raise ModelError("wrong shape", dirs[0]["weight_hh"], tuple(hh), f"({G} n, n) for {kind}")
        n = hh[1]
        if n > limits.max_hidden:
            raise ModelError("hidden size too large", dirs[0]["weight_hh"], n, f"at most {limits.max_hidden}")
        m_l = (ih[1] if len(ih) == 2 else -1) if m is None else m
        expected = {"weight_ih": (G * n, m_l), "weight_hh": (G * n, n), "bias_ih": (G * n,), "bias_hh": (G * n,)}
        for names in dirs:
            for name, key in names.items():
                if tuple(header[key]["shape"]) != expected[name]:
                    want = f"({G * n}, m)" if name == "weight_ih" and m is None else expected[name]
                    raise ModelError("wrong shape", key, tuple(header[key]["shape"]), want)
        out.append((0 if lay is None else lay, dirs, n, m_l))
        m = n * len(dirs)
    return kind, out


def read_safetensors(data: bytes, nonlinearity: str | None = None, limits: Limits | None = None) -> Model:
    """The model in a safetensors file of PyTorch recurrent weights (module docstring); ModelError if the
    file cannot be mapped exactly. Every check of the header comes before any array is read."""
    limits = limits or Limits()
    header, meta = parse_header(data, limits)
    prefix, entries = _group(list(header))
    kind, plan = _layers(entries, header, meta, limits)
    activation = _activation(kind, meta, nonlinearity)
    model_inputs = plan[0][3]
    x_shape = _sequence_shape(header, model_inputs, limits)
    embedding_key, embedding_shape, vocabulary = _embedding_plan(header, meta, model_inputs)
    used = set(entries.values()) | ({"x"} if x_shape else set()) | ({embedding_key} if embedding_key else set())
    for key in sorted(used):  # every array used must be a float
        if header[key]["dtype"] not in FLOATS:
            raise ModelError("only float arrays are read", key, header[key]["dtype"], " or ".join(FLOATS))
    arrays = _read_arrays(data, header, int.from_bytes(data[:8], "little"))
    layers = []
    for _, dirs, n, m in plan:
        cells = tuple(_cell(arrays, names, kind, n, m) for names in dirs)
        layers.append(Layer(kind, cells, activation if kind == "rnn" else "tanh", True))
    x = _weight(arrays, "x", x_shape) if x_shape else None
    embedding = _weight(arrays, embedding_key, embedding_shape) if embedding_key else None
    notes = [f"PyTorch {kind.upper()} weights{f' under {prefix!r}' if prefix else ''}: {len(layers)} layer(s)"]
    if kind == "gru":
        notes.append("GRU: gates r, z, n reordered to z, r, h; update gate negated; reset after the matrix")
    if kind == "lstm":
        notes.append("LSTM: gates i, f, g, o reordered to f, i, c, o")
    if not any("bias_ih" in names for _, dirs, _, _ in plan for names in dirs):
        notes.append("no biases in the file (bias=False): zero")
    if embedding_key and vocabulary is None:
        notes.append(f"{embedding_key}: no vocabulary in __metadata__, so no text input")
    ignored = sorted(k for k in header if k not in used)
    if ignored:
        notes.append("ignored: " + ", ".join(ignored[:10]) + (" ..." if len(ignored) > 10 else ""))
    return Model(tuple(layers), "safetensors", x, embedding, vocabulary, tuple(notes))


def _sequence_shape(header: Header, m: int, limits: Limits) -> tuple[int, int] | None:
    """(T, m) of the optional input sequence `x`, checked against the model's input size and max_steps."""
    if "x" not in header:
        return None
    shape = header["x"]["shape"]
    if len(shape) == 2 and 1 <= shape[0] <= limits.max_steps and shape[1] != m:
        raise ModelError("wrong shape", "x", tuple(shape), (shape[0], m))
    if len(shape) != 2 or not 1 <= shape[0] <= limits.max_steps:
        raise ModelError("wrong shape", "x", tuple(shape), f"(T, {m}) with 1 <= T <= {limits.max_steps}")
    return shape[0], m


def _is_embedding(key: str) -> bool:
    return key == "embedding" or key.endswith("embedding.weight")


def _embedding_plan(header: Header, meta: dict[str, str], m: int) -> tuple[str | None, tuple[int, int], str | None]:
    """(key, (V, m), vocabulary) of the optional embedding; V = the vocabulary's length when it has one."""
    keys = [k for k in header if _is_embedding(k)]
    if not keys:
        return None, (0, m), None
    if len(keys) > 1:
        raise ModelError("more than one embedding", None, ", ".join(keys), "one")
    key, shape = keys[0], tuple(header[keys[0]]["shape"])
    vocabulary = meta.get("vocabulary")
    V = len(vocabulary) if vocabulary is not None else (shape[0] if shape else 0)
    if shape != (V, m):
        what = "the vocabulary and the embedding differ in size" if vocabulary is not None else "wrong shape"
        raise ModelError(what, key, shape, (V, m))
    return key, (V, m), vocabulary
