"""The theory endpoints and the RNN's mean-field line: closed forms, the run's own statistics, 400-digit products.

The references here never import the core: pre-activations are recomputed from the returned weights,
Jacobians come from the complex-step reference, and products are formed in mpmath.
"""

import math
import re
from collections.abc import Callable

import mpmath
import numpy as np
import pytest
from fastapi.testclient import TestClient

from tests import reference

DPHI: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "tanh": lambda a: 1.0 - np.tanh(a) ** 2,
    "sigmoid": lambda a: reference._sig(a) * (1.0 - reference._sig(a)),
}


def weights(client: TestClient, query: str) -> dict[str, np.ndarray]:
    body = client.get(f"/api/v1/rnn?{query}&include=weights").json()
    return {k: np.array(v, dtype=float) for k, v in body["weights"].items()}


def spectra(client: TestClient, query: str) -> dict[str, np.ndarray]:
    d = client.get(f"/api/v1/spectrum?{query}").json()
    assert d["computed"], d["message"]
    return {s["init"]: np.array([-np.inf if v is None else v for v in s["log10_values"]]) for s in d["spectra"]}


# Mean field: closed forms along the slider


@pytest.mark.parametrize(
    ("query", "chi_of", "edge"),
    [
        # No input and no bias: h stays 0, phi'(0) = 1, so chi = scale^2 exactly.
        ("activation=tanh&input_scale=0&bias=0", lambda s: s * s, 1.0),
        # ReLU passes half of a zero-mean gaussian: chi = scale^2 / 2 (while q* is finite: scale < sqrt 2).
        ("activation=relu&input_scale=1&bias=0", lambda s: s * s / 2, math.sqrt(2.0)),
        ("activation=linear&input_scale=1&bias=0.3", lambda s: s * s, 1.0),
    ],
)
def test_meanfield_closed_forms(
    client: TestClient, query: str, chi_of: Callable[[np.ndarray], np.ndarray], edge: float
) -> None:
    d = client.get(f"/api/v1/meanfield?{query}").json()
    s, chi = np.array(d["scale"]), np.array(d["chi"])
    keep = s < edge  # beyond sqrt 2 ReLU's q* diverges; chi then takes its q -> inf value, also scale^2 / 2
    np.testing.assert_allclose(chi[keep], chi_of(s[keep]), rtol=1e-9, atol=1e-15)
    assert d["edge_of_chaos"] == pytest.approx(edge, abs=1e-9)
    growth = np.array([np.nan if v is None else v for v in d["log10_growth_per_step"]])
    np.testing.assert_allclose(growth[1:], 0.5 * np.log10(chi[1:]), rtol=1e-12)
    assert d["log10_growth_per_step"][0] is None  # scale 0: chi = 0


def test_sigmoid_never_reaches_the_edge(client: TestClient) -> None:
    # sup sigmoid' = 1/4 and the pre-activations spread as the scale grows: chi < 1 on the whole slider.
    d = client.get("/api/v1/meanfield?activation=sigmoid").json()
    assert d["edge_of_chaos"] is None and max(d["chi"]) < 1.0


@pytest.mark.parametrize(
    "query",
    [
        "activation=tanh&scale=1.5&bias=0.2",
        "activation=tanh&scale=0.8&input_scale=2&init=orthogonal",
        "activation=sigmoid&scale=3&bias=-1",
        "activation=tanh&scale=3&input_scale=0.5&bias=-0.5",
    ],
)
def test_mean_field_matches_the_runs_own_pre_activations(client: TestClient, query: str) -> None:
    # At n = 128 the pre-activations of a run, once q_t has settled, sample N(bias, q*): their variance is q*
    # and scale^2 mean(phi'(a)^2) is chi. One W gives a few per cent of sampling error (more for sigmoid,
    # whose nonzero mean output meets W's 128 row sums); the mean over 8 seeds is within 5 %. (ReLU's
    # unbounded positive output is further off at this n: its variance exceeds q* by 25 % at n = 256 and
    # 7 % at n = 2000 with bias 0.1, a finite-n effect of the fixed W; the core tests check its q* exactly.)
    variances, chis = [], []
    for seed in range(8):
        body = client.get(f"/api/v1/rnn?{query}&hidden=128&steps=80&seed={seed}&include=weights").json()
        w = {k: np.array(v, dtype=float) for k, v in body["weights"].items()}
        mf, act = body["theory"]["mean_field"], body["config"]["activation"]
        hs = reference.rnn_states(w, act)
        pre = np.array([w["W"] @ h + w["U"] @ x + w["b"] for h, x in zip(hs[:-1], w["x"], strict=True)])[30:]
        variances.append(np.var(pre))
        chis.append(body["config"]["scale"] ** 2 * np.mean(DPHI[act](pre) ** 2))
    assert mf["applies"] and mf["converged"]
    assert np.mean(variances) == pytest.approx(mf["q_star"], rel=0.05)
    assert np.mean(chis) == pytest.approx(mf["chi"], rel=0.05)
    T = body["config"]["steps"]
    np.testing.assert_allclose(mf["log10"], (T - np.arange(T + 1)) * 0.5 * np.log10(mf["chi"]), rtol=1e-12, atol=1e-12)


def test_identity_init_is_outside_the_mean_field(client: TestClient) -> None:
    assert not client.get("/api/v1/rnn?init=identity").json()["theory"]["mean_field"]["applies"]


def test_meanfield_takes_only_its_own_fields(client: TestClient) -> None:
    r = client.get("/api/v1/meanfield?bias=11")
    assert r.status_code == 422 and "bias must be a number in -10..10" in r.text
    assert client.get("/api/v1/meanfield?scale=1").status_code == 422


def test_a_norm_above_one_still_vanishes_when_the_spectral_radius_is_below_one(client: TestClient) -> None:
    # Linear RNN, gaussian W at scale 0.8: ||W||_2 ~ 1.6 allows growth by the norm bound, yet
    # dh_T/dh_k = W^(T-k) vanishes at the rate rho(W) ~ 0.8 per step.
    query = "activation=linear&scale=0.8&steps=400&hidden=16&seed=2"
    body = client.get(f"/api/v1/rnn?{query}&include=weights").json()
    W = np.array(body["weights"]["W"])
    rho, sigma = max(abs(np.linalg.eigvals(W))), np.linalg.norm(W, 2)
    assert body["summary"]["spectral_radius"] == pytest.approx(rho, rel=1e-12) and rho < 1 < sigma
    decay = np.array(body["decay"]["log10_norm"])
    for lag in (1, 5, 50, 200, 400):
        expected = math.log10(np.linalg.norm(np.linalg.matrix_power(W, lag), 2))
        assert decay[400 - lag] == pytest.approx(expected, abs=1e-9)
    assert decay[0] < -20 < 400 * math.log10(sigma)  # the norm bound allows 10^+80
    assert np.polyfit(np.arange(200), decay[:200], 1)[0] == pytest.approx(-math.log10(rho), abs=0.01)


# Singular spectrum


@pytest.mark.parametrize("init", ["gaussian", "orthogonal"])
@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_spectrum_matches_a_high_precision_product(client: TestClient, init: str, activation: str) -> None:
    # Complex-step Jacobians of the returned weights, multiplied with 250 significant digits: the smallest
    # singular values lie ~100 decades below the largest, far beyond what float64 products resolve. Values
    # 240 decades below the largest are that product's rounding: exact zeros (dead ReLUs bound the rank).
    base = f"activation={activation}&hidden=6&steps=40&scale=2.5&seed=4"
    query = f"{base}&init={init}"
    sent = client.get(f"/api/v1/spectrum?{query}&include=weights").json()["weights"]
    w = {k: np.array(v, dtype=float) for k, v in sent[init].items()}
    for other in ("gaussian", "orthogonal"):  # the arrays the RNN view of that init uses
        assert sent[other] == client.get(f"/api/v1/rnn?{base}&init={other}&include=weights").json()["weights"]
    mpmath.mp.dps = 250
    product = mpmath.eye(6)
    for t in range(1, 41):
        product = mpmath.matrix(reference.rnn_jacobian(w, activation, t, t - 1).tolist()) * product
    ref = np.array(sorted((float(mpmath.log10(v)) for v in mpmath.svd_r(product, compute_uv=False)), reverse=True))
    ref[ref < ref[0] - 240] = -np.inf
    got = spectra(client, query)[init]
    finite = np.isfinite(ref)
    assert finite.sum() >= 2
    np.testing.assert_allclose(got[finite], ref[finite], rtol=0, atol=1e-8)
    assert np.all(np.isneginf(got[~finite]))


def test_orthogonal_linear_spectrum_is_flat_and_the_gaussian_one_keeps_the_determinant(client: TestClient) -> None:
    T, a = 400, 0.7
    query = f"activation=linear&scale={a}&steps={T}&hidden=24"
    got = spectra(client, query)
    np.testing.assert_allclose(got["orthogonal"], T * math.log10(a), rtol=0, atol=1e-10)  # 0.7^400 = 10^-62
    # prod sigma_i(W^T) = |det W|^T, whatever the spread.
    W = weights(client, f"{query}&init=gaussian")["W"]
    assert np.sum(got["gaussian"]) == pytest.approx(T * np.linalg.slogdet(W)[1] / math.log(10), rel=1e-10)


def test_log_singular_values_sum_to_the_log_determinants_of_the_factors(client: TestClient) -> None:
    # det(J_T ... J_1) = prod_t det(diag(phi'(a_t))) det(W), summed in log space over 600 steps.
    query = "activation=tanh&scale=1.3&steps=600&hidden=32&seed=8"
    w = weights(client, query)
    hs = reference.rnn_states(w, "tanh")
    pre = np.array([w["W"] @ h + w["U"] @ x + w["b"] for h, x in zip(hs[:-1], w["x"], strict=True)])
    expected = np.sum(np.log10(DPHI["tanh"](pre))) + 600 * np.linalg.slogdet(w["W"])[1] / math.log(10)
    assert np.sum(spectra(client, query)["gaussian"]) == pytest.approx(expected, rel=1e-9)


def test_identity_init_adds_its_own_spectrum(client: TestClient) -> None:
    got = spectra(client, "init=identity&activation=linear&scale=0.9&steps=30")
    assert list(got) == ["gaussian", "orthogonal", "identity"]
    np.testing.assert_allclose(got["identity"], 30 * math.log10(0.9), atol=1e-12)


def test_over_budget_spectrum_says_what_to_lower(client: TestClient) -> None:
    def cost(steps: int, hidden: int) -> float:
        return (steps + 100) * hidden**3

    d = client.get("/api/v1/spectrum?hidden=128&steps=1000").json()
    assert not d["computed"] and d["spectra"] == [] and d["work"] == cost(1000, 128)
    steps, hidden = map(int, re.search(r"lower steps to (\d+) or hidden to (\d+)", d["message"]).groups())  # type: ignore[union-attr]
    budget = d["budget"]
    assert cost(steps, 128) <= budget < cost(steps + 1, 128)
    assert cost(1000, hidden) <= budget < cost(1000, hidden + 1)
    assert client.get(f"/api/v1/spectrum?hidden=128&steps={steps}").json()["computed"]
    assert client.get(f"/api/v1/spectrum?hidden={hidden}&steps=1000").json()["computed"]
    # Past the last hidden size no length fits: only hidden can be lowered.
    d = client.get("/api/v1/spectrum?hidden=256&steps=10").json()
    assert not d["computed"] and "lower hidden to" in d["message"] and "steps" not in d["message"]
