"""The Keras and ONNX fixtures agree with their references: Keras's weights (read here with h5py and mapped
inline, Keras's gate orders and conventions) give Keras's own states and autograd Jacobians through the
explorer's cells, and ONNX's reference runtime reproduces PyTorch's outputs from the exported graphs."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import h5py  # type: ignore[import-untyped]
import numpy as np
import onnx
import onnx.numpy_helper
import pytest
from onnx.reference import ReferenceEvaluator
from safetensors.numpy import load_file

from core.model import stack
from core.model.spec import Cell, Layer, Model

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "models"
KERAS = ["keras_lstm", "keras_gru_after", "keras_gru_before", "keras_simplernn"]
ONNX = sorted(p.stem for p in FIXTURES.glob("torch_*.onnx"))
NO_RUNTIME = {"torch_rnn_relu_2"}  # onnx.reference's RNN knows tanh and affine only; its weights are checked instead


def keras_model(name: str) -> Model:
    """Keras's kernel (m, G n), recurrent kernel (n, G n) and bias as a canonical model, mapped here."""
    with h5py.File(FIXTURES / f"{name}.weights.h5", "r") as f:
        (layer_name,) = f["layers"].keys()
        vars_ = f[f"layers/{layer_name}/cell/vars"]
        kernel, recurrent, bias = (np.asarray(vars_[str(i)], dtype=np.float64) for i in range(3))
    m, Gn = kernel.shape
    n = recurrent.shape[0]
    G = Gn // n
    Wx = kernel.T.reshape(G, n, m)
    Wh = recurrent.T.reshape(G, n, n)
    bx, bh = (
        (bias[0].reshape(G, n), bias[1].reshape(G, n)) if bias.ndim == 2 else (bias.reshape(G, n), np.zeros((G, n)))
    )
    if name == "keras_lstm":  # i, f, c, o -> f, i, c, o
        order = [1, 0, 2, 3]
        Wx, Wh, bx, bh = (np.ascontiguousarray(a[order]) for a in (Wx, Wh, bx, bh))
        return Model((Layer("lstm", (Cell(Wh, Wx, bx, bh),)),), "keras")
    if name.startswith("keras_gru"):  # z, r, h already; h_t = z h + (1 - z) h~: negate the update gate
        for a in (Wx, Wh, bx, bh):
            a[0] = -a[0]
        return Model((Layer("gru", (Cell(Wh, Wx, bx, bh),), reset_after=name == "keras_gru_after"),), "keras")
    return Model((Layer("rnn", (Cell(Wh, Wx, bx, bh),), activation="tanh"),), "keras")


@pytest.mark.parametrize("name", KERAS)
def test_keras_weights_give_keras_states_and_jacobians(name: str) -> None:
    model, ref = keras_model(name), load_file(FIXTURES / f"{name}.reference.safetensors")
    x = ref["x"]
    run = stack.layer_inputs(model, x)[0]
    np.testing.assert_allclose(run.outputs, ref["out.l0"], rtol=0, atol=1e-12)
    r = stack.run_layer(model, 0, "forward", x=x)
    assert r.pairs is not None
    worst = 0.0
    for got, want in ((r.decay, ref["decay.l0.forward"]), (r.pairs.values, ref["pairs.l0.forward"]),
                      (r.units, ref["units.l0.forward"])):  # fmt: skip
        np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
        live = np.isfinite(want)
        np.testing.assert_allclose(got[live], want[live], rtol=0, atol=1e-9)
        worst = max(worst, float(np.max(np.abs(got[live] - want[live]))))
    print(f"{name}: largest log10 difference from Keras autograd {worst:.2e}")


def test_the_two_keras_grus_differ_only_by_the_reset() -> None:
    after, before = keras_model("keras_gru_after"), keras_model("keras_gru_before")
    x = load_file(FIXTURES / "keras_gru_after.reference.safetensors")["x"]
    swapped = Model((Layer("gru", after.layers[0].cells, reset_after=False),), "keras")
    assert not np.allclose(stack.layer_inputs(after, x)[0].outputs, stack.layer_inputs(swapped, x)[0].outputs)
    assert before.layers[0].cells[0].bh.any() == 0  # reset before: Keras keeps one bias


@pytest.mark.parametrize("name", sorted(set(ONNX) - NO_RUNTIME))
def test_onnx_exports_reproduce_pytorch(name: str) -> None:
    graph = onnx.load(FIXTURES / f"{name}.onnx")
    assert not any(i.data_location == onnx.TensorProto.EXTERNAL for i in graph.graph.initializer)
    assert {n.op_type for n in graph.graph.node} & {"RNN", "LSTM", "GRU"}  # fused nodes
    ref = load_file(FIXTURES / f"{name}.reference.safetensors")
    top = max(int(k.removeprefix("out.l")) for k in ref if k.startswith("out.l"))
    x = ref["x"][:, None, :].astype(np.float32)
    outs = ReferenceEvaluator(graph).run(None, {graph.graph.input[0].name: x})
    out = np.asarray(cast(list[Any], outs)[0])[:, 0]
    np.testing.assert_allclose(out, ref[f"out.l{top}"], rtol=0, atol=1e-5)  # float32 graph


def test_the_relu_rnn_export_holds_pytorchs_weights() -> None:
    graph = onnx.load(FIXTURES / "torch_rnn_relu_2.onnx")
    nodes = [n for n in graph.graph.node if n.op_type == "RNN"]
    assert [a.strings for n in nodes for a in n.attribute if a.name == "activations"] == [[b"Relu"]] * 2
    init = {i.name: onnx.numpy_helper.to_array(i) for i in graph.graph.initializer}
    weights = load_file(FIXTURES / "torch_rnn_relu_2.safetensors")
    for layer, node in enumerate(nodes):
        np.testing.assert_array_equal(init[node.input[1]][0], weights[f"weight_ih_l{layer}"])
        np.testing.assert_array_equal(init[node.input[2]][0], weights[f"weight_hh_l{layer}"])
