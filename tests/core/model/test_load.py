"""The loader: formats told from the bytes, not the name; pickles of every kind refused with the way to convert;
empty, oversized, truncated and random files refused; and the reader of an uploaded .npy input sequence."""

from __future__ import annotations

import io
import pickle

import numpy as np
import pytest

from core.model.checks import Limits, ModelError
from core.model.load import load, read_sequence_npy
from core.model.sniff import sniff
from tests.core.model.hostile import fixture

LIMITS = Limits()
CONVERT = 'safetensors.torch.save_file(model.state_dict(), "model.safetensors")'


def refused(data: bytes, filename: str, *parts: str, limits: Limits = LIMITS) -> str:
    with pytest.raises(ModelError) as info:
        load(data, filename, None, limits)
    message = str(info.value)
    for part in parts:
        assert part in message, message
    return message


@pytest.mark.parametrize(
    ("name", "source", "layers"),
    [
        ("torch_lstm_bi.onnx", "onnx", 2),
        ("torch_rnn_tanh.onnx", "onnx", 1),
        ("keras_stack.keras", "keras", 3),
        ("keras_embed_gru.keras", "keras", 1),
        ("keras_bi_lstm_gru.weights.h5", "keras", 2),
    ],
)
@pytest.mark.parametrize("rename", [None, "model.safetensors", "model.onnx", "model.keras", "model"])
def test_formats_told_by_content_not_name(name, source, layers, rename):
    model = load(fixture(name), rename or name, None, LIMITS)
    assert model.source == source
    assert len(model.layers) == layers


def test_nonlinearity_reaches_a_bare_keras_simple_rnn():
    model = load(fixture("keras_bi_lstm_gru.weights.h5"), "w.weights.h5", "relu", LIMITS)
    assert model.layers[0].kind == "lstm"  # the choice only concerns vanilla RNN layers
    with pytest.raises(ModelError, match="nonlinearity"):
        load(fixture("keras_bi_lstm_gru.weights.h5"), "w.weights.h5", "sigmoid", LIMITS)


def test_sniff_kinds():
    assert sniff(fixture("checkpoint.pt"), "x", LIMITS) == "torch"
    assert sniff(fixture("scripted.pt"), "x", LIMITS) == "torchscript"
    assert sniff(fixture("keras_stack.keras"), "x", LIMITS) == "keras"
    assert sniff(fixture("keras_lstm_lstm.weights.h5"), "x", LIMITS) == "hdf5"
    assert sniff(fixture("torch_gru_batch_first.onnx"), "x", LIMITS) == "onnx"
    header = b'{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}'
    whole = len(header).to_bytes(8, "little") + header + b"\0" * 4
    assert sniff(whole, "x", LIMITS) == "safetensors"
    assert sniff(whole[:20], "x", LIMITS) == "safetensors"  # cut short: its reader refuses it precisely
    assert sniff(whole[:20], "x.onnx", LIMITS) == "safetensors"  # the bytes, not the name


@pytest.mark.parametrize("rename", ["model.safetensors", "model.onnx", "model.keras", "model.pkl", "model.pt"])
@pytest.mark.parametrize("protocol", [2, 3, 4, 5])
def test_pickle_refused_under_any_name(rename, protocol):
    data = pickle.dumps({"weight": [1.0, 2.0]}, protocol=protocol)
    refused(data, rename, "Python pickle", "no code from a file is run", CONVERT)


def test_old_pickle_protocol_refused_by_its_name():
    refused(pickle.dumps({"w": 1}, protocol=0), "model.pkl", "Python pickle", CONVERT)


@pytest.mark.parametrize("rename", ["model.safetensors", "model.onnx", "model.keras", "model.pt"])
def test_pytorch_checkpoint_refused_under_any_name(rename):
    refused(fixture("checkpoint.pt"), rename, "PyTorch checkpoint", "no code from a file is run", CONVERT)


def test_torchscript_refused():
    refused(fixture("scripted.pt"), "model.pt", "TorchScript", "no code from a file is run", CONVERT)


def test_npz_with_object_arrays_refused():
    buffer = io.BytesIO()
    np.savez(buffer, w=np.array([{"a": 1}], dtype=object))
    refused(buffer.getvalue(), "weights.npz", "object arrays (pickles)", "no code from a file is run")


def test_plain_npz_refused_with_the_way_to_convert():
    buffer = io.BytesIO()
    np.savez(buffer, w=np.zeros((2, 2)))
    refused(buffer.getvalue(), "weights.npz", "without a model's structure", CONVERT)


def test_npy_as_model_refused():
    buffer = io.BytesIO()
    np.save(buffer, np.zeros((3, 2)))
    refused(buffer.getvalue(), "x.npy", "not a model file", "input sequence")


def test_keras_archive_without_weights_named_as_such():
    from tests.core.model.hostile import rezip

    data = rezip(fixture("keras_stack.keras"), {"model.weights.h5": None})
    refused(data, "model.keras", "not a Keras 3 archive", "member 'model.weights.h5'", "found missing")


def test_empty_file_refused():
    refused(b"", "model.onnx", "empty", "key 'model.onnx'", "found 0 bytes")


def test_size_checked_first():
    refused(b"\0" * 101, "model.onnx", "file too large", "found 101 bytes", "at most 100", limits=Limits(max_bytes=100))


def test_random_bytes_refused():
    rng = np.random.default_rng(11)
    for _ in range(30):
        refused(rng.bytes(int(rng.integers(1, 4000))), "model")


@pytest.mark.parametrize(
    "name",
    ["torch_lstm_bi.onnx", "keras_stack.keras", "keras_lstm_lstm.weights.h5", "checkpoint.pt", "scripted.pt"],
)
@pytest.mark.parametrize("cut", [1, 8, 64, 0.5, 0.99])
def test_truncated_files_refused(name, cut):
    data = fixture(name)
    refused(data[: cut if isinstance(cut, int) else int(len(data) * cut)], name)


def npy(values: np.ndarray, **kw) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, values, **kw)
    return buffer.getvalue()


def test_sequence_read_exactly():
    x = np.random.default_rng(1).normal(size=(12, 3)).astype(np.float32)
    out = read_sequence_npy(npy(x), LIMITS)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, x.astype(np.float64))
    np.testing.assert_array_equal(read_sequence_npy(npy(np.asfortranarray(x)), LIMITS), x.astype(np.float64))
    np.testing.assert_array_equal(read_sequence_npy(npy(x.astype(">f8")), LIMITS), x.astype(np.float64))


@pytest.mark.parametrize(
    ("data", "parts"),
    [
        (npy(np.array([[{"a": 1}]], dtype=object), allow_pickle=True), ["only float", "object"]),
        (npy(np.ones((4, 2), dtype=np.int64)), ["only float", "int64"]),
        (npy(np.ones(4)), ["two axes", "found (4,)", "(T, m)"]),
        (npy(np.ones((1001, 1))), ["sequence length", "found 1001", "1 to 1000"]),
        (npy(np.full((3, 2), np.nan)), ["NaN"]),
        (npy(np.ones((4, 2)))[:-8], ["not as long", "found 56 bytes", "expected 64"]),
        (b"not an npy", ["not an .npy file"]),
        (b"\x93NUMPY\x01\x00\x10\x00{'descr'", ["unreadable .npy header"]),
    ],
)
def test_sequence_refused(data, parts):
    with pytest.raises(ModelError) as info:
        read_sequence_npy(data, LIMITS)
    for part in parts:
        assert part in str(info.value), str(info.value)


def test_sequence_declaring_huge_shape_refused_before_reading():
    header = "{'descr': '<f8', 'fortran_order': False, 'shape': (500, 10000000), }"
    header += " " * (63 - len(header) % 64) + "\n"
    data = b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode() + b"\0" * 64
    with pytest.raises(ModelError, match="sequence width out of range"):
        read_sequence_npy(data, LIMITS)
