"""The ONNX reader against PyTorch's own outputs (exported files) and ONNX's reference evaluator (hand-made
float64 graphs), and its refusals, each naming the node or input, what was found and what was expected."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from core.model.checks import Limits, ModelError
from core.model.read_onnx import read_onnx
from tests.core.model import onnx_graphs as g
from tests.core.model.forward import run_model

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "models" / "read"
LIMITS = Limits()
X = np.random.default_rng(7).normal(0, 1.5, (9, 2))


@pytest.fixture(scope="module")
def expected() -> dict[str, np.ndarray]:
    with np.load(FIXTURES / "expected.npz", allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


@pytest.mark.parametrize(
    ("name", "kinds", "widths"),
    [
        ("torch_rnn_tanh", ["rnn"], [4]),
        ("torch_rnn_relu_bi", ["rnn", "rnn"], [8, 8]),
        ("torch_lstm_bi", ["lstm", "lstm"], [8, 8]),
        ("torch_gru_batch_first", ["gru", "gru"], [5, 5]),
    ],
)
def test_torch_exports_reproduce_torch(name, kinds, widths, expected):
    model = read_onnx((FIXTURES / f"{name}.onnx").read_bytes(), LIMITS)
    assert [layer.kind for layer in model.layers] == kinds
    assert [layer.outputs for layer in model.layers] == widths
    y = run_model(model, expected[f"{name}/x"])
    want = expected[f"{name}/y"].astype(np.float64)
    assert y.shape == want.shape
    assert np.abs(want).max() > 0.3  # the outputs are not all near zero
    scale = max(1.0, np.abs(want).max())
    assert np.max(np.abs(y - want)) < 1e-6 * scale, name  # float32 rounding of torch
    assert np.max(np.abs(y - expected[f"{name}/y64"])) < 1e-12 * scale, name  # torch in float64, same weights


def test_embedding_lookup_kept(expected):
    model = read_onnx((FIXTURES / "torch_embed_lstm.onnx").read_bytes(), LIMITS)
    assert model.embedding is not None and model.embedding.shape == (6, 3)
    assert any("embedding" in note for note in model.notes)
    y = run_model(model, model.embedding[expected["torch_embed_lstm/x"]])
    want = expected["torch_embed_lstm/y"]
    scale = max(1.0, np.abs(want).max())
    assert np.abs(want).max() > 0.3
    assert np.max(np.abs(y - want)) < 1e-6 * scale
    assert np.max(np.abs(y - expected["torch_embed_lstm/y64"])) < 1e-12 * scale


def test_no_embedding_without_a_lookup():
    assert read_onnx((FIXTURES / "torch_lstm_bi.onnx").read_bytes(), LIMITS).embedding is None


def test_relu_export_maps_to_relu():
    model = read_onnx((FIXTURES / "torch_rnn_relu_bi.onnx").read_bytes(), LIMITS)
    assert {layer.activation for layer in model.layers} == {"relu"}
    assert len(model.layers[0].cells) == 2


@pytest.mark.parametrize(
    ("op", "direction", "kw"),
    [
        ("LSTM", "forward", {"peep": True, "constants": True}),
        ("LSTM", "bidirectional", {"peep": True}),
        ("LSTM", "forward", {"drop": ("B",)}),
        ("GRU", "forward", {"linear_before_reset": 1}),
        ("GRU", "bidirectional", {"linear_before_reset": 0}),
        ("GRU", "forward", {}),
        ("RNN", "bidirectional", {}),
    ],
)
def test_hand_made_graphs_match_reference_evaluator(op, direction, kw):
    data = g.single(op, direction=direction, **kw)
    model = read_onnx(data, LIMITS)
    want = g.run(data, X)
    assert np.max(np.abs(run_model(model, X) - want)) < 1e-12
    if op == "GRU":
        assert model.layers[0].reset_after is bool(kw.get("linear_before_reset", 0))
    if kw.get("peep"):
        assert model.layers[0].cells[0].peep is not None


def test_stack_through_transpose_and_reshape():
    data = g.stack()
    model = read_onnx(data, LIMITS)
    assert [layer.kind for layer in model.layers] == ["gru", "lstm"]
    assert np.max(np.abs(run_model(model, X) - g.run(data, X))) < 1e-12


def test_update_gate_is_negated():
    arrays = g.weights("GRU", 3, 2, 1, 5)
    model = read_onnx(g.single("GRU", seed=5), LIMITS)
    cell = model.layers[0].cells[0]
    np.testing.assert_array_equal(cell.Wx[0], -arrays["W"][0, :3])
    np.testing.assert_array_equal(cell.Wx[1], arrays["W"][0, 3:6])
    np.testing.assert_array_equal(cell.bh[0], -arrays["B"][0, 9:12])


def test_zero_initial_state_accepted_nonzero_refused():
    zeros = numpy_helper.from_array(np.zeros((1, 1, 3)), "h0")
    ones = numpy_helper.from_array(np.ones((1, 1, 3)), "h1")
    for tensor, ok in ((zeros, True), (ones, False)):
        nodes, inits = g.node_parts(
            "GRU", "rnn", "X", g.weights("GRU", 3, 2, 1, 0), 3, extra_inputs={"initial_h": tensor.name}
        )
        data = g.model(nodes, [*inits, tensor], 2, "rnn_Y")
        if ok:
            assert np.max(np.abs(run_model(read_onnx(data, LIMITS), X) - g.run(data, X))) < 1e-12
        else:
            with pytest.raises(ModelError, match=r"initial_h.*h1.*non-zero"):
                read_onnx(data, LIMITS)


def refusal(data: bytes, *parts: str) -> str:
    with pytest.raises(ModelError) as info:
        read_onnx(data, LIMITS)
    message = str(info.value)
    for part in parts:
        assert part in message, message
    return message


def test_reverse_direction_refused():
    refusal(g.single("LSTM", direction="reverse"), "reads time backwards", "'rnn' direction", "found reverse")


@pytest.mark.parametrize(
    ("kw", "parts"),
    [
        ({"clip": 3.0}, ["clipping", "clip", "found 3.0"]),
        ({"input_forget": 1}, ["coupled", "input_forget"]),
        ({"activations": ["Tanh", "Tanh", "Tanh"]}, ["activations", "Sigmoid, Tanh, Tanh"]),
        ({"activations": ["HardSigmoid", "Tanh", "Tanh"], "activation_alpha": [0.2]}, ["activation_alpha"]),
    ],
)
def test_lstm_options_refused(kw, parts):
    refusal(g.single("LSTM", **kw), *parts)


def test_rnn_mixed_activations_refused():
    refusal(
        g.single("RNN", direction="bidirectional", activations=["Tanh", "Relu"]), "activations", "all Tanh or all Relu"
    )


def test_sequence_lens_refused():
    lens = numpy_helper.from_array(np.array([9], dtype=np.int32), "lens")
    nodes, inits = g.node_parts(
        "RNN", "rnn", "X", g.weights("RNN", 3, 2, 1, 0), 3, extra_inputs={"sequence_lens": "lens"}
    )
    refusal(g.model(nodes, [*inits, lens], 2, "rnn_Y"), "sequence_lens", "'lens'")


def test_weights_fed_at_run_time_refused():
    nodes, inits = g.node_parts("RNN", "rnn", "X", g.weights("RNN", 3, 2, 1, 0), 3)
    data = onnx.load_model_from_string(g.model(nodes, inits, 2, "rnn_Y"))
    data.graph.initializer.pop(0)  # W
    refusal(data.SerializeToString(), "stored in the file", "input W", "graph input fed at run time")


def replace_tensor(data: bytes, index: int, tensor: TensorProto) -> bytes:
    proto = onnx.load_model_from_string(data)
    tensor.name = proto.graph.initializer[index].name
    proto.graph.initializer[index].CopyFrom(tensor)
    return proto.SerializeToString()


def test_int_weights_refused():
    data = replace_tensor(g.single("RNN"), 1, numpy_helper.from_array(np.ones((1, 3, 3), dtype=np.int32)))
    refusal(data, "only float", "input R", "INT32")


def test_nan_weights_refused():
    w = g.weights("RNN", 3, 2, 1, 0)["W"]
    w[0, 1, 1] = np.nan
    refusal(replace_tensor(g.single("RNN"), 0, numpy_helper.from_array(w)), "NaN", "input W")


def test_wrong_shape_names_key_found_expected():
    data = replace_tensor(g.single("LSTM"), 1, numpy_helper.from_array(np.zeros((1, 12, 4))))
    refusal(data, "wrong shape", "input R", "found (1, 12, 4)", "expected (1, 12, 3)")


def test_stack_sizes_must_chain():
    first, i1 = g.node_parts("RNN", "a", "X", g.weights("RNN", 3, 2, 1, 0), 3)
    second, i2 = g.node_parts("RNN", "b", "a_Y", g.weights("RNN", 2, 4, 1, 1), 2)
    refusal(g.model(first + second, i1 + i2, 2, "b_Y"), "do not chain", "node 'b' input X", "found 4", "expected 3")


def test_operation_between_layers_refused():
    refusal(g.stack(between="Mul"), "only shape operations", "'extra'", "found Mul")


def test_permutation_mixing_directions_refused():
    refusal(g.stack(perm=(0, 3, 2, 1)), "units before directions", "'tr'")


def test_external_data_refused_before_reading(tmp_path):
    proto = onnx.load_model_from_string(g.single("RNN"))
    t = proto.graph.initializer[0]
    t.ClearField("raw_data")
    t.ClearField("double_data")
    t.data_location = TensorProto.EXTERNAL
    t.external_data.add(key="location", value="/etc/passwd")
    refusal(proto.SerializeToString(), "stored outside the file", "'/etc/passwd'", "save_as_external_data=False")


def test_declared_huge_tensor_refused():
    proto = onnx.load_model_from_string(g.single("RNN"))
    huge = TensorProto(name="huge", data_type=TensorProto.FLOAT, dims=[100_000, 100_000], raw_data=b"\0" * 16)
    proto.graph.initializer.append(huge)
    refusal(proto.SerializeToString(), "tensor too large", "'huge'", "shape (100000, 100000)")


def test_tensor_shorter_than_its_shape_refused():
    proto = onnx.load_model_from_string(g.single("RNN"))
    t = proto.graph.initializer[1]
    t.raw_data = t.raw_data[:-8]
    refusal(proto.SerializeToString(), "different number of values", "input R")


def test_size_limit_before_parsing():
    data = (FIXTURES / "torch_lstm_bi.onnx").read_bytes()
    refusal_limits = Limits(max_bytes=len(data) - 1)
    with pytest.raises(ModelError, match="file too large"):
        read_onnx(data, refusal_limits)


@pytest.mark.parametrize("cut", [0.1, 0.5, 0.9, 0.999])
def test_truncated_files_refused(cut):
    data = (FIXTURES / "torch_lstm_bi.onnx").read_bytes()
    with pytest.raises(ModelError):
        read_onnx(data[: int(len(data) * cut)], LIMITS)


def test_random_bytes_refused():
    rng = np.random.default_rng(3)
    for _ in range(20):
        with pytest.raises(ModelError):
            read_onnx(rng.bytes(int(rng.integers(1, 5000))), LIMITS)


def test_graph_without_recurrent_node_refused():
    x = helper.make_tensor_value_info("X", TensorProto.FLOAT, [1])
    graph = helper.make_graph([helper.make_node("Relu", ["X"], ["Y"])], "g", [x], [x])
    refusal(helper.make_model(graph).SerializeToString(), "no recurrent node", "Relu")


def test_parallel_layers_are_not_a_stack():
    first, i1 = g.node_parts("RNN", "a", "X", g.weights("RNN", 2, 2, 1, 0), 2)
    second, i2 = g.node_parts("RNN", "b", "X", g.weights("RNN", 2, 2, 1, 1), 2)
    refusal(g.model(first + second, i1 + i2, 2, "b_Y"), "do not form a stack", "node 'b' input X", "input 'X'")


def test_next_layer_reading_final_state_refused():
    first, i1 = g.node_parts("RNN", "a", "X", g.weights("RNN", 2, 2, 1, 0), 2)
    first[-1].output.append("a_Yh")
    second, i2 = g.node_parts("RNN", "b", "a_Yh", g.weights("RNN", 2, 2, 1, 1), 2)
    refusal(g.model(first + second, i1 + i2, 2, "b_Y"), "full output sequence", "found output 1")


def test_batch_first_layout():
    from onnx.reference import ReferenceEvaluator

    data = g.single("GRU", direction="bidirectional", layout=1, linear_before_reset=1)
    (y,) = ReferenceEvaluator(onnx.load_model_from_string(data)).run(None, {"X": X[None]})
    want = np.asarray(y)[0].reshape(X.shape[0], -1)  # (batch, time, directions, units)
    assert np.max(np.abs(run_model(read_onnx(data, LIMITS), X) - want)) < 1e-12
