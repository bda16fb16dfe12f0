"""GET /api/v1/figures/{view}: the figures of app.figures as the page draws them, with their facts; bad settings
are 422s naming the field, an unknown view a 404, an oversize request the budget's refusal."""

import base64
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from app.figures import encode, views

STATES = [
    ("rnn", {"scale": "1.5", "steps": "60", "hidden": "24"}),
    ("lstm", {"forget_bias": "3", "steps": "40"}),
    ("gru", {"update_bias": "-2", "steps": "140"}),
    ("compare", {"steps": "30", "forget_bias": "2", "activation": "relu"}),
    ("scalar", {"weight": "3.9", "activation": "sigmoid"}),
]


def typed(d: dict[str, Any]) -> np.ndarray:
    assert d["dtype"] == "f4"
    return np.frombuffer(base64.b64decode(d["bdata"]), dtype="<f4")


@pytest.mark.parametrize(("view", "params"), STATES)
def test_the_answer_is_the_python_definition(client: TestClient, view: str, params: dict[str, str]) -> None:
    r = client.get(f"/api/v1/figures/{view}", params=params)
    assert r.status_code == 200, r.text
    body = r.json()
    expected = encode(views.dicts(view, views.queries(view, params)))
    assert body["names"] == list(views.names(view)) == list(body["figures"])
    assert body["figures"] == expected  # the same dicts, typed arrays and all
    first = body["figures"][body["names"][0]]["data"][0]
    assert typed(first["y"]).size > 1


def test_facts_are_the_numbers_the_data_api_gives(client: TestClient) -> None:
    facts = client.get("/api/v1/figures/compare", params={"steps": "30"}).json()["facts"]
    for model in ("rnn", "lstm", "gru"):
        own = client.get(f"/api/v1/{model}", params={"steps": "30"}).json()
        assert facts[model]["summary"] == own["summary"]
        assert facts[model]["pairs"] == {"exact": own["pairs"]["exact"], "message": own["pairs"]["message"]}
    own = client.get("/api/v1/rnn", params={"steps": "30"}).json()
    assert facts["rnn"]["theory"]["mean_field"]["chi"] == own["theory"]["mean_field"]["chi"]
    h = own["preactivations"]
    assert facts["rnn"]["preactivations"]["total"] == sum(h["counts"]) + h["below"] + h["above"]
    assert facts["rnn"]["preactivations"]["saturated_fraction"] == h["saturated_fraction"]
    scalar = client.get("/api/v1/figures/scalar", params={"weight": "0.5"}).json()["facts"]
    data = client.get("/api/v1/scalar", params={"weight": "0.5"}).json()
    assert scalar["log10_gain"] == data["decay"][0] and scalar["summary"] == data["summary"]


def test_estimated_heatmaps_say_so(client: TestClient) -> None:
    body = client.get("/api/v1/figures/rnn", params={"steps": "1000", "hidden": "128"}).json()
    assert not body["facts"]["rnn"]["pairs"]["exact"]
    assert body["facts"]["rnn"]["pairs"]["message"].startswith("Estimated: the exact heatmap needs")
    assert body["figures"]["pairs"]["layout"]["title"]["text"].endswith("(estimate)")


def test_titles_follow_the_language(client: TestClient) -> None:
    body = client.get("/api/v1/figures/lstm", params={"steps": "20", "lang": "zh"}).json()
    assert body["lang"] == "zh" and body["figures"]["decay"]["layout"]["title"]["text"] == "从第 T 步传回第 k 步的梯度"
    bad = client.get("/api/v1/figures/lstm", params={"lang": "fr"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "lang"


@pytest.mark.parametrize(
    ("url", "status", "field", "message"),
    [
        (
            "/api/v1/figures/lstm?forget_bias=20",
            422,
            "forget_bias",
            "forget_bias must be a number in -10..10 (got '20')",
        ),
        ("/api/v1/figures/rnn?wings=1", 422, "wings", "unknown parameter 'wings'"),
        ("/api/v1/figures/compare?wings=1", 422, "wings", "unknown parameter 'wings'"),
        ("/api/v1/figures/scalar?steps=0", 422, "steps", "steps must be an integer in"),
        ("/api/v1/figures/lstm?hidden=256&steps=1000", 422, "steps", "lower steps to 485 or hidden to 175"),
        ("/api/v1/figures/nope", 422, "view", "view must be one of: rnn, lstm, gru, compare, scalar, "),
    ],
)
def test_bad_requests_name_their_field(client: TestClient, url: str, status: int, field: str, message: str) -> None:
    r = client.get(url)
    assert r.status_code == status
    d = r.json()["detail"][0]
    assert d["field"] == field and message in d["message"]


def test_a_training_run_is_not_served_on_the_side(client: TestClient) -> None:
    """The training lab's figures come with its run's stream, which holds a training slot: not from this endpoint."""
    r = client.get("/api/v1/figures/train")
    assert r.status_code == 422 and "train" not in r.json()["detail"][0]["allowed"].split(", ")


def test_answers_are_cached_and_tagged(client: TestClient) -> None:
    url = "/api/v1/figures/gru?steps=33"
    first = client.get(url)
    again = client.get(url)
    assert first.content == again.content
    assert again.headers["server-timing"] == "cache;desc=hit"
    tag = first.headers["etag"]
    assert client.get(url, headers={"If-None-Match": tag}).status_code == 304
