"""BPTT of the training models against central finite differences of an independent step-by-step forward."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from core.training import models, tasks
from tests.core.training import reference

H = 1e-6  # central-difference step; truncation and rounding errors both ~1e-10 relative here


def _setup(
    model: models.ModelName, task: tasks.TaskName, lag: int = 4, hidden: int = 3, batch: int = 2
) -> tuple[dict[str, np.ndarray], tasks.Batch]:
    info = tasks.info(task, lag)
    rng = np.random.default_rng(7)
    p = models.init(model, info.inputs, hidden, info.outputs, 1.0, rng)
    p = {k: v + 0.3 * rng.standard_normal(v.shape) for k, v in p.items()}  # no zero biases: every term counts
    data = tasks.batch(task, lag, batch, rng)
    return p, data


def _split(p: dict[str, np.ndarray]) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    cell = {k: p[k] for k in models.CELL_PARAMS}
    return cell, {"V": p["V"], "c": p["c"]}


def _fd(f: Callable[[], float], arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Central differences of f() with respect to every entry of the given arrays (perturbed in place)."""
    out = {}
    for name, a in arrays.items():
        g = np.zeros_like(a)
        for idx in np.ndindex(a.shape):
            keep = a[idx]
            a[idx] = keep + H
            up = f()
            a[idx] = keep - H
            down = f()
            a[idx] = keep
            g[idx] = (up - down) / (2 * H)
        out[name] = g
    return out


def _rel(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(a - b)) / max(float(np.linalg.norm(a)), float(np.linalg.norm(b)), 1e-300)


@pytest.mark.parametrize("task", ["adding", "recall"])
@pytest.mark.parametrize("model", ["rnn", "lstm", "gru"])
def test_gradients_match_finite_differences(model: models.ModelName, task: tasks.TaskName) -> None:
    p, data = _setup(model, task)
    T = data.x.shape[0]
    tr = models.forward(model, p, data.x)
    loss, dout, _ = tasks.loss(task, tr.out, data.target)
    g = models.backward(model, p, tr, dout, far_until=2)
    cell, readout = _split(p)

    def f() -> float:
        return reference.loss(model, task, [cell] * T, readout, data.x, data.target)

    assert f() == pytest.approx(loss, rel=1e-12)
    numeric = _fd(f, {**cell, **readout})
    for name, value in numeric.items():
        assert _rel(g.grads[name], value) < 1e-6, name


@pytest.mark.parametrize("model", ["rnn", "lstm", "gru"])
def test_far_part_is_the_gradient_of_the_far_steps_parameters(model: models.ModelName) -> None:
    """Steps 1..far_until given their own copy of the cell: its gradient is the far part, the rest the near."""
    p, data = _setup(model, "adding", lag=5)
    T = data.x.shape[0]
    tr = models.forward(model, p, data.x)
    _, dout, _ = tasks.loss("adding", tr.out, data.target)
    g = models.backward(model, p, tr, dout, far_until=2)
    cell, readout = _split(p)
    far = {k: v.copy() for k, v in cell.items()}
    f = lambda: reference.loss(model, "adding", [far] * 2 + [cell] * (T - 2), readout, data.x, data.target)  # noqa: E731
    numeric = _fd(f, far)
    for name in models.CELL_PARAMS:
        assert _rel(g.far[name], numeric[name]) < 1e-6, name
        assert np.linalg.norm(g.far[name]) > 0


@pytest.mark.parametrize("model", ["rnn", "lstm", "gru"])
def test_state_gradients_match_finite_differences(model: models.ModelName) -> None:
    p, data = _setup(model, "recall", lag=3)
    tr = models.forward(model, p, data.x)
    _, dout, _ = tasks.loss("recall", tr.out, data.target)
    g = models.backward(model, p, tr, dout, far_until=0)
    cell, readout = _split(p)
    T = data.x.shape[0]
    offsets = np.zeros(g.state.shape)
    numeric = _fd(
        lambda: reference.loss(model, "recall", [cell] * T, readout, data.x, data.target, offsets), {"s": offsets}
    )
    assert _rel(g.state, numeric["s"]) < 1e-6
    assert np.allclose(models.log10_norms(g.state), [np.log10(np.linalg.norm(s)) for s in g.state])


def test_lstm_cell_path_decays_as_the_forget_gate_power() -> None:
    """With every weight zero, only the cell path carries the gradient: ||dL/ds_k|| = ||dL/dh_T|| sigmoid(0) sigmoid(b_f)^(T-k)."""
    b_f, T = 2.0, 12
    p = models.init("lstm", 2, 4, 1, b_f, np.random.default_rng(0))
    p["Wh"][:] = 0.0
    p["Wx"][:] = 0.0
    x = np.ones((T, 3, 2))
    tr = models.forward("lstm", p, x)
    dout = np.array([[1.0], [-2.0], [0.5]])
    g = models.backward("lstm", p, tr, dout, far_until=0)
    top = np.log10(np.linalg.norm(dout @ p["V"]))
    k = np.arange(T)
    expected = top + np.log10(0.5) + (T - k) * np.log10(1.0 / (1.0 + np.exp(-b_f)))
    np.testing.assert_allclose(models.log10_norms(g.state)[:T], expected, rtol=1e-12)
    assert models.log10_norms(g.state)[T] == pytest.approx(top, rel=1e-12)


def test_log10_norms_is_finite_beyond_the_float_range() -> None:
    a = np.array([[1e300, 1e300], [0.0, 0.0], [3e-320, 4e-320]])
    out = models.log10_norms(a)
    assert out[0] == pytest.approx(300 + 0.5 * np.log10(2), rel=1e-12)
    assert out[1] == -np.inf
    assert out[2] == pytest.approx(np.log10(5e-320), abs=1e-3)  # subnormal inputs
    assert np.isnan(models.log10_norms(np.array([[np.inf, 1.0]])))[0]
