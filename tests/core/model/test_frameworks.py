"""PyTorch's own models, read from safetensors, against PyTorch's own forward pass and autograd Jacobians
(tests/fixtures/models, written by scripts/model_fixtures.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import load_file

from core.cells import lstm
from core.model import stack
from core.model.checks import Limits
from core.model.read_safetensors import parse_header, read_safetensors
from core.model.spec import Direction, Model

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "models"
TORCH = sorted(p.name.removesuffix(".reference.safetensors") for p in FIXTURES.glob("torch_*.reference.safetensors"))
STATES, LOG10 = 1e-12, 1e-9


def _load(name: str) -> tuple[Model, dict[str, np.ndarray]]:
    return read_safetensors((FIXTURES / f"{name}.safetensors").read_bytes()), load_file(
        FIXTURES / f"{name}.reference.safetensors"
    )


def _cells(model: Model) -> list[tuple[int, Direction]]:
    return [(i, d) for i, layer in enumerate(model.layers) for d in layer.directions]


def test_every_pytorch_kind_is_here() -> None:
    assert len(TORCH) == 9
    kinds = {(layer.kind, len(layer.cells)) for name in TORCH for layer in _load(name)[0].layers}
    assert kinds == {("rnn", 1), ("lstm", 1), ("lstm", 2), ("gru", 1)}


@pytest.mark.parametrize("name", TORCH)
def test_forward_states_equal_pytorch(name: str) -> None:
    model, ref = _load(name)
    x = ref["x"]
    np.testing.assert_array_equal(model.x, x)  # the file's own input sequence is the one PyTorch ran
    runs = stack.layer_inputs(model, x)
    assert len(runs) == len(model.layers)
    for i, run in enumerate(runs):
        np.testing.assert_allclose(run.outputs, ref[f"out.l{i}"], rtol=0, atol=STATES)
    for i, d in _cells(model):
        got = runs[i].states[model.layers[i].directions.index(d)]
        want = ref[f"states.l{i}.{d}"]
        n = got.shape[1]
        np.testing.assert_allclose(got, want[:, :n], rtol=0, atol=STATES)
        p, x_cell = stack.cell_params(model, i, d, x)
        if isinstance(p, lstm.LSTMParams):  # the cell state too
            np.testing.assert_allclose(lstm.forward(p, x_cell).c, want[:, n:], rtol=0, atol=STATES)


@pytest.mark.parametrize("name", TORCH)
def test_decay_heatmap_and_units_equal_pytorch_autograd(name: str) -> None:
    model, ref = _load(name)
    worst = 0.0
    for i, d in _cells(model):
        r = stack.run_layer(model, i, d, x=ref["x"])
        T = ref["x"].shape[0]
        assert r.pairs is not None and r.pairs.exact
        np.testing.assert_array_equal(r.pairs.rows, np.arange(T + 1))
        for got, want in ((r.decay, ref[f"decay.l{i}.{d}"]), (r.pairs.values, ref[f"pairs.l{i}.{d}"]),
                          (r.units, ref[f"units.l{i}.{d}"])):  # fmt: skip
            np.testing.assert_array_equal(np.isfinite(got), np.isfinite(want))
            np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
            live = np.isfinite(want)
            np.testing.assert_allclose(got[live], want[live], rtol=0, atol=LOG10)
            worst = max(worst, float(np.max(np.abs(got[live] - want[live]), initial=0.0)))
    print(f"{name}: largest log10 difference from PyTorch autograd {worst:.2e}")


def test_the_adding_problem_was_learnt() -> None:
    trained, _ = _load("torch_lstm_adding_trained")
    init, _ = _load("torch_lstm_adding_init")
    _, meta = parse_header((FIXTURES / "torch_lstm_adding_trained.safetensors").read_bytes(), Limits())
    assert float(meta["loss_after"]) < 0.01 < 0.1 < float(meta["loss_before"])
    assert trained.layers[0].cells[0].hidden == 16
    assert any("head.weight" in note for note in trained.notes)  # the linear head is named as ignored
    assert not np.array_equal(trained.layers[0].cells[0].Wh, init.layers[0].cells[0].Wh)


def test_reverse_direction_runs_backwards_in_time() -> None:
    """The reverse cell's index t is original time T + 1 - t: its state at its own step t is the layer
    output's second half at original time T + 1 - t."""
    model, ref = _load("torch_lstm_bi_2")
    runs = stack.layer_inputs(model, ref["x"])
    T, n = ref["x"].shape[0], model.layers[0].cells[1].hidden
    rev = runs[0].states[1]
    for t in range(1, T + 1):
        np.testing.assert_array_equal(runs[0].outputs[T - t, n:], rev[t])
    _, x_cell = stack.cell_params(model, 1, "reverse", ref["x"])
    np.testing.assert_array_equal(x_cell, runs[0].outputs[::-1])


@pytest.mark.parametrize("name", [n for n in TORCH if "lstm" in n])
def test_lstm_hidden_block_equals_pytorch(name: str) -> None:
    """dh_t/dh_k with c_k held fixed: the h block of the product of the full-state local Jacobians."""
    model, ref = _load(name)
    for i, d in _cells(model):
        p, x_cell = stack.cell_params(model, i, d, ref["x"])
        assert isinstance(p, lstm.LSTMParams)
        trace = lstm.forward(p, x_cell)
        T, n = x_cell.shape[0], p.h0.shape[0]
        for k in range(T + 1):
            P = np.eye(2 * n)
            for t in range(k, T + 1):
                if t > k:
                    P = lstm.local_jacobian(p, trace, t) @ P
                s = np.linalg.norm(P[:n, :n], 2)
                got = np.log10(s) if s > 0 else -np.inf
                assert got == pytest.approx(ref[f"pairs_h.l{i}.{d}"][t, k], abs=LOG10)
            assert got == pytest.approx(ref[f"decay_h.l{i}.{d}"][k], abs=LOG10)
