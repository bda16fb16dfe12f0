"""The backward sweep's decay curve and unit view against products multiplied out plainly; log-space extremes."""

from typing import Any

import numpy as np
import pytest

from core import jacobian, sweep
from core.jacobian import Factors
from core.norms import SEQUENTIAL_MIN_DIM


def _factors(mats: np.ndarray, log10_scale: np.ndarray | None = None) -> Factors:
    T, d, _ = mats.shape
    scale = np.zeros(T) if log10_scale is None else log10_scale
    return Factors(T, d, scale, lambda t: mats[t - 1])


def decay(f: Factors, norm: Any = "spectral") -> np.ndarray:
    """The decay curve alone (the probe row is zero)."""
    return sweep.backward(f, norm, np.zeros(f.dim), None, None)[0]


def units(f: Factors, probe: np.ndarray) -> np.ndarray:
    """The unit view alone (no d x d block)."""
    return sweep.backward(f, "spectral", probe, None, None, with_decay=False)[1]


def explicit(mats: np.ndarray, t: int, k: int) -> np.ndarray:
    """dh_t/dh_k = J_t ... J_{k+1} multiplied out plainly."""
    p = np.eye(mats.shape[1])
    for j in range(t, k, -1):
        p = p @ mats[j - 1]
    return p


@pytest.mark.parametrize("norm", ["spectral", "frobenius"])
@pytest.mark.parametrize("d", [1, 3, 7, SEQUENTIAL_MIN_DIM + 5])
def test_decay_matches_explicit_products(norm: str, d: int) -> None:
    rng = np.random.default_rng(d)
    mats = rng.standard_normal((9, d, d)) * 1.1 / np.sqrt(d)
    ord_: Any = 2 if norm == "spectral" else "fro"
    got = decay(_factors(mats), norm)
    ref = [np.log10(np.linalg.norm(explicit(mats, 9, k), ord_)) for k in range(10)]
    np.testing.assert_allclose(got, ref, atol=1e-9)


def test_decay_in_chunks_matches_explicit_products() -> None:
    # More products than one chunk holds: the warm start crosses chunk borders.
    rng = np.random.default_rng(4)
    mats = rng.standard_normal((300, 4, 4)) * 0.6
    got = decay(_factors(mats))
    for k in (0, 1, 44, 45, 150, 299, 300):
        assert got[k] == pytest.approx(np.log10(np.linalg.norm(explicit(mats, 300, k), 2)), abs=1e-9)


def test_units_match_explicit_gradient() -> None:
    rng = np.random.default_rng(3)
    mats = rng.standard_normal((6, 4, 4))
    u = rng.standard_normal(4)
    got = units(_factors(mats), u)
    for k in range(7):
        np.testing.assert_allclose(got[:, k], np.log10(np.abs(u @ explicit(mats, 6, k))), atol=1e-12)


@pytest.mark.parametrize(("factor", "expected_at_0"), [(3.0, 1000 * np.log10(3.0)), (0.1, -1000.0)])
@pytest.mark.parametrize("d", [3, SEQUENTIAL_MIN_DIM])
def test_thousand_factors_stay_finite_in_log_space(factor: float, expected_at_0: float, d: int) -> None:
    T = 1000
    mats = np.broadcast_to(factor * np.eye(d), (T, d, d))
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        curve = decay(_factors(mats))
        grads = units(_factors(mats), np.eye(d)[0])
    np.testing.assert_allclose(curve, (T - np.arange(T + 1)) * np.log10(factor), rtol=1e-12, atol=1e-12)
    assert curve[0] == pytest.approx(expected_at_0, rel=1e-12)
    assert grads[0, 0] == pytest.approx(expected_at_0, rel=1e-12)


def test_scale_carried_outside_the_matrices() -> None:
    # J_t = 10**-400 * A_t: the true values are far below float64's range.
    rng = np.random.default_rng(0)
    mats = rng.standard_normal((5, 3, 3))
    plain = decay(_factors(mats))
    scaled = decay(_factors(mats, np.full(5, -400.0)))
    np.testing.assert_allclose(scaled, plain - 400.0 * (5 - np.arange(6)), rtol=1e-14)


@pytest.mark.parametrize("d", [2, SEQUENTIAL_MIN_DIM])
def test_exact_zero_is_minus_infinity_without_warning(d: int) -> None:
    mats = np.zeros((4, d, d))
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        curve = decay(_factors(mats))
    assert curve[4] == pytest.approx(0.0)
    assert np.all(curve[:4] == -np.inf)


def test_diagonal_path_is_suffix_sum() -> None:
    logs = np.log10(np.array([[0.5, 0.9], [0.25, 1.0], [0.1, 0.3]]))  # (T=3, n=2)
    out = jacobian.diagonal_path(logs)
    np.testing.assert_allclose(out[0], np.log10([0.5 * 0.25 * 0.1, 0.25 * 0.1, 0.1, 1.0]))
    np.testing.assert_allclose(out[1], np.log10([0.9 * 1.0 * 0.3, 1.0 * 0.3, 0.3, 1.0]))
