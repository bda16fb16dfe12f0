"""A loaded stack's knobs, inputs, summary and content id."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import onnx
import onnx.numpy_helper
import pytest
from safetensors.numpy import load_file, save

from core import weights
from core.activations import sigmoid
from core.cells import gru, lstm
from core.model import stack
from core.model.identity import canonical_id, serialize
from core.model.read_safetensors import read_safetensors
from core.model.spec import Cell, Layer, Model

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "models"


def _read(name: str) -> Model:
    return read_safetensors((FIXTURES / f"{name}.safetensors").read_bytes())


def test_scale_acts_on_one_layer_only() -> None:
    model = _read("torch_lstm_bi_2")
    x = model.x
    assert x is not None
    p1, x1 = stack.cell_params(model, 1, "reverse", x)
    p2, x2 = stack.cell_params(model, 1, "reverse", x, scale=0.5)
    np.testing.assert_array_equal(x1, x2)  # the layer below is as trained
    assert isinstance(p1, lstm.LSTMParams) and isinstance(p2, lstm.LSTMParams)
    np.testing.assert_array_equal(p2.Wh, 0.5 * model.layers[1].cells[1].Wh)
    np.testing.assert_array_equal(p2.Wx, p1.Wx)
    np.testing.assert_array_equal(p2.b, p1.b)
    r1 = stack.run_layer(model, 1, "reverse", scale=1.0)
    r2 = stack.run_layer(model, 1, "reverse", scale=0.5)
    assert not np.allclose(r1.decay, r2.decay)


def test_forget_shift_and_update_shift() -> None:
    model = _read("torch_lstm")
    assert model.x is not None
    p, _ = stack.cell_params(model, 0, "forward", model.x, forget_shift=2.0)
    cell = model.layers[0].cells[0]
    assert isinstance(p, lstm.LSTMParams)
    np.testing.assert_array_equal(p.b[0], cell.bx[0] + cell.bh[0] + 2.0)
    np.testing.assert_array_equal(p.b[1:], cell.bx[1:] + cell.bh[1:])
    up = stack.run_layer(model, forget_shift=3.0).summary["sigmoid_forget_bias"]
    assert up > stack.run_layer(model).summary["sigmoid_forget_bias"]
    grus = _read("torch_gru")
    carry = [stack.run_layer(grus, update_shift=s).summary["sigmoid_minus_update_bias"] for s in (-2.0, 0.0, 2.0)]
    assert carry[0] > carry[1] > carry[2]  # like the synthetic update_bias: higher, smaller carry 1 - z
    mean_z = [stack.run_layer(grus, update_shift=s).summary["mean_update_gate"] for s in (-2.0, 2.0)]
    assert mean_z[0] < mean_z[1]


def test_reset_after_candidate_bias_stays_inside() -> None:
    model = _read("torch_gru")
    assert model.x is not None
    p, _ = stack.cell_params(model, 0, "forward", model.x)
    cell = model.layers[0].cells[0]
    assert isinstance(p, gru.GRUParams) and p.reset_after and p.b_hn is not None
    np.testing.assert_array_equal(p.b_hn, cell.bh[2])
    np.testing.assert_array_equal(p.b[2], cell.bx[2])
    np.testing.assert_array_equal(p.b[:2], cell.bx[:2] + cell.bh[:2])


def test_the_input_sequence() -> None:
    model = _read("torch_gru")
    assert model.x is not None
    np.testing.assert_array_equal(stack.model_input(model), model.x)
    np.testing.assert_array_equal(stack.model_input(model, 5), model.x[:5])
    with pytest.raises(ValueError, match=r"steps: 13, expected 1\.\.12"):
        stack.model_input(model, 13)
    bare = replace(model, x=None)
    np.testing.assert_array_equal(stack.model_input(bare, 30, 4, 2.0), weights.inputs(4, 30, 3, 2.0))
    assert stack.model_input(bare).shape == (stack.DEFAULT_STEPS, 3)
    r = stack.run_layer(bare, steps=40, seed=4)
    assert r.decay.shape == (41,)
    np.testing.assert_array_equal(r.arrays["u"], weights.probe(4, 5))
    with pytest.raises(ValueError, match=r"layer: 1, expected 0\.\.0"):
        stack.run_layer(model, 1)
    with pytest.raises(ValueError, match="direction: 'reverse'"):
        stack.run_layer(model, 0, "reverse")
    with pytest.raises(ValueError, match=r"expected \(T, 3\)"):
        stack.layer_inputs(model, np.zeros((4, 2)))


def test_summary() -> None:
    model = _read("torch_lstm_bi_2")
    rows = stack.summary(model)
    assert [(s.layer, s.direction, s.n, s.m) for s in rows] == [
        (0, "forward", 5, 3), (0, "reverse", 5, 3), (1, "forward", 5, 10), (1, "reverse", 5, 10)
    ]  # fmt: skip
    cell = model.layers[1].cells[1]
    s = rows[3]
    assert s.kind == "lstm" and s.gates == ("f", "i", "c", "o")
    assert s.spectral_radius["c"] == pytest.approx(np.max(np.abs(np.linalg.eigvals(cell.Wh[2]))), rel=1e-12)
    assert s.sigma_max["o"] == pytest.approx(np.linalg.norm(cell.Wh[3], 2), rel=1e-12)
    assert s.recurrent_sigma_max == pytest.approx(np.linalg.norm(cell.Wh.reshape(20, 5), 2), rel=1e-12)
    assert s.bias_mean["f"] == pytest.approx(np.mean(cell.bx[0] + cell.bh[0]), rel=1e-12)
    assert s.forget_at_bias == pytest.approx(np.mean(sigmoid(cell.bx[0] + cell.bh[0])), rel=1e-12)
    g = stack.summary(_read("torch_gru"))[0]
    c = _read("torch_gru").layers[0].cells[0]
    assert g.forget_at_bias == pytest.approx(np.mean(sigmoid(-(c.bx[0] + c.bh[0]))), rel=1e-12)
    assert stack.summary(_read("torch_rnn_tanh"))[0].forget_at_bias is None


def _onnx_gru(name: str) -> Model:
    """An exported GRU's ONNX initializers mapped inline: W (1, 3n, m), R (1, 3n, n), B (1, 6n) in z, r, h
    order, h = (1 - z) h~ + z h_{t-1}: the update gate negated, linear_before_reset = 1."""
    graph = onnx.load(FIXTURES / f"{name}.onnx")
    init = {i.name: onnx.numpy_helper.to_array(i).astype(np.float64) for i in graph.graph.initializer}
    layers = []
    for node in (n for n in graph.graph.node if n.op_type == "GRU"):
        assert [a.i for a in node.attribute if a.name == "linear_before_reset"] == [1]
        W, R, B = (init[node.input[i]][0] for i in (1, 2, 3))
        n = R.shape[1]
        Wx, Wh = W.reshape(3, n, -1).copy(), R.reshape(3, n, n).copy()
        bx, bh = B[: 3 * n].reshape(3, n).copy(), B[3 * n :].reshape(3, n).copy()
        for a in (Wx, Wh, bx, bh):
            a[0] = -a[0]
        layers.append(Layer("gru", (Cell(Wh, Wx, bx, bh),)))
    return Model(tuple(layers), "onnx")


def test_canonical_id_is_the_same_for_the_same_numbers() -> None:
    data = (FIXTURES / "torch_gru_2.safetensors").read_bytes()
    a, b = read_safetensors(data), read_safetensors(data)
    assert canonical_id(a) == canonical_id(b) and len(canonical_id(a)) == 64
    assert canonical_id(a) == canonical_id(_onnx_gru("torch_gru_2"))  # safetensors and ONNX of one model
    w = load_file(FIXTURES / "torch_gru_2.safetensors")
    moved = {"other." + k.removeprefix("gru."): v for k, v in reversed(w.items()) if k != "x"}
    assert canonical_id(read_safetensors(save(moved))) == canonical_id(a)  # keys, order, prefix, x: not numbers
    assert canonical_id(replace(a, x=None, notes=("x",), source="onnx")) == canonical_id(a)


def test_canonical_id_differs_for_different_numbers() -> None:
    assert canonical_id(_read("torch_lstm_adding_trained")) != canonical_id(_read("torch_lstm_adding_init"))
    w = load_file(FIXTURES / "torch_gru.safetensors")
    base = canonical_id(read_safetensors(save(w)))
    w["weight_hh_l0"] = w["weight_hh_l0"].copy()
    w["weight_hh_l0"][2, 3] = np.nextafter(w["weight_hh_l0"][2, 3], np.float32(np.inf))
    assert canonical_id(read_safetensors(save(w))) != base
    model = read_safetensors(save(load_file(FIXTURES / "torch_gru.safetensors")))
    before = replace(model, layers=(replace(model.layers[0], reset_after=False),))
    assert canonical_id(before) != base
    rnn = _read("torch_rnn_tanh")
    assert canonical_id(replace(rnn, layers=(replace(rnn.layers[0], activation="relu"),))) != canonical_id(rnn)


def test_canonical_bytes_are_documented_ones() -> None:
    """The serialization of a one-cell RNN, spelled out."""
    cell = Cell(np.array([[[-0.0]]]), np.array([[[2.0, 3.0]]]), np.array([[1.0]]), np.array([[0.5]]))
    model = Model((Layer("rnn", (cell,), activation="relu"),), "training")

    def f8(*v: float) -> bytes:
        return np.array(v, dtype="<f8").tobytes()

    expected = (b"bptt-model/1\nlayers 1\nlayer 0 rnn relu - 1\n" + b"Wh 1x1x1\n" + f8(0.0) + b"Wx 1x1x2\n"
                + f8(2.0, 3.0) + b"b 1x1\n" + f8(1.5) + b"peep none\n")  # fmt: skip
    assert serialize(model) == expected


def test_peepholes_pass_through_and_enter_the_id() -> None:
    rng = np.random.default_rng(3)
    n, m = 4, 2
    cell = Cell(rng.standard_normal((4, n, n)) / 2, rng.standard_normal((4, n, m)), rng.standard_normal((4, n)),
                rng.standard_normal((4, n)), rng.standard_normal((3, n)))  # fmt: skip
    model = Model((Layer("lstm", (cell,)),), "onnx")
    x = rng.standard_normal((9, m))
    p, _ = stack.cell_params(model, 0, "forward", x, scale=2.0)
    assert isinstance(p, lstm.LSTMParams) and p.peep is cell.peep  # the scale leaves the peepholes as trained
    trace = lstm.forward(p, x)
    np.testing.assert_array_equal(stack.layer_inputs(model, x)[0].states[0], lstm.forward(replace(p, Wh=cell.Wh), x).h)
    assert np.isfinite(stack.run_layer(model, x=x, scale=2.0).decay).all() and trace.h.shape == (10, n)
    bare = Model((Layer("lstm", (replace(cell, peep=None),)),), "onnx")
    assert canonical_id(bare) != canonical_id(model)
    zero = Model((Layer("lstm", (replace(cell, peep=np.zeros((3, n))),)),), "onnx")
    assert canonical_id(zero) != canonical_id(bare)  # peep presence is part of the id, as documented
