"""The (t, k) heatmap: exact against explicit products, the estimate's lower bound, sampling."""

from typing import Any

import numpy as np
import pytest

from core import pairs, sweep
from core.jacobian import Factors
from tests.core.test_jacobian import explicit


def _factors(mats: np.ndarray) -> Factors:
    return Factors(mats.shape[0], mats.shape[1], np.zeros(mats.shape[0]), lambda t: mats[t - 1])


@pytest.mark.parametrize("norm", ["spectral", "frobenius"])
@pytest.mark.parametrize("d", [1, 4])
def test_exact_matches_explicit_products(norm: str, d: int) -> None:
    rng = np.random.default_rng(d)
    mats = rng.standard_normal((10, d, d)) * 0.9
    steps = pairs.sample_steps(10)
    h = pairs.exact(_factors(mats), norm, steps, steps)  # type: ignore[arg-type]
    assert h.exact
    for t in range(11):
        for k in range(11):
            if k > t:
                assert np.isnan(h.values[t, k])
            else:
                ord_: Any = 2 if norm == "spectral" else "fro"
                assert h.values[t, k] == pytest.approx(np.log10(np.linalg.norm(explicit(mats, t, k), ord_)), abs=1e-12)


def test_exact_on_sampled_rows_and_columns() -> None:
    rng = np.random.default_rng(7)
    mats = rng.standard_normal((400, 2, 2)) * 0.8
    steps = pairs.sample_steps(400)
    assert steps.size == pairs.MAX_SIDE and steps[0] == 0 and steps[-1] == 400
    h = pairs.exact(_factors(mats), "spectral", steps, steps)
    i, j = 100, 37
    t, k = steps[i], steps[j]
    assert h.values[i, j] == pytest.approx(np.log10(np.linalg.norm(explicit(mats, t, k), 2)), abs=1e-9)


def test_estimate_is_a_lower_bound_and_close_far_from_the_diagonal() -> None:
    rng = np.random.default_rng(3)
    d, T = 6, 40
    mats = rng.standard_normal((T, d, d)) * 1.2 / np.sqrt(d)
    steps = pairs.sample_steps(T)
    exact = pairs.exact(_factors(mats), "spectral", steps, steps).values
    est = sweep.backward(_factors(mats), "spectral", np.zeros(d), steps, steps, with_decay=False)[2]
    assert est is not None
    assert not est.exact
    below = np.tril_indices(T + 1)
    diff = est.values[below] - exact[below]
    assert np.all(diff <= 1e-9)
    far = [(t, k) for t in range(20, T + 1) for k in range(t - 19)]  # t - k >= 20
    assert max(abs(est.values[t, k] - exact[t, k]) for t, k in far) < 0.05
    assert np.all(np.isnan(est.values[np.triu_indices(T + 1, 1)]))


def test_sample_steps() -> None:
    np.testing.assert_array_equal(pairs.sample_steps(5), np.arange(6))
    s = pairs.sample_steps(1000, 160)
    assert s.size == 160 and s[0] == 0 and s[-1] == 1000 and np.all(np.diff(s) > 0)


def test_estimate_is_the_lyapunov_row_times_the_explicit_product() -> None:
    rng = np.random.default_rng(8)
    d, T = 4, 12
    mats = rng.standard_normal((T, d, d))
    f = _factors(mats)
    a = pairs.lyapunov_directions(f)
    steps = pairs.sample_steps(T)
    est = sweep.backward(f, "spectral", np.zeros(d), steps, steps, with_decay=False)[2]
    assert est is not None
    for t in range(T + 1):
        np.testing.assert_allclose(a[t], (explicit(mats, t, 0) @ a[0]) / np.linalg.norm(explicit(mats, t, 0) @ a[0]))
        for k in range(t + 1):
            assert est.values[t, k] == pytest.approx(np.log10(np.linalg.norm(a[t] @ explicit(mats, t, k))), abs=1e-12)
