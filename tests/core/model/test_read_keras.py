"""The Keras reader against Keras's own outputs (files saved by Keras 3), and its refusals of options it cannot
reproduce and of hostile archives and HDF5 files."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from core.model.checks import Limits, ModelError
from core.model.read_keras import read_keras
from tests.core.model import hostile as h
from tests.core.model.forward import run_model

LIMITS = Limits()


@pytest.fixture(scope="module")
def expected() -> dict[str, np.ndarray]:
    with np.load(h.FIXTURES / "expected.npz", allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


# Keras computed these in float64 exactly (its LSTM and reset-after GRU run PyTorch's fused kernels). Its other
# recurrences multiply float64 tensors in float32: keras.src.backend.common.dtypes.result_type(torch.float64,
# torch.float64) is float32 in Keras 3.15's torch backend; those are checked against the float32 outputs only.
FLOAT64_EXACT = {"keras_lstm_lstm", "keras_embed_gru"}


def close(model, x, expected, name) -> float:
    """The float64 forward of the read model against Keras's float32 outputs (to float32 rounding) and, where
    Keras computes float64 exactly, against its float64 outputs (to float64 rounding)."""
    want = expected[f"{name}/y"]
    y = run_model(model, x)
    assert y.shape == want.shape
    scale = max(1.0, float(np.abs(want).max()))
    assert np.abs(want).max() > 0.1  # the outputs are not all near zero
    gap = float(np.max(np.abs(y - want)))
    assert gap < 1e-6 * scale, gap  # float32 rounding of Keras
    if name in FLOAT64_EXACT:
        assert float(np.max(np.abs(y - expected[f"{name}/y64"]))) < 1e-12 * scale
    return gap


def test_functional_stack_reproduces_keras(expected):
    model = read_keras(h.fixture("keras_stack.keras"), LIMITS)
    assert [(layer.kind, len(layer.cells)) for layer in model.layers] == [("lstm", 1), ("gru", 1), ("rnn", 2)]
    assert model.layers[1].reset_after is False
    assert model.layers[2].activation == "relu"
    assert any("Dense" in note for note in model.notes)
    close(model, expected["keras_stack/x"], expected, "keras_stack")


def test_simple_rnn_layers_reproduce_keras(expected):
    model = read_keras(h.fixture("keras_simple_rnn.keras"), LIMITS)
    assert [(layer.kind, layer.activation) for layer in model.layers] == [("rnn", "tanh"), ("rnn", "relu")]
    close(model, expected["keras_simple_rnn/x"], expected, "keras_simple_rnn")


def test_embedding_and_gru_reproduce_keras(expected):
    model = read_keras(h.fixture("keras_embed_gru.keras"), LIMITS)
    assert model.embedding is not None and model.embedding.shape == (6, 3)
    assert model.layers[0].reset_after is True
    assert any("Dropout" in note for note in model.notes)
    tokens = expected["keras_embed_gru/x"]
    close(model, model.embedding[tokens], expected, "keras_embed_gru")


def test_bare_weights_bidirectional_lstm_then_gru(expected):
    model = read_keras(h.fixture("keras_bi_lstm_gru.weights.h5"), LIMITS)
    assert [(layer.kind, len(layer.cells)) for layer in model.layers] == [("lstm", 2), ("gru", 1)]
    assert model.layers[1].reset_after is False  # told by the bias's shape (3n,)
    assert any("weights file alone" in note for note in model.notes)
    close(model, expected["keras_bi_lstm_gru/x"], expected, "keras_bi_lstm_gru")


def test_bare_weights_two_lstms_in_keras_numbering(expected):
    model = read_keras(h.fixture("keras_lstm_lstm.weights.h5"), LIMITS)
    x, want = expected["keras_lstm_lstm/x"], expected["keras_lstm_lstm/y"]
    close(model, x, expected, "keras_lstm_lstm")
    swapped = dataclasses.replace(model, layers=model.layers[::-1])
    assert np.max(np.abs(run_model(swapped, x) - want)) > 1e-2  # the order is told, not a coincidence


def test_update_gate_negated_and_kernel_transposed():
    import io

    import h5py  # type: ignore[import-untyped]

    data = h.fixture("keras_bi_lstm_gru.weights.h5")
    with h5py.File(io.BytesIO(data), "r") as f:
        kernel = f["layers/gru/cell/vars/0"][()].astype(np.float64)
        bias = f["layers/gru/cell/vars/2"][()].astype(np.float64)
    cell = read_keras(data, LIMITS).layers[1].cells[0]
    np.testing.assert_array_equal(cell.Wx[0], -kernel[:, :5].T)
    np.testing.assert_array_equal(cell.Wx[2], kernel[:, 10:].T)
    np.testing.assert_array_equal(cell.bx[0], -bias[:5])
    np.testing.assert_array_equal(cell.bh, np.zeros((3, 5)))


def refused(data: bytes, *parts: str) -> str:
    with pytest.raises(ModelError) as info:
        read_keras(data, LIMITS)
    message = str(info.value)
    for part in parts:
        assert part in message, message
    return message


def config_change(change) -> bytes:
    return h.edit_config(h.fixture("keras_stack.keras"), change)


@pytest.mark.parametrize(
    ("change", "parts"),
    [
        (
            lambda c: h.layer_config(c, "LSTM")["config"].update(recurrent_activation="hard_sigmoid"),
            ["default activations", "hard_sigmoid"],
        ),
        (lambda c: h.layer_config(c, "GRU")["config"].update(activation="relu"), ["default activations", "relu"]),
        (
            lambda c: h.layer_config(c, "Bidirectional")["config"]["layer"]["config"].update(activation="elu"),
            ["not read exactly", "elu"],
        ),
        (
            lambda c: h.layer_config(c, "LSTM")["config"].update(go_backwards=True),
            ["reads time backwards", "go_backwards"],
        ),
        (
            lambda c: h.layer_config(c, "Bidirectional")["config"].update(merge_mode="sum"),
            ["concatenated", "merge_mode", "sum"],
        ),
        (
            lambda c: h.layer_config(c, "GRU")["config"].update(reset_after=True),
            ["reset_after", "layers/gru/cell/vars/2", "(9,)"],
        ),
        (lambda c: h.layer_config(c, "LSTM").update(class_name="Conv1D"), ["before the recurrent layers", "Conv1D"]),
        (
            lambda c: h.layer_config(c, "GRU")["inbound_nodes"][0]["args"][0]["config"].update(
                keras_history=["input_layer", 0, 0]
            ),
            ["chain", "inbound_nodes"],
        ),
        (lambda c: c.update(class_name="MyModel"), ["Sequential and Functional", "MyModel"]),
    ],
)
def test_config_options_refused(change, parts):
    refused(config_change(change), *parts)


def test_recurrent_layer_after_dense_refused():
    def dense_between(c) -> None:
        layers = c["config"]["layers"]
        dense = h.layer_config(c, "Dense")
        layers.remove(dense)
        layers.insert(3, dense)  # InputLayer, LSTM, GRU, Dense, Bidirectional
        dense["inbound_nodes"][0]["args"][0]["config"]["keras_history"] = ["gru", 0, 0]
        h.layer_config(c, "Bidirectional")["inbound_nodes"][0]["args"][0]["config"]["keras_history"] = ["dense", 0, 0]

    refused(
        config_change(dense_between),
        "after a layer that changes the numbers",
        "'bidirectional'",
        "found layer 'dense' (Dense)",
    )


def test_masking_embedding_refused():
    data = h.edit_config(
        h.fixture("keras_embed_gru.keras"), lambda c: h.layer_config(c, "Embedding")["config"].update(mask_zero=True)
    )
    refused(data, "masking", "mask_zero")


def test_missing_weights_member_refused():
    refused(
        h.rezip(h.fixture("keras_stack.keras"), {"model.weights.h5": None}), "not a Keras 3 archive", "model.weights.h5"
    )


def test_missing_dataset_refused():
    data = h.edit_weights_in_keras(h.fixture("keras_stack.keras"), lambda f: f.__delitem__("layers/gru/cell/vars/1"))
    refused(data, "weights missing", "layers/gru/cell/vars/1")


BARE = "keras_lstm_lstm.weights.h5"


@pytest.mark.parametrize(
    ("change", "parts"),
    [
        (h.external_link, ["link to another file", "/etc/other.h5"]),
        (h.soft_link, ["soft link", "layers/lstm_2"]),
        (h.virtual_dataset, ["virtual dataset"]),
        (h.external_dataset, ["stored in another file", "/etc/raw.bin"]),
        (h.ten_gigabytes, ["dataset too large", "2500000000 numbers"]),
        (h.unwritten, ["declares more numbers than the file stores", "8000000 bytes"]),
        (h.unwritten_compressed, ["holds no data"]),
        (h.replace_dataset("layers/lstm/cell/vars/1", np.ones((4, 16), dtype=np.int32)), ["only float", "int32"]),
        (
            h.replace_dataset("layers/lstm/cell/vars/1", np.full((4, 16), np.nan, dtype=np.float32)),
            ["NaN", "layers/lstm/cell/vars/1"],
        ),
        (
            h.replace_dataset("layers/lstm/cell/vars/1", np.zeros((4, 15), dtype=np.float32)),
            ["wrong shape", "found (4, 15)", "expected (4, 16)"],
        ),
        (h.replace_dataset("layers/lstm/cell/vars/1", np.zeros((4,), dtype=[("a", "f4")])), ["only float"]),
    ],
)
def test_hostile_hdf5_refused(change, parts):
    refused(h.edit_h5(h.fixture(BARE), change), *parts)


def test_hostile_hdf5_inside_keras_archive_refused():
    refused(h.edit_weights_in_keras(h.fixture("keras_stack.keras"), h.external_link), "link to another file")


def test_zip_bomb_refused():
    data = h.bomb(20 * 2**20)
    assert len(data) < 200_000
    refused(data, "zip bomb", "member 'config.json'")


def test_declared_size_beyond_limit_refused():
    data = h.declared_size(h.fixture("keras_stack.keras"), "config.json", 4_000_000_000)
    refused(data, "too large when inflated", "member 'config.json'", "4000000000 bytes")


def test_member_inflating_past_its_declared_size_refused():
    data = h.declared_size(h.bomb(2 * 2**20), "config.json", 200_000)
    refused(data, "unreadable archive member", "member 'config.json'")


@pytest.mark.parametrize("name", ["keras_stack.keras", "keras_embed_gru.keras", BARE])
@pytest.mark.parametrize("cut", [0.05, 0.5, 0.95, 0.999])
def test_truncated_files_refused(name, cut):
    data = h.fixture(name)
    refused(data[: int(len(data) * cut)])


def test_layers_that_do_not_chain_refused():
    def grow(f) -> None:
        for path, shape in (("layers/lstm_1/cell/vars/0", (5, 16)),):
            del f[path]
            f.create_dataset(path, data=np.zeros(shape, dtype=np.float32))

    refused(h.edit_h5(h.fixture(BARE), grow), "order of the layers cannot be told", "0 orders")


def test_bidirectional_directions_must_read_their_way():
    def flip(c) -> None:
        h.layer_config(c, "Bidirectional")["config"]["backward_layer"]["config"].update(go_backwards=False)

    refused(config_change(flip), "backward layer backwards", "go_backwards", "found [False, False]")


def test_bidirectional_without_backward_config_reads_the_forward_one_backwards(expected):
    data = config_change(lambda c: h.layer_config(c, "Bidirectional")["config"].pop("backward_layer"))
    close(read_keras(data, LIMITS), expected["keras_stack/x"], expected, "keras_stack")


def test_deeply_nested_config_refused():
    refused(h.rezip(h.fixture("keras_stack.keras"), {"config.json": b"[" * 200_000}), "config.json")


def test_too_many_members_refused():
    extra: dict[str, bytes | None] = {f"assets/{i}": b"" for i in range(70)}
    refused(h.rezip(h.fixture("keras_stack.keras"), extra), "too many files", "found 73")


def test_legacy_keras2_file_refused():
    def legacy(f) -> None:
        f.move("layers", "model_weights")

    refused(h.edit_h5(h.fixture(BARE), legacy), "legacy Keras 2", "model.keras")


def test_signalling_nan_refused_as_nan():
    values = np.zeros((4, 16), dtype=np.float32)
    values.view(np.uint32)[1, 2] = 0x7F800001  # a signalling NaN, whose cast to float64 raises FE_INVALID
    refused(h.edit_h5(h.fixture(BARE), h.replace_dataset("layers/lstm/cell/vars/1", values)), "NaN")


def test_hard_link_cycles_walked_once(expected):
    def cycle(f) -> None:
        f["layers/lstm/cell/loop"] = f["layers"]  # a group holding its own ancestor
        f["layers/lstm/cell/vars/again"] = f["layers/lstm/cell/vars"]

    model = read_keras(h.edit_h5(h.fixture(BARE), cycle), LIMITS)
    close(model, expected["keras_lstm_lstm/x"], expected, "keras_lstm_lstm")
