"""Every number the API returns, recomputed from the weights it returns by an independent implementation."""

import numpy as np
import pytest
from fastapi.testclient import TestClient

from tests import reference, reference_gru


def _arr(v: object) -> np.ndarray:
    return np.array(v, dtype=float)


def _log(v: object) -> np.ndarray:
    """JSON log10 values back to floats, null -> -inf (an exact zero)."""
    return np.nan_to_num(np.array(v, dtype=float), nan=-np.inf)


@pytest.mark.parametrize(
    "query",
    [
        "activation=tanh&scale=1.4&hidden=4&steps=8&seed=3",
        "activation=sigmoid&scale=6&init=orthogonal&hidden=3&steps=7&input_scale=2&bias=-1&seed=5",
        "activation=relu&scale=1.2&hidden=5&steps=6&seed=11",
        "activation=leaky_relu&init=identity&scale=0.8&hidden=2&steps=9&seed=1",
        "activation=tanh&scale=2&hidden=4&steps=6&norm=frobenius&seed=2",
    ],
)
def test_rnn_numbers_match_independent_complex_step(client: TestClient, query: str) -> None:
    d = client.get(f"/api/v1/rnn?{query}&include=weights").json()
    cfg, w = d["config"], {k: _arr(v) for k, v in d["weights"].items()}
    T, act, norm = cfg["steps"], cfg["activation"], cfg["norm"]
    decay, pairs, units = _log(d["decay"]["log10_norm"]), d["pairs"]["log10_norm"], _log(d["units"]["log10_abs"])
    for k in range(T + 1):
        jac = reference.rnn_jacobian(w, act, T, k)
        assert decay[k] == pytest.approx(reference.log10_norm(jac, norm), abs=1e-9)
        np.testing.assert_allclose(units[:, k], reference.log10_abs(w["u"] @ jac), atol=1e-9)
        for t in range(k, T + 1):
            ref = reference.log10_norm(reference.rnn_jacobian(w, act, t, k), norm)
            assert (-np.inf if pairs[t][k] is None else pairs[t][k]) == pytest.approx(ref, abs=1e-9)
    assert d["pairs"]["exact"] and d["pairs"]["t"] == list(range(T + 1))
    sigma = np.linalg.norm(w["W"], 2)
    assert d["summary"]["sigma_max"] == pytest.approx(sigma, rel=1e-12)
    assert d["summary"]["spectral_radius"] == pytest.approx(np.max(np.abs(np.linalg.eigvals(w["W"]))), rel=1e-12)
    gamma = {"sigmoid": 0.25}.get(act, 1.0)
    np.testing.assert_allclose(d["bound"]["log10"], (T - np.arange(T + 1)) * np.log10(gamma * sigma), atol=1e-12)
    rho = np.max(np.abs(np.linalg.eigvals(w["W"])))
    np.testing.assert_allclose(d["theory"]["rho_log10"], (T - np.arange(T + 1)) * np.log10(rho), atol=1e-12)
    # Every pre-activation a_t = W h_{t-1} + U x_t + b, binned: the saturation histogram.
    hs = reference.rnn_states(w, act)
    pre = np.array([w["W"] @ hs[t] + w["U"] @ w["x"][t] + w["b"] for t in range(T)])
    h = d["preactivations"]
    np.testing.assert_array_equal(h["counts"], np.histogram(pre, bins=np.array(h["edges"]))[0])
    assert h["below"] == np.sum(pre < h["edges"][0]) and h["above"] == np.sum(pre > h["edges"][-1])
    dphi = {
        "tanh": 1 - np.tanh(pre) ** 2,
        "sigmoid": np.exp(-pre) / (1 + np.exp(-pre)) ** 2,
        "relu": (pre > 0) * 1.0,
        "leaky_relu": np.where(pre > 0, 1.0, 0.01),
    }.get(act, np.ones_like(pre))
    assert h["saturated_fraction"] == pytest.approx(np.mean(dphi < 1e-3 * gamma), abs=1e-12)


@pytest.mark.parametrize(
    "query",
    [
        "hidden=3&steps=6&scale=1.5&forget_bias=1&seed=4",
        "hidden=2&steps=8&scale=3&forget_bias=-2&input_scale=2&seed=8",
        "hidden=4&steps=5&scale=0.3&forget_bias=6&seed=0&norm=frobenius",
        "hidden=3&steps=6&scale=2&forget_bias=1&seed=6&coupled=true",
    ],
)
def test_lstm_numbers_match_independent_complex_step(client: TestClient, query: str) -> None:
    d = client.get(f"/api/v1/lstm?{query}&include=weights").json()
    cfg, w = d["config"], {k: _arr(v) for k, v in d["weights"].items()}
    T, n, norm = cfg["steps"], cfg["hidden"], cfg["norm"]
    decay, pairs, units = _log(d["decay"]["log10_norm"]), d["pairs"]["log10_norm"], _log(d["units"]["log10_abs"])
    f = reference.lstm_forget_gates(w)
    per_unit = _log(d["cell_path"]["log10_per_unit"])
    for k in range(T + 1):
        jac = reference.lstm_jacobian(w, T, k)
        assert decay[k] == pytest.approx(reference.log10_norm(jac, norm), abs=1e-9)
        np.testing.assert_allclose(units[:, k], reference.log10_abs(w["u"] @ jac[:n, :n]), atol=1e-9)
        for t in range(k, T + 1):
            assert pairs[t][k] == pytest.approx(reference.log10_norm(reference.lstm_jacobian(w, t, k), norm), abs=1e-9)
        path = np.prod(f[k:], axis=0)
        np.testing.assert_allclose(per_unit[:, k], np.log10(path), atol=1e-12)
        assert d["cell_path"]["log10_norm"][k] == pytest.approx(np.log10(np.linalg.norm(np.diag(path), 2)), abs=1e-12)
    sig_bf = 1 / (1 + np.exp(-cfg["forget_bias"]))
    np.testing.assert_allclose(d["cell_path"]["reference_log10"], (T - np.arange(T + 1)) * np.log10(sig_bf), atol=1e-12)
    assert d["summary"]["sigmoid_forget_bias"] == pytest.approx(sig_bf, rel=1e-12)
    assert d["summary"]["mean_forget_gate"] == pytest.approx(np.mean(f), rel=1e-12)


@pytest.mark.parametrize(
    "query",
    [
        "hidden=3&steps=6&scale=1.5&forget_bias=1&seed=4&peephole=true",
        "hidden=3&steps=5&scale=3&forget_bias=-2&input_scale=2&seed=8&peephole=true&coupled=true",
    ],
)
def test_peephole_lstm_numbers_match_independent_complex_step(client: TestClient, query: str) -> None:
    d = client.get(f"/api/v1/lstm?{query}&include=weights").json()
    cfg, w = d["config"], {k: _arr(v) for k, v in d["weights"].items()}
    T, n = cfg["steps"], cfg["hidden"]
    assert {"p_f", "p_o"} <= set(w) and ("p_i" in w) == (not cfg["coupled"])
    decay, pairs = _log(d["decay"]["log10_norm"]), d["pairs"]["log10_norm"]
    carry = reference.lstm_cell_carry(w)  # dc_t/dc_{t-1} along the cell, h held fixed
    per_unit = _log(d["cell_path"]["log10_per_unit"])
    for k in range(T + 1):
        assert decay[k] == pytest.approx(reference.log10_norm(reference.lstm_jacobian(w, T, k)), abs=1e-9)
        for t in range(k, T + 1):
            assert pairs[t][k] == pytest.approx(reference.log10_norm(reference.lstm_jacobian(w, t, k)), abs=1e-9)
        np.testing.assert_allclose(per_unit[:, k], np.sum(np.log10(np.abs(carry[k:])), axis=0), atol=1e-11)
    assert np.array(per_unit).shape == (n, T + 1)


@pytest.mark.parametrize(
    "query",
    [
        "hidden=3&steps=6&scale=1.5&update_bias=-1&seed=4",
        "hidden=4&steps=5&scale=3&update_bias=2&input_scale=2&seed=8",
        "hidden=2&steps=7&scale=0.5&update_bias=-4&seed=1&norm=frobenius",
        # The reset gate after W_h (PyTorch, Keras): the same reference with b_hn in the weights.
        "hidden=3&steps=6&scale=1.5&update_bias=-1&seed=4&reset_after=true",
        "hidden=4&steps=5&scale=3&update_bias=2&input_scale=2&seed=8&reset_after=true",
        "hidden=2&steps=7&scale=2.5&update_bias=-4&seed=1&norm=frobenius&reset_after=true",
    ],
)
def test_gru_numbers_match_independent_complex_step(client: TestClient, query: str) -> None:
    d = client.get(f"/api/v1/gru?{query}&include=weights").json()
    cfg, w = d["config"], {k: _arr(v) for k, v in d["weights"].items()}
    assert cfg["reset_after"] == ("reset_after=true" in query) == ("b_hn" in w)
    T, norm = cfg["steps"], cfg["norm"]
    decay, pairs, units = _log(d["decay"]["log10_norm"]), d["pairs"]["log10_norm"], _log(d["units"]["log10_abs"])
    z = reference_gru.gru_update_gates(w)  # (T, n)
    per_unit = _log(d["carry_path"]["log10_per_unit"])
    for k in range(T + 1):
        jac = reference_gru.gru_jacobian(w, T, k)
        assert decay[k] == pytest.approx(reference.log10_norm(jac, norm), abs=1e-9)
        np.testing.assert_allclose(units[:, k], reference.log10_abs(w["u"] @ jac), atol=1e-9)
        for t in range(k, T + 1):
            ref = reference.log10_norm(reference_gru.gru_jacobian(w, t, k), norm)
            assert pairs[t][k] == pytest.approx(ref, abs=1e-9)
        np.testing.assert_allclose(per_unit[:, k], np.sum(np.log10(1 - z[k:]), axis=0), atol=1e-12)
    keep = 1 / (1 + np.exp(cfg["update_bias"]))
    np.testing.assert_allclose(d["carry_path"]["reference_log10"], (T - np.arange(T + 1)) * np.log10(keep), atol=1e-12)
    assert d["summary"]["mean_update_gate"] == pytest.approx(np.mean(z), rel=1e-12)
