"""The safetensors reader: what it maps and every refusal, which is a ModelError naming key, found and expected,
and never another exception."""

from __future__ import annotations

import json
import pickle
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import save

from core.model.checks import Limits, ModelError, bfloat16_to_float64
from core.model.read_safetensors import MAX_HEADER, read_safetensors

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "models"
RNG = np.random.default_rng(0)


def _raw(tensors: dict[str, tuple[str, list[int], bytes]], meta: dict[str, str] | None = None) -> bytes:
    """A safetensors file written by hand: key -> (dtype, shape, bytes), laid out in order."""
    header: dict[str, object] = {"__metadata__": meta} if meta else {}
    body, offset = b"", 0
    for key, (dtype, shape, data) in tensors.items():
        header[key] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(data)]}
        body += data
        offset += len(data)
    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text)) + text + body


def _gru(n: int = 4, m: int = 3, prefix: str = "") -> dict[str, np.ndarray]:
    return {
        f"{prefix}weight_ih_l0": RNG.standard_normal((3 * n, m)).astype(np.float32),
        f"{prefix}weight_hh_l0": RNG.standard_normal((3 * n, n)).astype(np.float32),
        f"{prefix}bias_ih_l0": RNG.standard_normal(3 * n).astype(np.float32),
        f"{prefix}bias_hh_l0": RNG.standard_normal(3 * n).astype(np.float32),
    }


def _refused(data: bytes, *words: str, **kw: object) -> ModelError:
    with pytest.raises(ModelError) as info:
        read_safetensors(data, **kw)  # type: ignore[arg-type]
    for word in words:
        assert word in str(info.value), (word, str(info.value))
    return info.value


def test_pytorch_gate_order_and_update_sign() -> None:
    w = _gru()
    model = read_safetensors(save(w))
    cell = model.layers[0].cells[0]
    ih = w["weight_ih_l0"].astype(np.float64).reshape(3, 4, 3)  # r, z, n
    np.testing.assert_array_equal(cell.Wx[0], -ih[1])  # z, negated
    np.testing.assert_array_equal(cell.Wx[1], ih[0])  # r
    np.testing.assert_array_equal(cell.Wx[2], ih[2])  # candidate
    np.testing.assert_array_equal(cell.bh[0], -w["bias_hh_l0"].astype(np.float64)[4:8])
    assert model.layers[0].kind == "gru" and model.layers[0].reset_after and model.x is None


def test_lstm_gate_order() -> None:
    n, m = 3, 2
    w = {"weight_ih": RNG.standard_normal((4 * n, m)), "weight_hh": RNG.standard_normal((4 * n, n))}
    cell = read_safetensors(save(w)).layers[0].cells[0]
    ih = w["weight_ih"].reshape(4, n, m)  # i, f, g, o
    for g, src in enumerate([1, 0, 2, 3]):
        np.testing.assert_array_equal(cell.Wx[g], ih[src])
    assert not cell.bx.any() and not cell.bh.any()  # bias=False: zeros


def test_missing_biases_are_zero_and_said() -> None:
    model = read_safetensors((FIXTURES / "torch_rnn_relu_2.safetensors").read_bytes())
    assert model.layers[0].activation == "relu" and len(model.layers) == 2
    assert all(not c.bx.any() and not c.bh.any() for layer in model.layers for c in layer.cells)
    assert any("bias=False" in note for note in model.notes)


def test_float16_and_bfloat16() -> None:
    w = {k: v.astype(np.float16) for k, v in _gru().items()}
    model = read_safetensors(save(w))
    np.testing.assert_array_equal(model.layers[0].cells[0].Wx[2], w["weight_ih_l0"].astype(np.float64)[8:])
    bits = {k: (v.astype(np.float32).view(np.uint32) >> 16).astype("<u2") for k, v in _gru().items()}
    data = _raw({k: ("BF16", list(v.shape), v.tobytes()) for k, v in bits.items()})
    cell = read_safetensors(data).layers[0].cells[0]
    np.testing.assert_array_equal(cell.Wh[2], bfloat16_to_float64(bits["weight_hh_l0"]).reshape(3, 4, 4)[2])


def test_nonlinearity_from_the_file_or_the_caller() -> None:
    w = {"rnn.weight_ih_l0": RNG.standard_normal((4, 2)), "rnn.weight_hh_l0": RNG.standard_normal((4, 4))}
    assert read_safetensors(save(w)).layers[0].activation == "tanh"
    assert read_safetensors(save(w), "relu").layers[0].activation == "relu"
    assert read_safetensors(save(w, {"nonlinearity": "relu"})).layers[0].activation == "relu"
    _refused(save(w, {"nonlinearity": "relu"}), "nonlinearity", "relu", "tanh", nonlinearity="tanh")
    _refused(save(w, {"nonlinearity": "gelu"}), "nonlinearity", "gelu", "tanh or relu")


def test_input_sequence_and_embedding() -> None:
    w = _gru() | {"x": RNG.standard_normal((7, 3)), "embedding.weight": RNG.standard_normal((5, 3))}
    model = read_safetensors(save(w, {"vocabulary": "abcde"}))
    np.testing.assert_array_equal(model.x, w["x"])
    assert model.vocabulary == "abcde" and model.embedding is not None and model.embedding.shape == (5, 3)
    _refused(save(_gru() | {"x": RNG.standard_normal((7, 2))}), "'x'", "(7, 2)", "(7, 3)")
    _refused(save(w, {"vocabulary": "abc"}), "embedding.weight", "(5, 3)", "(3, 3)")
    _refused(save(_gru() | {"x": RNG.standard_normal((1001, 3))}), "'x'", "1001", "1000")


def test_truncated_file() -> None:
    data = (FIXTURES / "torch_lstm.safetensors").read_bytes()
    for cut in (0, 4, 8, 20, len(data) // 2, len(data) - 1):
        _refused(data[:cut])
    _refused(data[: len(data) - 1], "byte range", "within")


def test_header_length_past_the_end_and_oversized() -> None:
    data = (FIXTURES / "torch_gru.safetensors").read_bytes()
    _refused(struct.pack("<Q", len(data)) + data[8:], "past the end", "'header'")
    big = struct.pack("<Q", MAX_HEADER + 1) + b"{" + b" " * (MAX_HEADER + 8)
    _refused(big, "header too large", str(MAX_HEADER))
    _refused(struct.pack("<Q", 2**64 - 1) + b"{}", "header too large")
    _refused(data, "file too large", limits=Limits(max_bytes=100))


def test_overlapping_offsets() -> None:
    w = _gru()
    blob = b"".join(v.tobytes() for v in w.values())
    header = {}
    offset = 0
    for k, v in w.items():
        header[k] = {"dtype": "F32", "shape": list(v.shape), "data_offsets": [offset, offset + v.nbytes]}
        offset += v.nbytes
    header["bias_hh_l0"]["data_offsets"] = [0, w["bias_hh_l0"].nbytes]  # inside weight_ih_l0
    text = json.dumps(header).encode()
    _refused(struct.pack("<Q", len(text)) + text + blob, "overlap", "bias_hh_l0", "weight_ih_l0")


def test_shape_mismatch_names_key_found_and_expected() -> None:
    w = _gru()
    w["bias_hh_l0"] = w["bias_hh_l0"][:-1]
    e = _refused(save(w), "wrong shape", "'bias_hh_l0'", "(11,)", "(12,)")
    assert (e.key, e.found, e.expected) == ("bias_hh_l0", (11,), (12,))
    two = _gru() | {"weight_ih_l1": RNG.standard_normal((12, 5)), "weight_hh_l1": RNG.standard_normal((12, 4))}
    _refused(save(two), "'weight_ih_l1'", "(12, 5)", "(12, 4)")  # layer 1 reads layer 0's 4 outputs
    _refused(save(_gru() | {"weight_hh_l0": RNG.standard_normal((10, 4))}), "weight_hh_l0", "(10, 4)")
    _refused(save(_gru(), {"kind": "lstm"}), "weight_hh_l0", "(12, 4)", "(4 n, n) for lstm")
    _refused(save(_gru(), {"kind": "transformer"}), "kind", "transformer")


def test_values_and_dtypes() -> None:
    w = _gru()
    w["weight_hh_l0"][3, 1] = np.nan
    _refused(save(w), "NaN", "'weight_hh_l0'")
    w = _gru()
    w["bias_ih_l0"][0] = np.inf
    _refused(save(w), "'bias_ih_l0'")
    w = _gru() | {"weight_hh_l0": np.ones((12, 4), dtype=np.int32)}
    _refused(save(w), "only float", "'weight_hh_l0'", "I32")
    _refused(_raw({"weight_hh_l0": ("Q99", [1], b"\0")}), "unknown dtype", "Q99")
    ok = save(_gru() | {"step_count": np.array([3], dtype=np.int64)})  # an unrelated int is ignored, named
    assert any("step_count" in note for note in read_safetensors(ok).notes)


def test_lstm_projection_is_refused() -> None:
    n, p, m = 4, 2, 3
    w = {"weight_ih_l0": RNG.standard_normal((4 * n, m)), "weight_hh_l0": RNG.standard_normal((4 * n, p)),
         "weight_hr_l0": RNG.standard_normal((p, n))}  # fmt: skip
    _refused(save(w), "proj_size", "'weight_hr_l0'", "(2, 4)")


def test_structure_refusals() -> None:
    _refused(save({"fc.weight": RNG.standard_normal((2, 2))}), "no recurrent weights", "fc.weight")
    _refused(save(_gru(prefix="a.") | _gru(prefix="b.")), "more than one recurrent module", "'a.'", "'b.'")
    gap = _gru() | {k.replace("_l0", "_l2"): v for k, v in _gru().items()}
    _refused(save(gap), "numbered", "[0, 2]")
    _refused(save({"weight_ih_l0": RNG.standard_normal((12, 3))}), "missing", "weight_hh_l0")
    half = _gru() | {"weight_ih_l0_reverse": RNG.standard_normal((12, 3))}
    _refused(save(half), "missing", "weight_hh_l0_reverse")
    _refused(save(_gru(n=5)), "hidden size", "5", limits=Limits(max_hidden=4))
    deep = {k.replace("_l0", f"_l{i}"): v for i in range(3) for k, v in _gru(4, 4).items()}
    _refused(save(deep), "too many layers", "3", limits=Limits(max_layers=2))
    _refused(save(_gru()), "too many numbers", limits=Limits(max_numbers=50))
    _refused(_raw({}) + b"", "no recurrent weights")
    _refused(b"\x07\x00\x00\x00\x00\x00\x00\x00[1,2,3]", "not a JSON object")
    _refused(b'\x0a\x00\x00\x00\x00\x00\x00\x00{"a":1,"a"', "not JSON")
    dup = b'{"x":{"dtype":"F32","shape":[],"data_offsets":[0,4]},"x":{"dtype":"F32","shape":[],"data_offsets":[0,4]}}'
    _refused(struct.pack("<Q", len(dup)) + dup + b"\0" * 4, "twice", "'x'")


def test_other_formats_renamed_are_refused() -> None:
    _refused(pickle.dumps({"weight_ih_l0": [1.0, 2.0]}))
    _refused(b"PK\x03\x04" + b"\0" * 200)  # a torch.save zip
    _refused(b"\x89HDF\r\n\x1a\n" + b"\0" * 100)
    _refused((FIXTURES / "torch_gru.onnx").read_bytes())
    _refused(b"")


def test_mutated_files_give_a_model_or_a_model_error() -> None:
    """Random byte flips, truncations and splices of a real file: never any exception but ModelError."""
    data = (FIXTURES / "torch_lstm_bi_2.safetensors").read_bytes()
    rng = np.random.default_rng(1)
    outcomes = {"model": 0, "refused": 0}
    for _ in range(400):
        b = bytearray(data)
        for pos in rng.integers(0, len(b), size=rng.integers(1, 6)):
            b[pos] = int(rng.integers(0, 256))
        if rng.random() < 0.3:
            b = b[: int(rng.integers(0, len(b)))]
        try:
            read_safetensors(bytes(b))
            outcomes["model"] += 1
        except ModelError:
            outcomes["refused"] += 1
    assert outcomes["model"] > 0 and outcomes["refused"] > 0


def test_mutated_headers_give_a_model_or_a_model_error() -> None:
    """Shapes, dtypes, byte ranges, entries and metadata rewritten at random in a well-formed header."""
    data = (FIXTURES / "torch_lstm_bi_2.safetensors").read_bytes()
    size = int.from_bytes(data[:8], "little")
    body = data[8 + size :]
    rng = np.random.default_rng(2)
    outcomes = {"model": 0, "refused": 0}
    for i in range(400):
        header = json.loads(data[8 : 8 + size])
        key = str(rng.choice([k for k in header if k != "__metadata__"]))
        if i % 5 == 0:
            header[key]["shape"] = [int(v) for v in rng.integers(0, 50, size=int(rng.integers(0, 4)))]
        elif i % 5 == 1:
            header[key]["dtype"] = str(rng.choice(["F16", "BF16", "F64", "I32", "U8", "BOOL", "F8_E4M3", "X"]))
        elif i % 5 == 2:
            header[key]["data_offsets"] = sorted(int(v) for v in rng.integers(0, len(body) + 10, size=2))
        elif i % 5 == 3:
            header[key] = [None, 1, "a", [1], {"dtype": "F32"}][int(rng.integers(0, 5))]
        else:
            header["__metadata__"] = {"kind": str(rng.choice(["rnn", "lstm", "x"])), "nonlinearity": "relu"}
        text = json.dumps(header).encode()
        try:
            read_safetensors(struct.pack("<Q", len(text)) + text + body)
            outcomes["model"] += 1
        except ModelError:
            outcomes["refused"] += 1
    assert outcomes["model"] > 0 and outcomes["refused"] > 0


def test_reading_loads_no_framework() -> None:
    code = (
        "import sys, core.model.read_safetensors, core.model.stack, core.model.identity;"
        "print(' '.join(m for m in sys.modules if '.' not in m))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout.split()
    assert "safetensors" in loaded
    assert [m for m in ("torch", "keras", "tensorflow", "h5py", "onnx") if m in loaded] == []


def test_optional_arrays_are_checked_before_any_data_is_read() -> None:
    """x and the embedding of the wrong kind are refused from the header: their bytes may be anything."""
    w = _gru()
    ok = {k: ("F32", list(v.shape), v.tobytes()) for k, v in w.items()}
    junk = b"\xff" * 24
    _refused(_raw(ok | {"x": ("I32", [2, 3], junk)}), "only float", "'x'", "I32")
    _refused(_raw(ok | {"x": ("F32", [3, 2], junk)}), "'x'", "(3, 2)", "(3, 3)")
    _refused(_raw(ok | {"embedding": ("F32", [2, 3], junk)}, {"vocabulary": "abc"}), "'embedding'", "(3, 3)")
    model = read_safetensors(save(w | {"embedding": RNG.standard_normal((4, 3))}))
    assert model.vocabulary is None and model.embedding is not None
    assert any("no vocabulary" in note for note in model.notes)
