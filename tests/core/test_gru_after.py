"""GRU with the reset after the recurrent matrix: local Jacobian against central differences, structured
products against dense ones, the explorer's reset_after switch, and every cell with m != n."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from core import GRUConfig, explore, weights
from core.cells import gru, lstm, rnn
from core.config import ActivationName


def _params(seed: int, n: int, m: int, scale: float = 1.5) -> tuple[gru.GRUParams, np.random.Generator]:
    rng = np.random.default_rng(seed)
    p = gru.GRUParams(
        scale * rng.standard_normal((3, n, n)) / np.sqrt(n),
        rng.standard_normal((3, n, m)) / np.sqrt(m),
        rng.standard_normal((3, n)),
        0.5 * rng.standard_normal(n),
        True,
        rng.standard_normal(n),
    )
    return p, rng


def _candidate(p: gru.GRUParams, h: np.ndarray, x: np.ndarray) -> np.ndarray:
    """h_t written out from the formula: h~ = tanh(U_h x + b_h + r * (W_h h + b_hn))."""

    def sig(a: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-a))

    z = sig(p.Wh[0] @ h + p.Wx[0] @ x + p.b[0])
    r = sig(p.Wh[1] @ h + p.Wx[1] @ x + p.b[1])
    assert p.b_hn is not None
    g = np.tanh(p.Wx[2] @ x + p.b[2] + r * (p.Wh[2] @ h + p.b_hn))
    return (1 - z) * h + z * g


@pytest.mark.parametrize(("n", "m"), [(4, 3), (5, 5), (3, 7)])
def test_forward_is_the_formula(n: int, m: int) -> None:
    p, rng = _params(1, n, m)
    x = rng.standard_normal((9, m))
    trace = gru.forward(p, x)
    h = p.h0
    for t in range(9):
        h = _candidate(p, h, x[t])
        np.testing.assert_allclose(trace.h[t + 1], h, rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize(("n", "m"), [(4, 3), (6, 6), (3, 8)])
def test_local_jacobian_matches_central_differences(n: int, m: int) -> None:
    p, rng = _params(2, n, m, scale=2.0)
    x = rng.standard_normal((1, m))
    h = rng.standard_normal(n)
    J = gru.local_jacobian(p, gru.forward(replace(p, h0=h), x), 1)
    eps = 1e-6
    cols = [(gru.step(p, h + eps * e, x[0]) - gru.step(p, h - eps * e, x[0])) / (2 * eps) for e in np.eye(n)]
    np.testing.assert_allclose(J, np.array(cols).T, rtol=1e-7, atol=1e-9)


def test_the_reset_acts_after_the_matrix() -> None:
    """The same weights in the two conventions give different Jacobians; with r = 1 (reset bias far up) and
    b_hn = 0, W_h (r * h) = r * (W_h h): the two agree."""
    p, rng = _params(3, 5, 4)
    x = rng.standard_normal((6, 4))
    before = replace(p, reset_after=False, b_hn=None)
    assert not np.allclose(
        gru.factors(p, gru.forward(p, x)).matrix(3), gru.factors(before, gru.forward(before, x)).matrix(3)
    )
    b = p.b.copy()
    b[1] = 40.0
    Wh = p.Wh.copy()
    Wh[1] = 0.0
    open_after = replace(p, b=b, Wh=Wh, b_hn=np.zeros(5))
    open_before = replace(open_after, reset_after=False, b_hn=None)
    ta, tb = gru.forward(open_after, x), gru.forward(open_before, x)
    np.testing.assert_allclose(ta.h, tb.h, rtol=1e-14, atol=1e-15)
    fa, fb = gru.factors(open_after, ta), gru.factors(open_before, tb)
    for t in range(1, 7):
        np.testing.assert_allclose(fa.matrix(t), fb.matrix(t), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("rows", [1, 2, 3, 12])  # n = 6: fewer than n/2 rows skip forming M_t
def test_structured_products_equal_dense_ones(rows: int) -> None:
    n = 6
    p, rng = _params(4, n, 5, scale=2.0)
    trace = gru.forward(p, rng.standard_normal((7, 5)))
    f = gru.factors(p, trace)
    assert (f.steps, f.dim) == (7, n)
    for t in range(1, f.steps + 1):
        J = f.matrix(t)
        np.testing.assert_array_equal(J, gru.local_jacobian(p, trace, t))
        P = rng.standard_normal((rows, n))
        out = np.empty_like(P)
        f.right(P, t, out)
        np.testing.assert_allclose(out, P @ J, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(f.right_t(P, t), P @ J.T, rtol=1e-12, atol=1e-12)


def test_products_equal_products_of_finite_difference_jacobians() -> None:
    """dh_t/dh_0 from the structured products against the product of central-difference local Jacobians."""
    n, m, T = 4, 3, 6
    p, rng = _params(5, n, m)
    x = rng.standard_normal((T, m))
    trace = gru.forward(p, x)
    f = gru.factors(p, trace)
    product, dense = np.eye(n), np.eye(n)  # rows: (dh_t/dh_0)^T, advanced by right_t
    for t in range(1, T + 1):
        dense = _fd(lambda h: gru.step(p, h, x[t - 1]), trace.h[t - 1]) @ dense  # noqa: B023
        product = f.right_t(product, t)
        np.testing.assert_allclose(product.T, dense, rtol=1e-6, atol=1e-8)


def test_the_explorer_switch() -> None:
    cfg = GRUConfig(hidden=8, steps=30, reset_after=True, update_bias=0.5)
    p, _ = explore.gru_params(cfg)
    assert p.reset_after and p.b_hn is not None and not p.b_hn.any()
    after, before = explore.run_gru(cfg), explore.run_gru(replace(cfg, reset_after=False))
    assert np.isfinite(after.decay).all() and not np.allclose(after.decay, before.decay)
    np.testing.assert_array_equal(after.cell_path["log10_norm"].shape, before.cell_path["log10_norm"].shape)
    assert "b_hn" in after.arrays and "b_hn" not in before.arrays


def _fd(step: object, s: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    return np.array([(step(s + eps * e) - step(s - eps * e)) / (2 * eps) for e in np.eye(s.size)]).T  # type: ignore[operator]


@pytest.mark.parametrize(("n", "m"), [(5, 3), (3, 7)])
@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_rnn_with_m_not_n(n: int, m: int, activation: ActivationName) -> None:
    rng = np.random.default_rng(6)
    p = rnn.RNNParams(
        rng.standard_normal((n, n)) / np.sqrt(n),
        rng.standard_normal((n, m)),
        rng.standard_normal(n),
        np.zeros(n),
        activation,
    )
    x = rng.standard_normal((8, m))
    trace = rnn.forward(p, x)
    f = rnn.factors(p, trace)
    for t in range(1, 9):
        J = 10.0 ** f.log10_scale[t - 1] * f.matrix(t)
        np.testing.assert_allclose(
            J,
            _fd(lambda h: rnn.step(p, h, x[t - 1]), trace.states[t - 1]),  # noqa: B023
            rtol=1e-6,
            atol=1e-7,
        )
    spectra, per_step, log10_rho = explore.rnn_spectra(p)
    r = explore.rnn_result(p, x, "spectral", weights.probe(0, n), True, spectra, per_step, log10_rho)
    assert r.units.shape == (n, 9) and r.decay.shape == (9,)


@pytest.mark.parametrize(("n", "m"), [(5, 3), (3, 7)])
def test_lstm_and_gru_with_m_not_n(n: int, m: int) -> None:
    rng = np.random.default_rng(7)
    x = rng.standard_normal((8, m))
    lp = lstm.LSTMParams(rng.standard_normal((4, n, n)), rng.standard_normal((4, n, m)), rng.standard_normal((4, n)),
                         np.zeros(n), np.zeros(n), rng.standard_normal((3, n)))  # fmt: skip
    lt = lstm.forward(lp, x)
    for t in range(1, 9):
        s = np.concatenate([lt.h[t - 1], lt.c[t - 1]])
        fd = _fd(lambda v: np.concatenate(lstm.step(lp, v[:n], v[n:], x[t - 1])), s)  # noqa: B023
        np.testing.assert_allclose(lstm.local_jacobian(lp, lt, t), fd, rtol=1e-6, atol=1e-8)
    r = explore.lstm_result(lp, x, "spectral", weights.probe(0, n), True, explore.gated_spectra(lp.Wh), -0.1, {})
    assert r.units.shape == (n, 9) and r.pairs is not None and r.pairs.values.shape == (9, 9)
    for after in (False, True):
        gp = gru.GRUParams(rng.standard_normal((3, n, n)), rng.standard_normal((3, n, m)), rng.standard_normal((3, n)),
                           np.zeros(n), after, rng.standard_normal(n) if after else None)  # fmt: skip
        gt = gru.forward(gp, x)
        for t in range(1, 9):
            fd = _fd(lambda h: gru.step(gp, h, x[t - 1]), gt.h[t - 1])  # noqa: B023
            np.testing.assert_allclose(gru.local_jacobian(gp, gt, t), fd, rtol=1e-6, atol=1e-8)
        r = explore.gru_result(gp, x, "spectral", weights.probe(0, n), True, explore.gated_spectra(gp.Wh), -0.1, {})
        assert r.units.shape == (n, 9)
