"""GRU: local Jacobian, structured products, complex-step reference, the carry path 1 - z, extremes."""

import numpy as np
import pytest

from core.cells import gru
from core.jacobian import Factors, diagonal_path
from tests import reference, reference_gru


def _params(
    seed: int, n: int, n_in: int, scale: float = 1.0, input_scale: float = 1.0
) -> tuple[gru.GRUParams, np.random.Generator]:
    """Recurrent weights ~ N(0, scale^2/n), input weights ~ N(0, input_scale^2/n_in), biases ~ N(0, input_scale^2),
    h0 ~ N(0, 1/4); and the generator, to draw inputs from."""
    rng = np.random.default_rng(seed)
    p = gru.GRUParams(
        scale * rng.standard_normal((3, n, n)) / np.sqrt(n),
        input_scale * rng.standard_normal((3, n, n_in)) / np.sqrt(n_in),
        input_scale * rng.standard_normal((3, n)),
        0.5 * rng.standard_normal(n),
    )
    return p, rng


def _arrays(p: gru.GRUParams, x: np.ndarray) -> dict[str, np.ndarray]:
    """The reference's layout: W_{g}h, W_{g}x, b_{g} for g = z, r, h."""
    w = {"h0": p.h0, "x": x}
    for g, name in enumerate(gru.GATES):
        w[f"W_{name}h"], w[f"W_{name}x"], w[f"b_{name}"] = p.Wh[g], p.Wx[g], p.b[g]
    return w


def _product(f: Factors, t: int, k: int) -> np.ndarray:
    """dh_t/dh_k = J_t ... J_{k+1}, multiplied out from the dense factors."""
    P = np.eye(f.dim)
    for s in range(k + 1, t + 1):
        P = 10.0 ** f.log10_scale[s - 1] * f.matrix(s) @ P
    return P


def test_local_jacobian_matches_finite_differences() -> None:
    n = 4
    p, rng = _params(2, n, 3, scale=1.5)
    x = rng.standard_normal((1, 3))
    h = rng.standard_normal(n)
    J = gru.local_jacobian(p, gru.forward(gru.GRUParams(p.Wh, p.Wx, p.b, h), x), 1)
    eps = 1e-6
    cols = [(gru.step(p, h + eps * e, x[0]) - gru.step(p, h - eps * e, x[0])) / (2 * eps) for e in np.eye(n)]
    np.testing.assert_allclose(J, np.array(cols).T, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("rows", [1, 2, 3, 12])  # n = 6: fewer than n/2 rows skip forming M_t
def test_structured_products_equal_dense_ones(rows: int) -> None:
    n = 6
    p, rng = _params(4, n, 5, scale=2.0)
    f = gru.factors(p, gru.forward(p, rng.standard_normal((7, 5))))
    assert (f.steps, f.dim) == (7, n)
    for t in range(1, f.steps + 1):
        J = f.matrix(t)
        P = rng.standard_normal((rows, n))
        out = np.empty_like(P)
        f.right(P, t, out)
        np.testing.assert_allclose(out, P @ J, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(f.right_t(P, t), P @ J.T, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    ("seed", "scale", "input_scale"), [(0, 1.0, 1.0), (3, 2.5, 0.5), (9, 0.5, 3.0), (11, 4.0, 2.0)]
)
def test_products_match_complex_step_reference(seed: int, scale: float, input_scale: float) -> None:
    n, T = 3, 6
    p, rng = _params(seed, n, 2, scale, input_scale)
    x = input_scale * rng.standard_normal((T, 2))
    trace = gru.forward(p, x)
    w = _arrays(p, x)
    np.testing.assert_allclose(trace.h, np.array(reference_gru.gru_states(w)), rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(trace.gates[:, 0], reference_gru.gru_update_gates(w), rtol=1e-13, atol=1e-15)
    f = gru.factors(p, trace)
    for t in range(1, T + 1):
        np.testing.assert_array_equal(f.matrix(t), gru.local_jacobian(p, trace, t))
    for t in range(T + 1):
        for k in range(t + 1):
            ref = reference_gru.gru_jacobian(w, t, k)
            got = _product(f, t, k)
            np.testing.assert_allclose(got, ref, rtol=1e-10, atol=1e-10 * np.max(np.abs(ref)))
            assert reference.log10_norm(got) == pytest.approx(reference.log10_norm(ref), abs=1e-9)


def test_zero_recurrent_weights_leave_only_the_carry() -> None:
    n, T = 5, 30
    p, rng = _params(6, n, 4, scale=0.0, input_scale=2.0)
    trace = gru.forward(p, rng.standard_normal((T, 4)))
    f = gru.factors(p, trace)
    keep = 10.0 ** gru.log10_keep(trace)  # (T, n)
    for t in range(1, T + 1):
        J = f.matrix(t)
        np.testing.assert_array_equal(J - np.diag(np.diag(J)), 0.0)
        np.testing.assert_allclose(np.diag(J), 1.0 - trace.gates[t - 1, 0], rtol=1e-12)
        np.testing.assert_allclose(np.diag(J), keep[t - 1], rtol=1e-13)


@pytest.mark.parametrize("update_bias", [-3.0, 0.0, 2.0, 8.0])
def test_constant_update_gate_gives_sigmoid_minus_bz_to_the_k(update_bias: float) -> None:
    n, T = 4, 40
    rng = np.random.default_rng(1)
    b = rng.standard_normal((3, n))
    b[0] = update_bias
    p = gru.GRUParams(np.zeros((3, n, n)), np.zeros((3, n, 2)), b, rng.standard_normal(n))
    trace = gru.forward(p, rng.standard_normal((T, 2)))
    np.testing.assert_array_equal(trace.pre[:, 0], update_bias)
    k = np.arange(T + 1)
    expected = -(T - k) * np.logaddexp(0.0, update_bias) / np.log(10.0)  # (T - k) log10 sigmoid(-b_z)
    f = gru.factors(p, trace)
    products = [reference.log10_norm(_product(f, T, int(j))) for j in k]
    np.testing.assert_allclose(products, expected, rtol=0, atol=1e-12)
    per_unit = diagonal_path(gru.log10_keep(trace))  # (n, T+1)
    np.testing.assert_allclose(np.max(per_unit, axis=0), expected, rtol=0, atol=1e-12)


def test_strong_weights_and_inputs_stay_finite() -> None:
    n, T = 8, 200
    p, rng = _params(7, n, n, scale=10.0, input_scale=10.0)
    x = 10.0 * rng.standard_normal((T, n))
    P = rng.standard_normal((n, n))
    with np.errstate(all="raise"):
        trace = gru.forward(p, x)
        f = gru.factors(p, trace)
        log_keep = gru.log10_keep(trace)
        for t in range(1, T + 1):
            J = f.matrix(t)
            out, row = np.empty_like(P), np.empty((1, n))
            f.right(P, t, out)
            f.right(P[:1], t, row)
            assert np.all(np.isfinite(J)) and np.all(np.isfinite(out)) and np.all(np.isfinite(row))
            assert np.all(np.isfinite(f.right_t(P[:1], t))) and np.all(np.isfinite(f.right_t(P, t)))
    assert np.max(np.abs(trace.pre)) > 300  # far into the saturated tails
    assert np.all(np.isfinite(trace.h)) and np.all(np.abs(trace.h) <= 1.0 + np.max(np.abs(p.h0)))
    assert np.all(np.isfinite(log_keep)) and np.all(log_keep <= 0.0)
