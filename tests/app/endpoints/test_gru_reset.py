"""The GRU's two conventions in the API: `reset_after` (false: Cho et al. 2014, true: PyTorch and Keras) on
/api/v1/gru and the figures of gru and compare. The numbers of reset_after=true are checked against an
independent reference in test_reference.py."""

import numpy as np
import pytest
from fastapi.testclient import TestClient

from app.figures import encode, views

SMALL = "hidden=3&steps=6&scale=1.5&update_bias=-1&seed=4"


def test_reset_after_defaults_to_false_and_is_echoed_last(client: TestClient) -> None:
    d = client.get(f"/api/v1/gru?{SMALL}").json()
    assert d["config"]["reset_after"] is False and list(d["config"])[-2:] == ["input_size", "reset_after"]
    on = client.get(f"/api/v1/gru?{SMALL}&reset_after=true").json()
    assert on["config"] == {**d["config"], "reset_after": True}


@pytest.mark.parametrize("spelling", ["true", "1", "yes", "on", "True"])
def test_every_boolean_spelling_is_accepted(client: TestClient, spelling: str) -> None:
    r = client.get(f"/api/v1/gru?hidden=2&steps=3&reset_after={spelling}")
    assert r.status_code == 200 and r.json()["config"]["reset_after"] is True


@pytest.mark.parametrize("url", ["/api/v1/gru?reset_after=maybe", "/api/v1/figures/gru?reset_after=2"])
def test_a_non_boolean_is_a_422_naming_reset_after(client: TestClient, url: str) -> None:
    r = client.get(url)
    assert r.status_code == 422
    [d] = r.json()["detail"]
    assert d["field"] == "reset_after" and d["allowed"] == "true, false"
    assert d["message"].startswith("reset_after must be one of: true, false (got '")


def test_other_models_do_not_take_it(client: TestClient) -> None:
    for url in (
        "/api/v1/lstm?reset_after=true",
        "/api/v1/rnn?reset_after=false",
        "/api/v1/figures/lstm?reset_after=true",
    ):
        r = client.get(url)
        assert r.status_code == 422 and r.json()["detail"][0]["field"] == "reset_after", url


def test_false_spelled_out_is_the_default_answer_byte_for_byte(client: TestClient) -> None:
    for base in (f"/api/v1/gru?{SMALL}&include=weights", "/api/v1/gru?format=compact", "/api/v1/figures/gru?steps=20"):
        assert client.get(f"{base}&reset_after=false").content == client.get(base).content, base


def test_weights_name_b_hn_only_after(client: TestClient) -> None:
    before = client.get(f"/api/v1/gru?{SMALL}&include=weights").json()["weights"]
    after = client.get(f"/api/v1/gru?{SMALL}&include=weights&reset_after=true").json()["weights"]
    assert set(after) == set(before) | {"b_hn"} and "b_hn" not in before
    assert after["b_hn"] == [0.0, 0.0, 0.0]
    # The same seeded arrays: only where the reset acts differs.
    assert all(after[k] == before[k] for k in before)


def test_the_convention_changes_the_gradient_but_not_the_carry_reference(client: TestClient) -> None:
    q = "hidden=8&steps=40&scale=2&update_bias=0"
    before = client.get(f"/api/v1/gru?{q}").json()
    after = client.get(f"/api/v1/gru?{q}&reset_after=true").json()
    b, a = np.array(before["decay"]["log10_norm"]), np.array(after["decay"]["log10_norm"])
    assert np.max(np.abs(a - b)) > 0.1  # a visible change on the page
    assert a[-1] == b[-1] == 0.0  # dh_T/dh_T = I either way
    assert after["carry_path"]["reference_log10"] == before["carry_path"]["reference_log10"]


@pytest.mark.parametrize(
    "query",
    [
        "hidden=1&steps=1000&update_bias=10&scale=10&input_scale=10",
        "hidden=64&steps=1000&update_bias=-10&scale=10&input_scale=10&format=compact",
        "hidden=32&steps=1000&scale=0&input_scale=0",
        "hidden=256&steps=300&scale=3&norm=frobenius&format=compact",
    ],
)
def test_extremes_answer_with_finite_json(client: TestClient, query: str) -> None:
    r = client.get(f"/api/v1/gru?{query}&reset_after=true")
    assert r.status_code == 200
    assert b"NaN" not in r.content and b"Infinity" not in r.content


def test_figures_of_gru_follow_the_flag(client: TestClient) -> None:
    params = {"steps": "30", "scale": "2", "reset_after": "true"}
    body = client.get("/api/v1/figures/gru", params=params).json()
    assert body["figures"] == encode(views.dicts("gru", views.queries("gru", params)))
    own = client.get("/api/v1/gru", params=params).json()
    assert body["facts"]["gru"]["summary"] == own["summary"]
    plain = client.get("/api/v1/figures/gru", params={**params, "reset_after": "false"}).json()
    assert plain["figures"]["decay"] != body["figures"]["decay"]


def test_compare_gives_the_flag_to_the_gru_alone(client: TestClient) -> None:
    base = {"steps": "30", "scale": "2"}
    on = client.get("/api/v1/figures/compare", params={**base, "reset_after": "true"}).json()
    off = client.get("/api/v1/figures/compare", params=base).json()
    assert on["figures"]["pairs_gru"] != off["figures"]["pairs_gru"]
    for name in ("pairs_rnn", "pairs_lstm", "units_rnn", "units_lstm"):
        assert on["figures"][name] == off["figures"][name], name
    gru = client.get("/api/v1/gru", params={**base, "reset_after": "true"}).json()
    assert on["facts"]["gru"]["summary"] == gru["summary"]
    assert on["facts"]["lstm"]["summary"] == off["facts"]["lstm"]["summary"]
