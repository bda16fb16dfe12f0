"""Certified power iterations and Lanczos against LAPACK's SVD, including near-degenerate tops."""

import numpy as np
import pytest

from core.norms import lanczos_top, spectral_norm, spectral_norms


def _cases(seed: int, count: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    out = []
    for trial in range(count):
        d = int(rng.integers(2, 90))
        a = rng.standard_normal((d, d))
        if trial % 3 == 0:  # top two singular values within 1e-12 .. 1e-2 of each other
            u, s, vt = np.linalg.svd(a)
            s[1] = s[0] * (1 - 10 ** rng.uniform(-12, -2))
            a = (u * s) @ vt
        elif trial % 3 == 1:  # a product: a wide spread, like the Jacobian products
            a = a @ rng.standard_normal((d, d)) @ rng.standard_normal((d, d))
        out.append(a / np.abs(a).max())
    return out


def _top(a: np.ndarray) -> float:
    return float(np.linalg.svd(a, compute_uv=False)[0])


def test_batched_power_matches_svd() -> None:
    for a in _cases(1, 90):
        stack = np.stack([a, 0.5 * a, a.T])
        sigma, left, right = spectral_norms(stack)
        np.testing.assert_allclose(np.log10(sigma), np.log10([_top(a), 0.5 * _top(a), _top(a)]), atol=1e-8)
        np.testing.assert_allclose(np.linalg.norm(left, axis=1), 1.0)
        # (left, right) is a singular pair: P v = sigma u.
        np.testing.assert_allclose(np.einsum("mij,mj->mi", stack, right), sigma[:, None] * left, atol=1e-6)


@pytest.mark.parametrize("seed", [2, 3])
def test_sequential_power_and_lanczos_match_svd(seed: int) -> None:
    rng = np.random.default_rng(seed)
    for a in _cases(seed, 60):
        start = rng.standard_normal((a.shape[0],))
        s1, u1 = spectral_norm(a, start)
        other = rng.standard_normal((a.shape[1],))
        s2, _ = lanczos_top(a, other)
        ref = _top(a)
        assert abs(np.log10(s1) - np.log10(ref)) < 1e-8
        assert abs(np.log10(s2) - np.log10(ref)) < 1e-8
        assert np.linalg.norm(u1) == pytest.approx(1.0)


def test_zero_matrix_has_norm_zero() -> None:
    sigma, _, _ = spectral_norms(np.zeros((2, 3, 3)))
    np.testing.assert_array_equal(sigma, [0.0, 0.0])
    assert spectral_norm(np.zeros((3, 3)), np.ones(3))[0] == 0.0


def test_a_start_orthogonal_to_the_top_direction_is_caught() -> None:
    # From e_0 the iteration certifies the singular value 1e-3 of diag(1e-3, 1): a true singular pair,
    # not the top one. sigma_1 >= ||m||_F / sqrt(rank) exposes it.
    m = np.diag([1e-3, 1.0])
    assert spectral_norm(m, np.array([1.0, 0.0]))[0] == pytest.approx(1.0)
    stack = np.stack([m, np.diag([1.0, 1e-3])])
    sigma, _, _ = spectral_norms(stack, np.array([[1.0, 0.0], [0.0, 1.0]]))
    np.testing.assert_allclose(sigma, [1.0, 1.0])


def test_a_start_in_the_null_space_is_not_taken_for_a_zero_matrix() -> None:
    m = np.zeros((4, 4))
    m[:, 2:] = np.arange(8.0).reshape(4, 2) + 1  # columns 0, 1 are zero
    start = np.array([1.0, 0, 0, 0])
    expected = np.linalg.svd(m, compute_uv=False)[0]
    assert spectral_norm(m, start)[0] == pytest.approx(expected)
    sigma, _, _ = spectral_norms(m[None], np.array([1.0, 1.0, 0.0, 0.0]))
    assert sigma[0] == pytest.approx(expected)
