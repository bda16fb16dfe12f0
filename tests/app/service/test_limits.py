"""Limits against a real uvicorn: the time cap stops a real computation (503) and the server goes on; with one
heavy slot, a second heavy request gets 503 with Retry-After while light requests and cache hits pass."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from email.message import Message
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.contract import cost
from app.contract.recurrent import LSTMQuery
from app.main import create_app
from app.service.limits import Slots
from app.service.settings import Settings
from scripts.serve import running_server
from tests.held import held_app, serving

# About two seconds of LSTM on an idle core: heavy by the default threshold, light enough for a test.
HEAVY = "/api/v1/lstm?steps=400&hidden=256"
# A few tenths of a second: heavy for a server whose threshold is lowered to 0.05 s.
MEDIUM = "/api/v1/lstm?steps=200&hidden=128"


def get(url: str) -> tuple[int, Message, Any]:
    """Status, headers and JSON body of a GET, errors included."""
    try:
        with urllib.request.urlopen(url, timeout=120) as r:
            return r.status, r.headers, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, e.headers, json.loads(e.read())


def test_the_requests_used_here_are_heavy() -> None:
    heavy, medium = (LSTMQuery(steps=s, hidden=n).model_dump() for s, n in ((400, 256), (200, 128)))
    assert cost.estimate("lstm", heavy) > Settings().heavy_threshold_seconds
    assert cost.estimate("lstm", medium) > 0.05


def test_a_computation_past_the_time_cap_answers_503_and_the_server_goes_on() -> None:
    env = {"BPTT_REQUEST_TIMEOUT_SECONDS": "0.05"}
    with running_server(env=env) as base:
        status, headers, body = get(f"{base}{HEAVY}&seed=1")
        assert status == 503
        (d,) = body["detail"]
        assert d["type"] == "timeout" and d["field"] == "steps"
        assert "limit of 0.05 s of compute per request" in d["message"] and "lower steps or hidden" in d["message"]
        assert int(headers["Retry-After"]) >= 1
        assert get(f"{base}/healthz")[0] == 200
        # the stopped computation left nothing behind: the same request stops again, a tiny one is answered
        assert get(f"{base}{HEAVY}&seed=1")[0] == 503
        status, _, body = get(f"{base}/api/v1/scalar?steps=5")
        assert status == 200 and body["config"]["steps"] == 5


def test_the_deadline_reaches_the_worker_thread_of_a_sync_endpoint() -> None:
    """FastAPI runs the endpoint body in a worker thread: the limit set there is the one the core sees."""
    with TestClient(create_app(Settings(request_timeout_seconds=1e-6))) as c:
        r = c.get("/api/v1/rnn", params={"steps": 200, "hidden": 32})
        assert r.status_code == 503 and r.json()["detail"][0]["type"] == "timeout"
        assert len(c.app.state.cache) == 0  # type: ignore[attr-defined]
    with TestClient(create_app(Settings())) as c:
        assert c.get("/api/v1/rnn", params={"steps": 200, "hidden": 32}).status_code == 200


def test_one_heavy_slot_turns_a_second_heavy_request_away() -> None:
    settings = Settings(
        max_heavy=1,
        queue_wait_seconds=0.2,
        heavy_threshold_seconds=0.05,
        request_timeout_seconds=600,
    )
    app, guard = held_app(settings)
    with serving(app) as base:
        first = get(f"{base}{MEDIUM}&seed=1")
        assert first[0] == 200
        holder: list[tuple[int, Message, Any]] = []
        guard.hold()
        thread = threading.Thread(target=lambda: holder.append(get(f"{base}{MEDIUM}&seed=2")))
        thread.start()
        assert guard.entered.wait(120)  # seed 2 holds the only heavy slot until released below
        status, headers, body = get(f"{base}{MEDIUM}&seed=3")
        assert status == 503
        (d,) = body["detail"]
        assert d["type"] == "busy" and "busy with 1 large computation;" in d["message"]
        assert int(headers["Retry-After"]) >= 1
        # meanwhile: a cache hit and a light request are answered without waiting for the slot
        hit = urllib.request.urlopen(f"{base}{MEDIUM}&seed=1", timeout=120)
        assert hit.status == 200 and "cache" in hit.headers["Server-Timing"]
        assert get(f"{base}/api/v1/scalar?steps=7")[0] == 200
        guard.release.set()
        thread.join(120)
        assert holder[0][0] == 200
        assert get(f"{base}{MEDIUM}&seed=3")[0] == 200  # the slot is free again


def test_slots_estimate_retry_after_from_running_jobs() -> None:
    slots = Slots(1)
    token = slots.take(30.0, 0)
    assert token is not None and slots.running == 1
    assert slots.take(1.0, 0) is None
    assert 29 <= slots.retry_after() <= 30
    slots.give(token)
    assert slots.running == 0 and slots.retry_after() == 1
    again = slots.take(1.0, 0)
    assert again is not None
    slots.give(again)


@pytest.mark.parametrize("endpoint", ["rnn", "feedforward"])
def test_light_requests_take_no_slot(endpoint: str) -> None:
    app = create_app(Settings(max_heavy=1))
    held = app.state.guard.slots.take(60.0, 0)
    assert held is not None
    with TestClient(app) as c:
        assert c.get(f"/api/v1/{endpoint}").status_code == 200  # light: never waits for the held slot
