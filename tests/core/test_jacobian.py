"""The product engine on its own: explicit products, log-space extremes, composition."""

from typing import Any

import numpy as np
import pytest

from core import jacobian
from core.jacobian import Factors
from core.norms import matrix_norms, top_singular


def _factors(mats: np.ndarray, log10_scale: np.ndarray | None = None) -> Factors:
    T, d, _ = mats.shape
    scale = np.zeros(T) if log10_scale is None else log10_scale
    return Factors(T, d, scale, lambda t: mats[t - 1])


def _explicit(mats: np.ndarray, t: int, k: int) -> np.ndarray:
    p = np.eye(mats.shape[1])
    for j in range(t, k, -1):
        p = p @ mats[j - 1]
    return p


@pytest.mark.parametrize("norm", ["spectral", "frobenius"])
@pytest.mark.parametrize("d", [1, 3, 7])
def test_decay_pairs_match_explicit_products(norm: str, d: int) -> None:
    rng = np.random.default_rng(d)
    mats = rng.standard_normal((9, d, d)) * 0.8
    f = _factors(mats)
    ord_: Any = 2 if norm == "spectral" else "fro"
    decay = jacobian.decay(f, norm)  # type: ignore[arg-type]
    pairs = jacobian.pairs(f, norm)  # type: ignore[arg-type]
    for t in range(10):
        for k in range(10):
            if k > t:
                assert np.isnan(pairs[t, k])
            else:
                ref = np.log10(np.linalg.norm(_explicit(mats, t, k), ord_))
                assert pairs[t, k] == pytest.approx(ref, abs=1e-12)
    np.testing.assert_allclose(decay, pairs[9], atol=1e-12)


def test_units_match_explicit_gradient() -> None:
    rng = np.random.default_rng(3)
    mats = rng.standard_normal((6, 4, 4))
    u = rng.standard_normal(4)
    got = jacobian.units(_factors(mats), u)
    for k in range(7):
        np.testing.assert_allclose(got[:, k], np.log10(np.abs(u @ _explicit(mats, 6, k))), atol=1e-12)


@pytest.mark.parametrize(("factor", "expected_at_0"), [(3.0, 1000 * np.log10(3.0)), (0.1, -1000.0)])
def test_thousand_factors_stay_finite_in_log_space(factor: float, expected_at_0: float) -> None:
    d, T = 3, 1000
    mats = np.broadcast_to(factor * np.eye(d), (T, d, d))
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        decay = jacobian.decay(_factors(mats))
        units = jacobian.units(_factors(mats), np.array([1.0, 0.0, 0.0]))
    assert decay[0] == pytest.approx(expected_at_0, rel=1e-12)
    np.testing.assert_allclose(decay, (T - np.arange(T + 1)) * np.log10(factor), rtol=1e-12, atol=1e-12)
    assert units[0, 0] == pytest.approx(expected_at_0, rel=1e-12)


def test_scale_carried_outside_the_matrices() -> None:
    # J_t = 10**-400 * A_t: the true values are far below float64's range.
    rng = np.random.default_rng(0)
    mats = rng.standard_normal((5, 3, 3))
    plain = jacobian.decay(_factors(mats))
    scaled = jacobian.decay(_factors(mats, np.full(5, -400.0)))
    np.testing.assert_allclose(scaled, plain - 400.0 * (5 - np.arange(6)), rtol=1e-14)


def test_exact_zero_is_minus_infinity_without_warning() -> None:
    mats = np.zeros((4, 2, 2))
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        decay = jacobian.decay(_factors(mats))
        pairs = jacobian.pairs(_factors(mats))
    assert decay[4] == pytest.approx(0.0)
    assert np.all(decay[:4] == -np.inf)
    assert np.all(pairs[np.tril_indices(5, -1)] == -np.inf)


def test_products_compose() -> None:
    # dh_t/dh_k = dh_t/dh_j dh_j/dh_k: check through explicit products built from the engine's pairs.
    rng = np.random.default_rng(5)
    mats = rng.standard_normal((8, 2, 2))
    pairs = jacobian.pairs(_factors(mats))
    p = _explicit(mats, 8, 5) @ _explicit(mats, 5, 1)
    assert pairs[8, 1] == pytest.approx(np.log10(np.linalg.norm(p, 2)), abs=1e-12)


def test_lanczos_matches_svd_including_near_degenerate_top() -> None:
    rng = np.random.default_rng(11)
    for trial in range(60):
        d = int(rng.integers(2, 150))
        a = rng.standard_normal((d, d))
        if trial % 2:
            u, s, vt = np.linalg.svd(a)
            s[1] = s[0] * (1 - 10 ** rng.uniform(-12, -3))
            a = (u * s) @ vt
        sigma, left = top_singular(a, rng.standard_normal(d))
        ref = np.linalg.norm(a, 2)
        assert abs(np.log10(sigma) - np.log10(ref)) < 1e-10
        assert np.linalg.norm(left) == pytest.approx(1.0)


def test_large_dimension_decay_uses_lanczos_and_agrees_with_svd() -> None:
    rng = np.random.default_rng(2)
    d = 90
    mats = rng.standard_normal((12, d, d)) / np.sqrt(d) * 1.3
    decay = jacobian.decay(_factors(mats))
    ref = [np.log10(matrix_norms(_explicit(mats, 12, k)[None], "spectral")[0]) for k in range(13)]
    np.testing.assert_allclose(decay, ref, atol=1e-10)


def test_diagonal_path_is_suffix_sum() -> None:
    logs = np.log10(np.array([[0.5, 0.9], [0.25, 1.0], [0.1, 0.3]]))  # (T=3, n=2)
    out = jacobian.diagonal_path(logs)
    np.testing.assert_allclose(out[0], np.log10([0.5 * 0.25 * 0.1, 0.25 * 0.1, 0.1, 1.0]))
    np.testing.assert_allclose(out[1], np.log10([0.9 * 1.0 * 0.3, 1.0 * 0.3, 0.3, 1.0]))
