"""GET /api/v1/feedforward against the core, a plain float64 forward/backward pass and complex-step derivatives."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from core import feedforward as ff
from tests import reference

BN_EPS = 1e-5  # the batch-norm epsilon of the equations


def _phi(act: str, a: np.ndarray) -> np.ndarray:
    if act == "tanh":
        return np.tanh(a)
    if act == "sigmoid":
        return 0.5 * (1.0 + np.tanh(0.5 * a))  # no overflow for any a
    if act == "relu":
        return np.maximum(a, 0.0)
    if act == "leaky_relu":
        return np.where(a > 0, a, 0.01 * a)
    return a


def _dphi(act: str, a: np.ndarray) -> np.ndarray:
    if act == "tanh":
        return 1.0 - np.tanh(a) ** 2
    if act == "sigmoid":
        s = 0.5 * (1.0 + np.tanh(0.5 * a))
        return s * (1.0 - s)
    if act == "relu":
        return (a > 0).astype(float)
    if act == "leaky_relu":
        return np.where(a > 0, 1.0, 0.01)
    return np.ones_like(a)


def fro(m: np.ndarray) -> float:
    """log10 of the Frobenius norm, -inf for an exact zero."""
    return float(np.log10(np.linalg.norm(m))) if np.any(m) else -np.inf


def plain(W: np.ndarray, x: np.ndarray, u: np.ndarray, act: str) -> dict[str, np.ndarray]:
    """Forward and backward of E = (1/B) sum_b <u_b, h_L[b]> written from the equations, no batch norm."""
    L, B = W.shape[0], x.shape[0]
    hs, pres = [x], []
    for l in range(L):
        pres.append(hs[-1] @ W[l].T)
        hs.append(_phi(act, pres[-1]))
    g = u / B
    grad_h, grad_w = [g], []
    for l in range(L - 1, -1, -1):
        delta = g * _dphi(act, pres[l])
        grad_w.append(delta.T @ hs[l])
        g = delta @ W[l]
        grad_h.append(g)
    return {
        "pre": np.array(pres),
        "log10_grad_h": np.array([fro(m) for m in grad_h[::-1]]),
        "log10_grad_w": np.array([fro(m) for m in grad_w[::-1]]),
        "log10_rms_h": np.array([fro(h) - 0.5 * np.log10(h.size) for h in hs]),
    }


def _values(v: list[Any]) -> np.ndarray:
    """A JSON list of log10 values with null for an exact zero, as floats with -inf."""
    return np.array([-np.inf if e is None else e for e in v], dtype=float)


def _get(client: TestClient, query: str) -> dict[str, Any]:
    r = client.get(f"/api/v1/feedforward?{query}")
    assert r.status_code == 200, r.text
    # Strict JSON: a NaN or Infinity token would be a parse error here.
    out: dict[str, Any] = json.loads(r.text, parse_constant=lambda c: pytest.fail(f"non-JSON constant {c}"))
    return out


def _check_plain(d: dict[str, Any], W: np.ndarray, x: np.ndarray, u: np.ndarray) -> None:
    act, L = d["config"]["activation"], d["config"]["layers"]
    ref = plain(W, x, u, act)
    for key in ("log10_grad_h", "log10_grad_w", "log10_rms_h"):
        np.testing.assert_allclose(_values(d[key]), ref[key], rtol=0, atol=1e-9, err_msg=key)
    pre = ref["pre"]  # (L, B, n)
    h = d["preactivations"]
    edges = np.array(h["edges"])
    assert edges.tolist() == np.linspace(-10, 10, 41).tolist()
    for l in range(L):
        a = pre[l].ravel()
        inside = a[(a >= -10) & (a < 10)]
        counts = np.bincount(np.floor(2 * inside).astype(int) + 20, minlength=40)
        assert h["counts"][l] == counts.tolist()
        assert (h["below"][l], h["above"][l]) == (int(np.sum(a < -10)), int(np.sum(a >= 10)))
    assert h["total"] == pre[0].size
    if act in ("relu", "leaky_relu"):
        flat = pre <= 0
    elif act == "linear":
        flat = np.zeros(pre.shape, dtype=bool)
    else:
        with np.errstate(under="ignore"):
            flat = _dphi(act, pre) < 1e-3 * (0.25 if act == "sigmoid" else 1.0)
    assert d["saturated_fraction"] == pytest.approx(flat.mean(axis=(1, 2)).tolist(), abs=1e-15)
    assert d["dead_fraction"] == pytest.approx(flat.all(axis=1).mean(axis=1).tolist(), abs=1e-15)
    s = d["summary"]
    first, last = ref["log10_grad_w"][0], ref["log10_grad_w"][-1]
    if np.isfinite(first) and np.isfinite(last):
        assert s["log10_first_over_last"] == pytest.approx(first - last, abs=1e-9)


@pytest.mark.parametrize(
    "query",
    [
        "activation=tanh&init=xavier&layers=6&width=5&batch=4&seed=3",
        "activation=sigmoid&init=normal&layers=8&width=7&batch=3&input_scale=3&seed=1",
        "activation=relu&init=normal&layers=10&width=6&batch=5&seed=2",
        "activation=leaky_relu&init=he&layers=5&width=4&batch=6&seed=4",
        "activation=linear&init=orthogonal&layers=7&width=3&batch=2&seed=5",
        "activation=tanh&init=small&layers=9&width=8&batch=3&seed=6",
    ],
)
def test_numbers_match_a_plain_pass_over_the_returned_arrays(client: TestClient, query: str) -> None:
    d = _get(client, f"{query}&include=weights")
    w = {k: np.array(v) for k, v in d["weights"].items()}
    c = d["config"]
    assert w["W"].shape == (c["layers"], c["width"], c["width"]) and w["x"].shape == w["u"].shape == (
        c["batch"],
        c["width"],
    )
    _check_plain(d, w["W"], w["x"], w["u"])


def _complex_step_energy(W: np.ndarray, x: np.ndarray, u: np.ndarray, act: str, start: int = 0) -> complex:
    """E of a batch-normalised net from layer start + 1, complex-safe (no conjugates), on h_start = x."""
    h = x.astype(complex)
    for l in range(start, W.shape[0]):
        a = h @ W[l].T
        a = a - a.mean(axis=0)
        a = a / np.sqrt((a * a).mean(axis=0) + BN_EPS)
        h = reference.PHI[act](a)
    return complex(np.sum(h * u) / h.shape[0])


def _complex_step_energy_states(W: np.ndarray, h: np.ndarray, act: str, l: int) -> np.ndarray:
    """h_{l+1} from h_l through batch-normalised layer l + 1."""
    a = h @ W[l].T
    a = a - a.mean(axis=0)
    return np.asarray(reference.PHI[act](a / np.sqrt((a * a).mean(axis=0) + BN_EPS)))


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu", "linear"])
def test_batch_norm_gradients_match_complex_step(client: TestClient, activation: str) -> None:
    q = f"activation={activation}&init=normal&batch_norm=true&layers=3&width=4&batch=5&seed=7&include=weights"
    d = _get(client, q)
    W, x, u = (np.array(d["weights"][k]) for k in ("W", "x", "u"))
    H = reference.H
    grad_w = np.zeros_like(W)
    for idx in np.ndindex(*W.shape):
        Wc = W.astype(complex)
        Wc[idx] += 1j * H
        grad_w[idx] = _complex_step_energy(Wc, x, u, activation).imag / H
    np.testing.assert_allclose(_values(d["log10_grad_w"]), np.log10(np.linalg.norm(grad_w, axis=(1, 2))), atol=1e-9)
    # dE/dh_l: perturb the state h_l itself and run the layers above it.
    hs = [x]
    for l in range(W.shape[0]):
        hs.append(_complex_step_energy_states(W, hs[-1], activation, l))
    for l, h in enumerate(hs):
        g = np.zeros_like(h)
        for idx in np.ndindex(*h.shape):
            hc = h.astype(complex)
            hc[idx] += 1j * H
            g[idx] = _complex_step_energy(W, hc, u, activation, start=l).imag / H
        assert _values(d["log10_grad_h"])[l] == pytest.approx(np.log10(np.linalg.norm(g)), abs=1e-9)


def test_api_carries_the_core_numbers(client: TestClient) -> None:
    q = "layers=12&width=16&activation=relu&init=normal&batch=8&seed=9"
    d = _get(client, q)
    r = ff.run_feedforward(ff.FFConfig(layers=12, width=16, activation="relu", init="normal", batch=8, seed=9))
    for key in ("log10_grad_h", "log10_grad_w", "log10_rms_h"):
        assert _values(d[key]).tolist() == getattr(r, key).tolist()
    assert d["preactivations"]["counts"] == r.hist_counts.tolist()
    assert d["dead_fraction"] == r.dead_fraction.tolist() and d["saturated_fraction"] == r.saturated_fraction.tolist()
    assert d["weights"] is None and d["model"] == "feedforward"


def test_defaults_echo_the_core_config(client: TestClient) -> None:
    d = _get(client, "")
    D = ff.FFConfig()
    assert {k: d["config"][k] for k in ("layers", "width", "activation", "init", "batch_norm", "batch", "seed")} == {
        "layers": D.layers,
        "width": D.width,
        "activation": D.activation,
        "init": D.init,
        "batch_norm": D.batch_norm,
        "batch": D.batch,
        "seed": D.seed,
    }
    assert len(d["log10_grad_h"]) == D.layers + 1 and len(d["preactivations"]["counts"]) == D.layers


@pytest.mark.parametrize(
    ("query", "field", "allowed"),
    [
        ("layers=101", "layers", "1..100"),
        ("width=0", "width", "1..256"),
        ("init=bogus", "init", "normal, small, xavier, he, orthogonal"),
        ("batch=1", "batch", "2..256"),
        ("batch_norm=maybe", "batch_norm", "true, false"),
        ("input_scale=nan", "input_scale", "0..10"),
    ],
)
def test_errors_name_the_field_and_its_range(client: TestClient, query: str, field: str, allowed: str) -> None:
    r = client.get(f"/api/v1/feedforward?{query}")
    assert r.status_code == 422
    (d,) = r.json()["detail"]
    assert d["field"] == field and allowed in d["message"] and allowed in d["allowed"]


def test_unknown_parameter_is_refused(client: TestClient) -> None:
    r = client.get("/api/v1/feedforward?depth=3")
    assert r.status_code == 422 and "known parameters" in r.json()["detail"][0]["message"]


@pytest.mark.parametrize(
    ("activation", "init"), [("relu", "normal"), ("sigmoid", "small"), ("tanh", "normal"), ("linear", "normal")]
)
def test_largest_networks_are_finite_and_exact(client: TestClient, activation: str, init: ff.FFInit) -> None:
    d = _get(client, f"layers=100&width=256&activation={activation}&init={init}")
    cfg = ff.FFConfig(layers=100, width=256, activation=activation, init=init)  # type: ignore[arg-type]
    W = ff.layer_weights(cfg.seed, cfg.width, cfg.layers, cfg.init)
    x, u = ff.inputs(cfg.seed, cfg.batch, cfg.width, cfg.input_scale), ff.probe(cfg.seed, cfg.batch, cfg.width)
    with np.errstate(under="ignore"):  # a vanishing net's smallest gradients leave float64 for 0
        _check_plain(d, W, x, u)
    if (activation, init) == ("relu", "normal"):
        assert max(d["dead_fraction"]) > 0
    if (activation, init) == ("sigmoid", "small"):
        assert d["summary"]["log10_first_over_last"] < -100  # the first layer learns > 10^100 times slower


def test_weights_are_sent_only_up_to_a_size_and_the_error_says_what_to_lower(client: TestClient) -> None:
    r = client.get("/api/v1/feedforward?layers=100&width=256&include=weights")
    assert r.status_code == 422
    (d,) = r.json()["detail"]
    assert d["field"] == "include" and "lower layers to 16 or width to 102" in d["message"]
    for ok in ("layers=16&width=256", "layers=100&width=102"):
        assert client.get(f"/api/v1/feedforward?{ok}&include=weights").status_code == 200
    for over in ("layers=17&width=256", "layers=100&width=103"):
        assert client.get(f"/api/v1/feedforward?{over}&include=weights").status_code == 422
    assert client.get("/api/v1/feedforward?layers=100&width=256").status_code == 200  # without weights: any size
