"""Cost estimates: monotone in every size, refusals that name what to lower (and the values really fit),
defaults that let every page and story preset through."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel

from app.contract import cost
from app.contract.cliff import CliffQuery, DescentQuery
from app.contract.errors import QUERY_MODELS
from app.contract.feedforward import FeedForwardQuery
from app.contract.recurrent import GRUQuery, LSTMQuery, RNNQuery
from app.contract.scalar import ScalarQuery
from app.contract.theory import MeanFieldQuery
from app.main import create_app
from app.pages.stories import STORIES
from app.service.settings import Settings
from core import nearfar, spectrum

QUERY: dict[str, type[BaseModel]] = {
    "rnn": RNNQuery,
    "lstm": LSTMQuery,
    "gru": GRUQuery,
    "nearfar": RNNQuery,
    "spectrum": RNNQuery,
    "feedforward": FeedForwardQuery,
    "cliff": CliffQuery,
    "descent": DescentQuery,
    "scalar": ScalarQuery,
    "meanfield": MeanFieldQuery,
}
# What each page asks for (api.js / the view modules): the endpoints behind one view.
PAGE_ENDPOINTS = {
    "index": ("rnn", "lstm", "gru", "nearfar", "spectrum", "meanfield"),
    "feedforward_page": ("feedforward",),
    "cliff_page": ("cliff", "descent"),
    "scalar_page": ("scalar",),
    "train_page": (),  # the training lab has its own time budget and slots
}


def query(endpoint: str, **values: Any) -> dict[str, Any]:
    return QUERY[endpoint](**values).model_dump()


def _upper(endpoint: str, name: str) -> int:
    info = QUERY[endpoint].model_fields[name]
    return int(next(m.le for m in info.metadata if hasattr(m, "le")))


def test_every_endpoint_with_a_query_model_has_a_cost_model() -> None:
    endpoints = {p.removeprefix("/api/v1/").replace("cliff/descent", "descent") for p in QUERY_MODELS}
    assert endpoints - {"train"} == set(cost.MODELS)


@pytest.mark.parametrize("endpoint", list(cost.MODELS))
def test_estimates_grow_with_every_main_parameter(endpoint: str) -> None:
    model = cost.MODELS[endpoint]
    base = query(endpoint)
    assert model.seconds(base) > 0
    for name in model.lower:
        top = _upper(endpoint, name)
        if endpoint in ("nearfar", "spectrum"):  # past their work budgets they answer with a message instead
            top = min(top, 60)
        values = sorted({cost.MINIMUM.get(name, 1), *range(1, top + 1, max(1, top // 25)), top})
        seen = [model.seconds({**base, name: v}) for v in values if v >= cost.MINIMUM.get(name, 1)]
        assert seen == sorted(seen), (endpoint, name)
        assert seen[-1] > seen[0], (endpoint, name)


def test_recurrent_costs_order_like_their_cells() -> None:
    """At the largest sizes an LSTM (state 2n, four gates) costs more than a GRU, which costs more than an RNN."""
    big = {"steps": 1000, "hidden": 256}
    rnn, gru, lstm = (cost.estimate(e, query(e, **big)) for e in ("rnn", "gru", "lstm"))
    assert rnn < lstm and gru < lstm


def test_work_budgets_make_nearfar_and_spectrum_cheap_past_them() -> None:
    """Over their own work budgets these answer with a message, so they are never refused for their size."""
    big = query("nearfar", steps=1000, hidden=256)
    assert nearfar.work(1000, 256) > nearfar.WORK_BUDGET and spectrum.work(1000, 256) > spectrum.WORK_BUDGET
    assert cost.estimate("nearfar", big) == cost.MODELS["nearfar"].coef[0]
    assert cost.estimate("spectrum", big) == cost.MODELS["spectrum"].coef[0]


def oversize() -> Iterator[tuple[str, dict[str, Any], float]]:
    """Requests over a range of budgets, each over its budget."""
    cases: dict[str, list[dict[str, Any]]] = {
        "rnn": [{"steps": 1000, "hidden": 256}, {"steps": 500, "hidden": 200}],
        "lstm": [{"steps": 1000, "hidden": 256}, {"steps": 300, "hidden": 128}],
        "gru": [{"steps": 1000, "hidden": 256}],
        "feedforward": [{"layers": 100, "width": 256, "batch": 256, "init": "orthogonal"}],
        "cliff": [{"resolution": 201, "steps": 200}],
        "descent": [{"iterations": 500, "steps": 200}],
    }
    for (endpoint, qs), fraction in itertools.product(cases.items(), (0.9, 0.5, 0.2, 0.05)):
        for q in qs:
            full = query(endpoint, **q)
            yield endpoint, full, fraction * cost.estimate(endpoint, full)


@pytest.mark.parametrize(("endpoint", "q", "budget"), list(oversize()))
def test_each_suggestion_is_the_largest_value_that_fits(endpoint: str, q: dict[str, Any], budget: float) -> None:
    r = cost.refusal(endpoint, q, budget)
    assert r is not None and r.seconds > budget
    assert r.fits, "an oversize request names at least one parameter to lower"
    if r.together:  # no one parameter is enough: all of them at once fit
        assert len(r.fits) == len(cost.MODELS[endpoint].lower) > 1
        assert cost.estimate(endpoint, {**q, **r.fits}) <= budget
        assert " and ".join(f"{k} to {v}" for k, v in r.fits.items()) in r.message()
        assert all(cost.largest_fitting(endpoint, q, name, budget) is None for name in r.fits)
    for name, value in r.fits.items():
        assert cost.MINIMUM.get(name, 1) <= value < q[name]
        if not r.together:
            assert cost.estimate(endpoint, {**q, name: value}) <= budget
            assert cost.estimate(endpoint, {**q, name: value + 1}) > budget
        assert f"{name} to {value}" in r.message()
    assert cost.refusal(endpoint, q, r.seconds) is None


def test_a_refusal_with_nothing_to_lower_names_the_query() -> None:
    r = cost.refusal("meanfield", query("meanfield"), 1e-9)
    assert r is not None and r.fits == {}
    assert [d["field"] for d in r.detail()] == ["query"]
    assert r.message().startswith("This request would take about")


def test_defaults_let_every_page_and_story_preset_through() -> None:
    """Page defaults and every story's preset are estimated well under the default limit (a quarter of it)."""
    limit = Settings().max_request_seconds
    presets: list[tuple[str, dict[str, str]]] = [(p, {}) for p in PAGE_ENDPOINTS]
    presets += [(s.route, s.query) for s in STORIES]
    for route, preset in presets:
        for endpoint in PAGE_ENDPOINTS[route]:
            fields = QUERY[endpoint].model_fields
            q = query(endpoint, **{k: v for k, v in preset.items() if k in fields})
            assert cost.estimate(endpoint, q) < limit / 4, (route, preset, endpoint)


@pytest.fixture(scope="module")
def strict() -> Iterator[TestClient]:
    """An app built with a small limit of 0.5 s."""
    with TestClient(create_app(Settings(max_request_seconds=0.5))) as c:
        yield c


def test_an_oversize_request_is_refused_with_what_to_lower(strict: TestClient) -> None:
    r = strict.get("/api/v1/lstm", params={"steps": 1000, "hidden": 256})
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert [d["field"] for d in detail] == ["steps", "hidden"]
    q = query("lstm", steps=1000, hidden=256)
    steps, hidden = (cost.largest_fitting("lstm", q, n, 0.5) for n in ("steps", "hidden"))
    message = detail[0]["message"]
    assert message.startswith("This request would take about ")
    assert f"over the limit of 0.5 s: lower steps to {steps} or hidden to {hidden}." in message
    assert all(d["message"] == message and d["type"] == "cost" for d in detail)
    assert detail[0]["allowed"] == f"at most {steps}"
    assert len(strict.app.state.cache) == 0  # type: ignore[attr-defined]  # nothing was computed


def test_the_suggested_value_is_answered(strict: TestClient) -> None:
    r = strict.get("/api/v1/rnn", params={"steps": 1000, "hidden": 256})
    assert r.status_code == 422
    hidden = cost.largest_fitting("rnn", query("rnn", steps=1000, hidden=256), "hidden", 0.5)
    assert hidden is not None
    ok = strict.get("/api/v1/rnn", params={"steps": 1000, "hidden": hidden})
    assert ok.status_code == 200
    assert ok.json()["config"]["hidden"] == hidden
