"""Deep feed-forward network: finite differences, closed forms, dead ReLUs, batch norm, extremes at L = 100."""

import dataclasses

import numpy as np
import pytest

from core.activations import ACTIVATIONS
from core.config import ActivationName
from core.feedforward import (
    BN_EPS,
    BOUNDS,
    FFConfig,
    FFTrace,
    backward,
    evaluate,
    flat_threshold,
    forward,
    layer_weights,
    run_feedforward,
)

ACTS: list[ActivationName] = ["tanh", "sigmoid", "relu", "leaky_relu", "linear"]


# Plain float64 network written from the equations alone.
def ref_from(W: np.ndarray, h: np.ndarray, u: np.ndarray, activation: str, batch_norm: bool, start: int) -> float:
    """E = (1/B) sum_b <u_b, h_L[b]>, running layers start+1..L from h = h_start (B, n); u is (B, n) or (n,)."""
    phi = ACTIVATIONS[activation].phi
    for l in range(start, W.shape[0]):
        a = h @ W[l].T
        if batch_norm:
            a = (a - a.mean(axis=0)) / np.sqrt(a.var(axis=0) + BN_EPS)
        h = phi(a)
    return float(np.sum(h * u) / h.shape[0])


def ref_pre(W: np.ndarray, x: np.ndarray, activation: str, batch_norm: bool) -> np.ndarray:
    """The values phi is applied to, layer by layer: (L, B, n)."""
    phi, h, out = ACTIVATIONS[activation].phi, x, list[np.ndarray]()
    for l in range(W.shape[0]):
        a = h @ W[l].T
        if batch_norm:
            a = (a - a.mean(axis=0)) / np.sqrt(a.var(axis=0) + BN_EPS)
        out.append(a)
        h = phi(a)
    return np.array(out)


def true_states(trace: FFTrace) -> np.ndarray:
    return trace.states * np.exp2(trace.states_log2)[:, None, None]


def small_case(seed: int, L: int = 4, n: int = 5, B: int = 3) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    W = 1.5 * rng.standard_normal((L, n, n)) / np.sqrt(n)
    x = rng.standard_normal((B, n))
    u = rng.standard_normal((B, n))
    return W, x, u / np.linalg.norm(u, axis=1, keepdims=True)


@pytest.mark.parametrize("batch_norm", [False, True])
@pytest.mark.parametrize("activation", ACTS)
def test_gradients_match_central_differences(activation: ActivationName, batch_norm: bool) -> None:
    W, x, u = small_case(26)
    L, (B, n) = W.shape[0], x.shape
    zero = activation == "linear" and batch_norm  # E is identically 0: the gradient is rounding noise
    assert np.min(np.abs(ref_pre(W, x, activation, batch_norm))) > 1e-3  # away from the ReLU kink
    trace = forward(W, x, activation, batch_norm)
    g = backward(trace, W, u, keep_grad_w=True)
    assert g.grad_w is not None
    eps = 1e-6
    # dE/dW_l, entry by entry.
    for l in range(L):
        fd = np.empty((n, n))
        for i in range(n):
            for j in range(n):
                Wp, Wm = W.copy(), W.copy()
                Wp[l, i, j] += eps
                Wm[l, i, j] -= eps
                fd[i, j] = ref_from(Wp, x, u, activation, batch_norm, 0) - ref_from(Wm, x, u, activation, batch_norm, 0)
        fd /= 2 * eps
        np.testing.assert_allclose(g.grad_w[l] * 2.0 ** g.grad_w_log2[l], fd, rtol=1e-6, atol=1e-9)
        if not zero:
            assert g.log10_grad_w[l] == pytest.approx(np.log10(np.linalg.norm(fd)), abs=1e-6)
    # dE/dh_l: perturb h_l and run the rest of the network from layer l + 1.
    h = true_states(trace)
    for l in range(L + 1):
        fd = np.empty((B, n))
        for b in range(B):
            for j in range(n):
                hp, hm = h[l].copy(), h[l].copy()
                hp[b, j] += eps
                hm[b, j] -= eps
                fd[b, j] = ref_from(W, hp, u, activation, batch_norm, l) - ref_from(W, hm, u, activation, batch_norm, l)
        fd /= 2 * eps
        np.testing.assert_allclose(g.grad_h[l] * 2.0 ** g.grad_h_log2[l], fd, rtol=1e-6, atol=1e-9)
        if not zero:
            assert g.log10_grad_h[l] == pytest.approx(np.log10(np.linalg.norm(fd)), abs=1e-6)


def test_forward_matches_the_equations() -> None:
    W, x, u = small_case(3, L=6, n=7, B=4)
    for activation in ACTS:
        for batch_norm in (False, True):
            trace = forward(W, x, activation, batch_norm)
            pre = trace.pre * np.exp2(trace.pre_log2)[:, None, None]
            np.testing.assert_allclose(pre, ref_pre(W, x, activation, batch_norm), rtol=1e-12, atol=1e-12)
            loss = np.sum(true_states(trace)[-1] * u) / x.shape[0]
            assert loss == pytest.approx(ref_from(W, x, u, activation, batch_norm, 0), rel=1e-12, abs=1e-15)


def test_linear_orthogonal_network_keeps_every_norm() -> None:
    cfg = FFConfig(layers=12, width=16, batch=8, activation="linear", init="orthogonal", seed=5)
    r = run_feedforward(cfg)
    W, x, u = r.arrays["W"], r.arrays["x"], r.arrays["u"]
    np.testing.assert_allclose(np.einsum("lij,lkj->lik", W, W), np.broadcast_to(np.eye(16), W.shape), atol=1e-12)
    # Row b of dE/dh_l is (u_b / B) Q_L ... Q_{l+1}, of length 1 / B: ||.||_F = sqrt(B) / B.
    np.testing.assert_allclose(r.log10_grad_h, np.log10(np.sqrt(8) / 8), rtol=0, atol=1e-12)
    # dE/dW_l = (1/B) (U A_l)^T (X C_l^T) with orthogonal A_l, C_l: ||.||_F = ||U^T X||_F / B at every layer.
    np.testing.assert_allclose(r.log10_grad_w, np.log10(np.linalg.norm(u.T @ x) / 8), rtol=0, atol=1e-12)
    np.testing.assert_allclose(r.log10_rms_h, np.log10(np.sqrt(np.mean(x**2))), rtol=0, atol=1e-12)
    for a in (0.5, 3.0):
        s = evaluate(a * W, x, u, "linear")
        L, ls = 12, np.arange(13)
        np.testing.assert_allclose(s.log10_grad_h, (L - ls) * np.log10(a) + np.log10(np.sqrt(8) / 8), atol=1e-12)
        np.testing.assert_allclose(s.log10_grad_w, r.log10_grad_w + (L - 1) * np.log10(a), atol=1e-12)


def test_a_dead_relu_has_zero_gradient_columns() -> None:
    rng = np.random.default_rng(11)
    L, n, B, j = 3, 6, 64, 2
    W = rng.standard_normal((L, n, n))
    x = np.abs(rng.standard_normal((B, n)))
    u = np.ones(n) / np.sqrt(n)
    # x > 0: unit j of layer 1 has a < 0 for every example, the other units a > 0.
    W[0] = np.abs(W[0])
    W[0, j] *= -1
    for activation in ("relu", "leaky_relu"):
        r = evaluate(W, x, u, activation)
        assert r.dead_fraction[0] == 1 / n
        g = backward(forward(W, x, activation), W, u, keep_grad_w=True)
        assert g.grad_w is not None
        others = np.arange(n) != j
        assert np.all(np.any(g.grad_w[1][:, others] != 0, axis=0))
        if activation == "relu":
            assert np.all(g.grad_w[0][j] == 0)  # weights into the dead unit
            assert np.all(g.grad_w[1][:, j] == 0)  # weights out of it
        else:  # on the negative side of a leaky ReLU the unit still passes 1% of the gradient
            assert np.all(g.grad_w[0][j] != 0) and np.all(g.grad_w[1][:, j] != 0)


def test_histogram_and_saturation_count_the_true_pre_activations() -> None:
    r = run_feedforward(FFConfig(layers=6, width=24, batch=16, activation="tanh", init="normal", input_scale=2.0))
    W, x = r.arrays["W"], r.arrays["x"]
    pre = ref_pre(W, x, "tanh", False)  # (L, B, n)
    for l in range(6):
        idx = np.searchsorted(r.hist_edges, pre[l].ravel(), side="right")  # 0: below, 41: at or above 10
        counts = np.bincount(idx, minlength=42)
        np.testing.assert_array_equal(r.hist_counts[l], counts[1:-1])
        assert (r.hist_below[l], r.hist_above[l]) == (counts[0], counts[-1])
        flat = ACTIVATIONS["tanh"].dphi(pre[l]) < 1e-3
        assert r.saturated_fraction[l] == np.mean(flat)
        assert r.dead_fraction[l] == np.mean(np.all(flat, axis=0))
    assert r.hist_below.sum() > 0 and r.hist_above.sum() > 0 and r.saturated_fraction[-1] > 0.3


@pytest.mark.parametrize("activation", ["linear", "relu"])
def test_exploding_network_stays_finite(activation: ActivationName) -> None:
    r = run_feedforward(FFConfig(layers=100, width=128, activation=activation, init="normal"))
    for v in (r.log10_grad_h, r.log10_grad_w, r.log10_rms_h):
        assert np.all(np.isfinite(v))
    # Each N(0, 1) layer of width n scales a vector by ~sqrt(n) (sqrt(n/2) through a ReLU).
    growth = np.log10(np.sqrt(128 if activation == "linear" else 64))
    assert abs(np.mean(np.diff(r.log10_rms_h)) - growth) < 0.2
    assert abs(np.mean(-np.diff(r.log10_grad_h)) - growth) < 0.2
    assert r.log10_grad_w[0] > 80


@pytest.mark.parametrize("width", [1, 32])
def test_vanishing_sigmoid_network_stays_finite(width: int) -> None:
    r = run_feedforward(FFConfig(layers=100, width=width, activation="sigmoid", init="small"))
    for v in (r.log10_grad_h, r.log10_grad_w, r.log10_rms_h):
        assert np.all(np.isfinite(v))
    assert r.log10_grad_w[0] < -150 and r.log10_grad_h[0] < -150
    assert np.all(np.diff(r.log10_grad_w) > 0)  # layers near the input learn slowest


def test_a_vanished_tanh_signal_is_carried_like_a_linear_one() -> None:
    cfg = FFConfig(layers=100, width=4, activation="tanh", init="small", input_scale=1e-200)
    t, lin = run_feedforward(cfg), run_feedforward(dataclasses.replace(cfg, activation="linear"))
    assert lin.log10_rms_h[-1] < -350  # below float64's range
    np.testing.assert_allclose(t.log10_rms_h, lin.log10_rms_h, rtol=0, atol=1e-9)
    np.testing.assert_allclose(t.log10_grad_w, lin.log10_grad_w, rtol=0, atol=1e-9)


def test_batch_norm_normalises_every_layer() -> None:
    cfg = FFConfig(layers=30, width=20, batch=12, activation="relu", init="normal", batch_norm=True, seed=2)
    r = run_feedforward(cfg)
    trace = forward(r.arrays["W"], r.arrays["x"], "relu", True)
    assert trace.inv_std is not None and np.all(trace.pre_log2 == 0)
    np.testing.assert_allclose(trace.pre.mean(axis=1), 0.0, atol=1e-12)
    variance = 1.0 / trace.inv_std**2 - BN_EPS  # batch variance of a_l
    np.testing.assert_allclose(trace.pre.var(axis=1), variance / (variance + BN_EPS), rtol=1e-12)
    np.testing.assert_allclose(trace.pre.var(axis=1), 1.0, atol=1e-3)
    for v in (r.log10_grad_h, r.log10_grad_w, r.log10_rms_h):
        assert np.all(np.isfinite(v))
    deep = run_feedforward(FFConfig(layers=100, width=128, activation="relu", init="normal", batch_norm=True))
    assert np.all(np.isfinite(deep.log10_grad_w)) and np.all(np.isfinite(deep.log10_grad_h))


def test_linear_batch_norm_needs_a_readout_per_example() -> None:
    # The batch mean of a normalised output is 0, so a shared readout gives E = <u, mean_b h_L[b]> = 0 for
    # every weight; the per-example readouts of run_feedforward keep a gradient.
    W, x, u = small_case(4)
    assert np.all(evaluate(W, x, u[0], "linear", batch_norm=True).log10_grad_w < -12)
    assert np.all(evaluate(W, x, u, "linear", batch_norm=True).log10_grad_w > -3)


def test_runs_are_seeded_and_arrays_reproduce_them() -> None:
    cfg = FFConfig(layers=5, width=8, batch=6, seed=9)
    a, b = run_feedforward(cfg), run_feedforward(cfg)
    for k in ("W", "x", "u"):
        np.testing.assert_array_equal(a.arrays[k], b.arrays[k])
    assert a.arrays["W"].shape == (5, 8, 8) and a.arrays["x"].shape == (6, 8)
    np.testing.assert_allclose(np.linalg.norm(a.arrays["u"], axis=1), 1.0)
    again = evaluate(a.arrays["W"], a.arrays["x"], a.arrays["u"], cfg.activation, cfg.batch_norm)
    np.testing.assert_array_equal(again.log10_grad_w, a.log10_grad_w)
    # Deeper or larger-batch runs keep the first layers and examples; another seed changes them.
    deeper = run_feedforward(dataclasses.replace(cfg, layers=9, batch=10))
    np.testing.assert_array_equal(deeper.arrays["W"][:5], a.arrays["W"])
    np.testing.assert_array_equal(deeper.arrays["x"][:6], a.arrays["x"])
    np.testing.assert_array_equal(deeper.arrays["u"][:6], a.arrays["u"])
    assert not np.array_equal(run_feedforward(dataclasses.replace(cfg, seed=10)).arrays["W"], a.arrays["W"])


@pytest.mark.parametrize(("init", "std"), [("normal", 1.0), ("small", 0.01), ("xavier", 1 / 16), ("he", 2**0.5 / 16)])
def test_gaussian_inits_share_one_draw_at_their_scale(init: str, std: float) -> None:
    W = layer_weights(1, 256, 3, init)  # type: ignore[arg-type]
    np.testing.assert_allclose(W / std, layer_weights(1, 256, 3, "normal"), rtol=1e-15)
    assert np.std(W) == pytest.approx(std, rel=0.02)


@pytest.mark.parametrize("batch_norm", [False, True])
@pytest.mark.parametrize("activation", ACTS)
def test_weight_gradient_norms_from_gram_matrices_match_the_product(
    activation: ActivationName, batch_norm: bool
) -> None:
    # B < n: ||delta^T h||_F comes from the (B, B) Gram matrices; keeping dE/dW forms the product itself.
    cfg = FFConfig(layers=15, width=40, batch=6, activation=activation, init="he", batch_norm=batch_norm, seed=3)
    r = run_feedforward(cfg)
    trace = forward(r.arrays["W"], r.arrays["x"], activation, batch_norm)
    kept = backward(trace, r.arrays["W"], r.arrays["u"], keep_grad_w=True)
    assert kept.grad_w is not None
    product = [
        np.log10(np.linalg.norm(g)) + e * np.log10(2) for g, e in zip(kept.grad_w, kept.grad_w_log2, strict=True)
    ]
    if not (activation == "linear" and batch_norm):  # there the gradient is rounding noise
        np.testing.assert_allclose(r.log10_grad_w, product, rtol=0, atol=1e-10)
        np.testing.assert_allclose(kept.log10_grad_w, product, rtol=0, atol=1e-12)


def test_bounds_cover_every_numeric_field_and_its_default() -> None:
    cfg = FFConfig()
    numeric = {f.name for f in dataclasses.fields(cfg) if f.type in ("int", "float")}
    assert set(BOUNDS) == numeric
    for name, b in BOUNDS.items():
        assert b.lo <= getattr(cfg, name) <= b.hi


def test_flat_threshold_is_where_phi_prime_falls_below_a_thousandth() -> None:
    assert flat_threshold("tanh") == pytest.approx(np.arccosh(np.sqrt(1000.0)), rel=1e-12)
    c = 1e-3 / 4  # sigmoid'(a) = s (1 - s)
    s = (1 - np.sqrt(1 - 4 * c)) / 2
    assert flat_threshold("sigmoid") == pytest.approx(-np.log(s / (1 - s)), rel=1e-12)
    assert flat_threshold("relu") is None
