"""The scalar RNN: closed forms, the C1 calculator and the C2 sigmoid threshold."""

import numpy as np
import pytest

from core.scalar import ScalarConfig, compound, run_scalar


def test_compound_interest_numbers() -> None:
    c = compound(0.01, 365)
    assert c["shrink"] == pytest.approx(0.99**365, rel=1e-12) and c["shrink"] == pytest.approx(0.0255, abs=5e-5)
    assert c["grow"] == pytest.approx(1.01**365, rel=1e-12) and c["grow"] == pytest.approx(37.78, abs=5e-3)
    far = compound(0.5, 100000)  # 2^-100000 and 1.5^100000: finite in log10, 0 / inf as numbers
    assert far["log10_shrink"] == pytest.approx(-100000 * np.log10(2), rel=1e-12) and far["shrink"] == 0.0
    assert far["log10_grow"] == pytest.approx(100000 * np.log10(1.5), rel=1e-12) and far["grow"] == np.inf


@pytest.mark.parametrize("w", [0.5, -3.0, 10.0])
def test_linear_unit_multiplies_by_w_each_step(w: float) -> None:
    T = 1000
    r = run_scalar(ScalarConfig(activation="linear", weight=w, input_scale=0.0, h0=1.0, steps=T))
    np.testing.assert_allclose(r.log10_running, np.arange(T + 1) * np.log10(abs(w)), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(r.decay, (T - np.arange(T + 1)) * np.log10(abs(w)), rtol=1e-12, atol=1e-12)
    assert r.sign == np.sign(w)
    if w == 10.0:  # 10^1000 is past float64: the states are not shown, the logs are exact
        assert np.isnan(r.states[-1]) and r.states[5] == pytest.approx(1e5)


@pytest.mark.parametrize("w", [1.0, 3.0, 6.0, -8.0])
def test_sigmoid_at_its_fixed_point_gives_w_over_four_per_step(w: float) -> None:
    # h_0 = 1/2 and b = -w/2 keep a_t = 0, where sigmoid' = 1/4: dh_T/dh_k = (w/4)^(T-k).
    T = 60
    r = run_scalar(ScalarConfig(activation="sigmoid", weight=w, bias=-w / 2, input_scale=0.0, h0=0.5, steps=T))
    np.testing.assert_allclose(r.pre, 0.0, atol=1e-15)
    np.testing.assert_allclose(r.decay, (T - np.arange(T + 1)) * np.log10(abs(w) / 4), atol=1e-12)
    np.testing.assert_allclose(r.decay, r.bound, atol=1e-12)  # at a = 0 the bound gamma |w| is attained


def test_sigmoid_below_four_always_vanishes() -> None:
    # C2: sigmoid' <= 1/4, so with |w| < 4 every factor is below 1 whatever the bias, inputs and start.
    rng = np.random.default_rng(5)
    for _ in range(30):
        cfg = ScalarConfig(
            activation="sigmoid",
            weight=float(rng.uniform(-3.99, 3.99)),
            bias=float(rng.uniform(-10, 10)),
            input_scale=float(rng.uniform(0, 10)),
            h0=float(rng.uniform(-10, 10)),
            steps=200,
            seed=int(rng.integers(0, 2**32)),
        )
        r = run_scalar(cfg)
        assert np.all(r.log10_factor < 0)
        assert np.all(np.diff(r.decay) > 0)
        assert np.all(r.decay <= r.bound + 1e-12)


def test_large_sigmoid_weight_can_explode() -> None:
    # w = 10 near the fixed point a = 0: each factor 10/4 > 1.
    r = run_scalar(ScalarConfig(activation="sigmoid", weight=10.0, bias=-5.0, input_scale=0.0, h0=0.5, steps=100))
    assert r.decay[0] == pytest.approx(100 * np.log10(2.5), abs=1e-9)


def test_saturated_tanh_stays_finite_in_log_space() -> None:
    with np.errstate(all="raise"):
        r = run_scalar(ScalarConfig(activation="tanh", weight=10.0, bias=10.0, input_scale=10.0, steps=1000))
    assert np.all(np.isfinite(r.decay)) and r.decay[0] < -1000
