"""The information-flow regulariser: its value from the Jacobians, closed-form cases, and its gradient by
finite differences with dE/dh held constant (the paper's approximation)."""

from __future__ import annotations

import numpy as np
import pytest

from core.training import models, tasks
from core.training.regularizer import information_flow

H = 1e-6


def _omega_by_jacobians(p: dict[str, np.ndarray], x: np.ndarray, v: np.ndarray) -> float:
    """Omega from the equations: per example and step, the Jacobian matrix diag(1 - h_{k+1}^2) Wh."""
    T, B = x.shape[:2]
    n = p["Wh"].shape[1]
    total = 0.0
    for b in range(B):
        h = [np.zeros(n)]
        for t in range(T):
            h.append(np.tanh(p["Wh"] @ h[-1] + p["Wx"] @ x[t, b] + p["b"]))
        for k in range(1, T):
            vk = v[k + 1, b]
            if not np.any(vk):
                continue
            J = np.diag(1.0 - h[k + 1] ** 2) @ p["Wh"]
            total += float((np.linalg.norm(vk @ J) / np.linalg.norm(vk) - 1.0) ** 2)
    return total / B


def _run(p: dict[str, np.ndarray], x: np.ndarray, target: np.ndarray) -> tuple[models.Trace, models.Gradients]:
    tr = models.forward("rnn", p, x)
    _, dout, _ = tasks.loss("adding", tr.out, target)
    return tr, models.backward("rnn", p, tr, dout, 0)


def test_value_and_gradient_with_v_held_constant() -> None:
    rng = np.random.default_rng(11)
    p = models.init("rnn", 2, 4, 1, 1.0, rng)
    p["b"] = 0.2 * rng.standard_normal(4)
    data = tasks.batch("adding", 6, 3, rng)
    tr, g = _run(p, data.x, data.target)
    v = g.state.copy()  # frozen
    flow = information_flow(p, tr, v)
    assert flow.omega == pytest.approx(_omega_by_jacobians(p, data.x, v), rel=1e-12)
    assert flow.omega > 0
    for name in ("Wh", "Wx", "b"):
        a = p[name]
        numeric = np.zeros_like(a)
        for idx in np.ndindex(a.shape):
            keep = a[idx]
            a[idx] = keep + H
            up = _omega_by_jacobians(p, data.x, v)
            a[idx] = keep - H
            down = _omega_by_jacobians(p, data.x, v)
            a[idx] = keep
            numeric[idx] = (up - down) / (2 * H)
        err = np.linalg.norm(flow.grads[name] - numeric) / np.linalg.norm(numeric)
        assert err < 1e-6, name


def _quiet(W: np.ndarray, T: int) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Zero inputs and biases: h_t = 0 throughout, so tanh' = 1 and each Jacobian is Wh itself."""
    n = W.shape[0]
    p = {"Wh": W, "Wx": np.ones((n, 2)), "b": np.zeros(n), "V": np.ones((1, n)), "c": np.zeros(1)}
    return p, np.zeros((T, 2, 2))


def test_orthogonal_scaled_matrix_gives_the_closed_form() -> None:
    """Wh = s Q with Q orthogonal at h = 0: every ratio is s, so Omega = (T - 1)(s - 1)^2."""
    q, _ = np.linalg.qr(np.random.default_rng(0).standard_normal((5, 5)))
    T, s = 9, 1.3
    p, x = _quiet(s * q, T)
    tr, g = _run(p, x, np.array([1.0, 2.0]))
    flow = information_flow(p, tr, g.state)
    np.testing.assert_allclose(flow.ratio, s, rtol=1e-12)
    assert flow.omega == pytest.approx((T - 1) * (s - 1.0) ** 2, rel=1e-12)
    p1, _ = _quiet(q, T)
    tr1, g1 = _run(p1, x, np.array([1.0, 2.0]))
    assert information_flow(p1, tr1, g1.state).omega == pytest.approx(0.0, abs=1e-24)


def test_zero_matrix_blocks_every_step() -> None:
    """Wh = 0: only v_T is non-zero and its ratio is 0, so Omega = 1 per example; the other terms are left out."""
    p, x = _quiet(np.zeros((3, 3)), 6)
    tr, g = _run(p, x, np.array([1.0, 2.0]))
    flow = information_flow(p, tr, g.state)
    assert flow.omega == pytest.approx(1.0, rel=1e-12)
    assert np.isnan(flow.ratio[:-1]).all() and np.all(flow.ratio[-1] == 0.0)
