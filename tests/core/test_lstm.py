"""LSTM: local Jacobian, the cell-state path, closed forms with zero weights, extremes."""

import numpy as np
import pytest

from core import LSTMConfig, run_lstm
from core.cells import lstm
from core.explore import lstm_params
from tests import reference


@pytest.mark.parametrize(("scale", "forget_bias", "seed"), [(1.0, 1.0, 0), (2.5, -1.0, 3), (0.5, 3.0, 9)])
def test_every_quantity_matches_complex_step_reference(scale: float, forget_bias: float, seed: int) -> None:
    cfg = LSTMConfig(hidden=3, steps=6, scale=scale, forget_bias=forget_bias, input_scale=1.0, seed=seed)
    r = run_lstm(cfg)
    w, T, n = r.arrays, cfg.steps, cfg.hidden
    assert r.pairs is not None
    for t in range(T + 1):
        for k in range(t + 1):
            assert r.pairs.values[t, k] == pytest.approx(
                reference.log10_norm(reference.lstm_jacobian(w, t, k)), abs=1e-9
            )
    for k in range(T + 1):
        jac = reference.lstm_jacobian(w, T, k)
        assert r.decay[k] == pytest.approx(reference.log10_norm(jac), abs=1e-9)
        np.testing.assert_allclose(r.units[:, k], reference.log10_abs(w["u"] @ jac[:n, :n]), atol=1e-9)
    f = reference.lstm_forget_gates(w)  # (T, n)
    for k in range(T + 1):
        per_unit = np.sum(np.log10(f[k:]), axis=0)
        np.testing.assert_allclose(r.cell_path["log10_per_unit"][:, k], per_unit, atol=1e-12)
        assert r.cell_path["log10_norm"][k] == pytest.approx(np.max(per_unit), abs=1e-12)


@pytest.mark.parametrize("forget_bias", [-3.0, 0.0, 1.0, 5.0])
def test_zero_weights_give_sigmoid_bf_to_the_k(forget_bias: float) -> None:
    T = 40
    r = run_lstm(LSTMConfig(hidden=5, steps=T, scale=0.0, input_scale=0.0, forget_bias=forget_bias))
    k = np.arange(T + 1)
    expected = (T - k) * np.log10(1 / (1 + np.exp(-forget_bias)))
    np.testing.assert_allclose(r.cell_path["log10_norm"], expected, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(r.cell_path["reference_log10"], expected, rtol=1e-13, atol=1e-13)
    # All paths: with zero weights c stays 0, i = o = 1/2, and the product is [[0, f^m/2], [0, f^m]] I,
    # whose 2-norm is f^m sqrt(5)/2 for m >= 1.
    np.testing.assert_allclose(r.decay[:T], expected[:T] + np.log10(np.sqrt(5) / 2), rtol=1e-12, atol=1e-12)
    assert r.decay[T] == pytest.approx(0.0)


@pytest.mark.parametrize("forget_bias", [-10.0, 10.0])
@pytest.mark.parametrize("scale", [0.05, 4.0])
def test_thousand_steps_at_extreme_settings_stay_finite(forget_bias: float, scale: float) -> None:
    cfg = LSTMConfig(hidden=6, steps=1000, scale=scale, forget_bias=forget_bias, input_scale=2.0)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        r = run_lstm(cfg, with_pairs=False)
    assert np.all(np.isfinite(r.decay))
    assert np.all(np.isfinite(r.cell_path["log10_norm"]))
    if forget_bias == -10.0:
        assert r.cell_path["log10_norm"][0] < -4000  # sigmoid(-10)^1000 ~ 10^-4343


def test_rnn_and_lstm_share_the_input_sequence() -> None:
    from core import RNNConfig
    from core.explore import rnn_params

    x_lstm = lstm_params(LSTMConfig(hidden=5, steps=9, seed=3))[1]
    x_rnn = rnn_params(RNNConfig(hidden=5, steps=9, seed=3))[1]
    np.testing.assert_array_equal(x_lstm, x_rnn)


def test_zero_recurrent_weights_with_inputs_have_a_closed_form() -> None:
    # With W_h = 0 the gates depend on x alone and J_t = [[0, diag(o_t tanh'(c_t) f_t)], [0, diag(f_t)]];
    # a product over j = k+1..T is [[0, diag(a)], [0, diag(b)]] with b = prod f_j and a = o_T tanh'(c_T) b,
    # whose 2-norm is max_i sqrt(a_i^2 + b_i^2). Strong inputs and b_f = -10 make the gates extreme.
    cfg = LSTMConfig(hidden=48, steps=300, scale=0.0, forget_bias=-10.0, input_scale=10.0, seed=5)
    r = run_lstm(cfg, with_pairs=False)
    w = r.arrays

    def sig(z: np.ndarray) -> np.ndarray:
        return 1 / (1 + np.exp(-z))

    x = w["x"]
    f = sig(x @ w["W_fx"].T + w["b_f"])  # (T, n)
    i, g, o = sig(x @ w["W_ix"].T), np.tanh(x @ w["W_cx"].T), sig(x @ w["W_ox"].T)
    c = np.zeros(cfg.hidden)
    for t in range(cfg.steps):
        c = f[t] * c + i[t] * g[t]
    dtanh = 1 - np.tanh(c) ** 2
    log_b = np.cumsum(np.log10(f[::-1]), axis=0)[::-1]  # log_b[k] = sum_{j >= k} log10 f_j (0-based j = step j+1)
    for k in (0, 1, 150, 298, 299):
        b = log_b[k]
        a = b + np.log10(o[-1] * dtanh)
        expected = np.max(np.maximum(a, b) + 0.5 * np.log10(1 + 10 ** (2 * (np.minimum(a, b) - np.maximum(a, b)))))
        assert r.decay[k] == pytest.approx(expected, abs=1e-9)
    assert r.decay[-1] == 0.0


VARIANTS = [(True, False), (False, True), (True, True)]


@pytest.mark.parametrize(("peephole", "coupled"), [(False, False), *VARIANTS])
def test_local_jacobian_matches_finite_differences(peephole: bool, coupled: bool) -> None:
    rng = np.random.default_rng(7)
    n = 4
    state = rng.standard_normal(2 * n)
    peep = rng.standard_normal((3, n)) if peephole else None
    p = lstm.LSTMParams(
        rng.standard_normal((4, n, n)),
        rng.standard_normal((4, n, 3)),
        rng.standard_normal((4, n)),
        state[:n],
        state[n:],
        peep,
        coupled,
    )
    x = rng.standard_normal((1, 3))
    J = lstm.local_jacobian(p, lstm.forward(p, x), 1)
    eps = 1e-6
    cols = []
    for e in np.eye(2 * n):
        plus, minus = state + eps * e, state - eps * e
        fp = np.concatenate(lstm.step(p, plus[:n], plus[n:], x[0]))
        fm = np.concatenate(lstm.step(p, minus[:n], minus[n:], x[0]))
        cols.append((fp - fm) / (2 * eps))
    np.testing.assert_allclose(J, np.array(cols).T, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize(("peephole", "coupled"), VARIANTS)
@pytest.mark.parametrize(("scale", "forget_bias", "seed"), [(1.0, 1.0, 0), (2.5, -1.0, 3)])
def test_variants_match_the_complex_step_reference(
    peephole: bool, coupled: bool, scale: float, forget_bias: float, seed: int
) -> None:
    cfg = LSTMConfig(
        hidden=3, steps=6, scale=scale, forget_bias=forget_bias, seed=seed, peephole=peephole, coupled=coupled
    )
    r = run_lstm(cfg)
    w, T, n = r.arrays, cfg.steps, cfg.hidden
    assert ("p_f" in w) == peephole and ("W_ih" in w) == (not coupled)
    assert r.pairs is not None
    for t in range(T + 1):
        for k in range(t + 1):
            jac = reference.lstm_jacobian(w, t, k)
            assert r.pairs.values[t, k] == pytest.approx(reference.log10_norm(jac), abs=1e-9)
    for k in range(T + 1):
        jac = reference.lstm_jacobian(w, T, k)
        assert r.decay[k] == pytest.approx(reference.log10_norm(jac), abs=1e-9)
        np.testing.assert_allclose(r.units[:, k], reference.log10_abs(w["u"] @ jac[:n, :n]), atol=1e-9)
    carry = reference.lstm_cell_carry(w)  # (T, n)
    for k in range(T + 1):
        per_unit = np.sum(np.log10(np.abs(carry[k:])), axis=0)
        np.testing.assert_allclose(r.cell_path["log10_per_unit"][:, k], per_unit, atol=1e-11)


@pytest.mark.parametrize(("peephole", "coupled"), VARIANTS)
def test_variants_with_zero_weights_keep_the_sigmoid_bf_closed_form(peephole: bool, coupled: bool) -> None:
    # No weights, no inputs: c stays 0, so the peepholes see nothing, and the cell path is f = sigmoid(b_f).
    T, b_f = 30, 2.0
    cfg = LSTMConfig(hidden=4, steps=T, scale=0.0, input_scale=0.0, forget_bias=b_f, peephole=peephole, coupled=coupled)
    r = run_lstm(cfg)
    expected = (T - np.arange(T + 1)) * np.log10(1 / (1 + np.exp(-b_f)))
    np.testing.assert_allclose(r.cell_path["log10_norm"], expected, rtol=1e-13, atol=1e-13)


def test_coupled_input_gate_is_one_minus_forget() -> None:
    p, x = lstm_params(LSTMConfig(hidden=5, steps=20, coupled=True, peephole=True, scale=2.0, seed=4))
    g = lstm.forward(p, x).gates
    np.testing.assert_allclose(g[:, 1], 1.0 - g[:, 0], atol=1e-15)


@pytest.mark.parametrize("forget_bias", [-10.0, 10.0])
def test_peephole_variants_stay_finite_for_a_thousand_steps(forget_bias: float) -> None:
    cfg = LSTMConfig(hidden=6, steps=1000, scale=4.0, forget_bias=forget_bias, input_scale=3.0, peephole=True)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        r = run_lstm(cfg, with_pairs=False)
    assert np.all(np.isfinite(r.decay)) and np.all(np.isfinite(r.cell_path["log10_norm"]))
