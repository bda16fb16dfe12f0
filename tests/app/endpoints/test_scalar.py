"""GET /api/v1/scalar against an independent complex-step reference, and its errors."""

import numpy as np
import pytest
from fastapi.testclient import TestClient

from tests import reference


@pytest.mark.parametrize(
    "query",
    [
        "activation=tanh&weight=1.5&bias=0.3&input_scale=1&h0=0.2&steps=12&seed=3",
        "activation=sigmoid&weight=-6&bias=2&input_scale=2&h0=0&steps=10&seed=1",
        "activation=relu&weight=1.2&input_scale=1&steps=9&seed=7",
        "activation=leaky_relu&weight=-2&input_scale=1&h0=1&steps=8&seed=2",
    ],
)
def test_scalar_numbers_match_complex_step(client: TestClient, query: str) -> None:
    d = client.get(f"/api/v1/scalar?{query}&include=weights").json()
    w = d["weights"]
    ref = {
        "W": np.array([[w["w"]]]),
        "U": np.array([[w["u"]]]),
        "b": np.array([w["b"]]),
        "h0": np.array([w["h0"]]),
        "x": np.array(w["x"])[:, None],
    }
    T, act = d["config"]["steps"], d["config"]["activation"]
    decay = np.nan_to_num(np.array(d["decay"], dtype=float), nan=-np.inf)
    running = np.nan_to_num(np.array(d["log10_running"], dtype=float), nan=-np.inf)
    for k in range(T + 1):
        assert decay[k] == pytest.approx(reference.log10_norm(reference.rnn_jacobian(ref, act, T, k)), abs=1e-9)
        assert running[k] == pytest.approx(reference.log10_norm(reference.rnn_jacobian(ref, act, k, 0)), abs=1e-9)
    states = reference.rnn_states(ref, act)
    np.testing.assert_allclose(d["states"], [float(h[0]) for h in states], rtol=1e-13)


def test_scalar_defaults_show_the_calculator(client: TestClient) -> None:
    d = client.get("/api/v1/scalar").json()
    assert d["compound"]["shrink"] == pytest.approx(0.0255, abs=5e-5)
    assert d["compound"]["grow"] == pytest.approx(37.78, abs=5e-3)
    assert d["summary"]["vanishing_weight"] == 4.0 and d["config"]["activation"] == "sigmoid"


@pytest.mark.parametrize(
    ("query", "field", "allowed"),
    [("weight=11", "weight", "-10..10"), ("eps=1", "eps", "0..0.99"), ("horizon=0", "horizon", "1..100000")],
)
def test_scalar_errors_name_the_field(client: TestClient, query: str, field: str, allowed: str) -> None:
    r = client.get(f"/api/v1/scalar?{query}")
    assert r.status_code == 422
    (d,) = r.json()["detail"]
    assert d["field"] == field and allowed in d["message"]
