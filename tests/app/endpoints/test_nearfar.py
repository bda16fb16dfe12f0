"""GET /api/v1/nearfar: the split of dE/dW by distance, checked against finite differences of E."""

import numpy as np
import pytest
from fastapi.testclient import TestClient

from tests import reference


def test_weights_are_those_of_the_rnn_view(client: TestClient) -> None:
    q = "hidden=5&steps=9&seed=31&include=weights"
    assert client.get(f"/api/v1/nearfar?{q}").json()["weights"] == client.get(f"/api/v1/rnn?{q}").json()["weights"]
    assert client.get("/api/v1/nearfar?hidden=5&steps=9").json()["weights"] is None


def test_endpoints_sharing_a_query_model_keep_their_own_answers(client: TestClient) -> None:
    q = "hidden=5&steps=9&seed=31"
    assert client.get(f"/api/v1/nearfar?{q}").json()["model"] == "nearfar"
    assert client.get(f"/api/v1/rnn?{q}").json()["model"] == "rnn"  # not the cached near/far body
    assert client.get(f"/api/v1/nearfar?{q}").json()["model"] == "nearfar"


@pytest.mark.parametrize(
    "query", ["activation=tanh&hidden=3&steps=7&seed=2", "activation=relu&hidden=4&steps=6&scale=1.5&seed=5"]
)
def test_total_is_the_gradient_of_the_summed_loss(client: TestClient, query: str) -> None:
    d = client.get(f"/api/v1/nearfar?{query}").json()
    w = {
        k: np.array(v, dtype=float)
        for k, v in client.get(f"/api/v1/rnn?{query}&include=weights").json()["weights"].items()
    }
    act = d["config"]["activation"]

    def loss(W: np.ndarray) -> float:
        return float(sum(w["u"] @ h for h in reference.rnn_states({**w, "W": W}, act)[1:]))

    grad = np.zeros_like(w["W"])
    eps = 1e-6
    for i in range(grad.shape[0]):
        for j in range(grad.shape[1]):
            e = np.zeros_like(grad)
            e[i, j] = eps
            grad[i, j] = (loss(w["W"] + e) - loss(w["W"] - e)) / (2 * eps)
    assert d["computed"] and d["log10_total"] == pytest.approx(np.log10(np.linalg.norm(grad)), abs=1e-7)
    assert d["log10_tail"][0] == pytest.approx(d["log10_total"], abs=1e-12)
    assert len(d["log10_term"]) == d["config"]["steps"]


def test_default_run_shows_the_far_terms_swamped(client: TestClient) -> None:
    d = client.get("/api/v1/nearfar").json()
    assert d["log10_total"] > 1.0  # the total gradient is healthy...
    assert d["log10_share"][10] < -1.7  # ...while distances >= 10 carry under 2 % of it


def test_over_budget_says_what_to_lower(client: TestClient) -> None:
    d = client.get("/api/v1/nearfar?hidden=256&steps=1000").json()
    assert not d["computed"] and "lower steps to" in d["message"] and d["log10_term"] == []
