"""GET /api/v1/train: 422s before streaming, and the event stream of a real uvicorn (parse, determinism,
disconnect, the concurrency cap)."""

from __future__ import annotations

import http.client
import json
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from app.service.trainings import MAX_RUNS

TINY = "model=gru&task=recall&lag=6&hidden=4&batch=4&iterations=40&seed=3"
# An LSTM this size takes about 0.2 s an update: 20000 updates would run into the budget by far.
LONG = "model=lstm&lag=200&hidden=64&batch=64&iterations=20000"


@contextmanager
def stream(base: str, query: str) -> Iterator[tuple[http.client.HTTPResponse, http.client.HTTPConnection]]:
    """An open GET /api/v1/train response; leaving the block closes the connection (the client goes away)."""
    u = urlsplit(base)
    conn = http.client.HTTPConnection(u.hostname or "127.0.0.1", u.port, timeout=120)
    conn.request("GET", f"/api/v1/train?{query}", headers={"Accept": "text/event-stream"})
    try:
        yield conn.getresponse(), conn
    finally:
        conn.close()


def events(resp: http.client.HTTPResponse) -> Iterator[tuple[str, dict[str, Any]]]:
    """(name, data) of each server-sent event until the stream ends."""
    name, data = None, []
    for raw in resp:
        line = raw.decode().rstrip("\n")
        if line.startswith("event: "):
            name = line[7:]
        elif line.startswith("data: "):
            data.append(line[6:])
        elif line == "" and name is not None:
            yield name, json.loads("\n".join(data))
            name, data = None, []


def _get(base: str, path: str) -> Any:
    with urllib.request.urlopen(f"{base}{path}", timeout=30) as r:
        return json.loads(r.read())


def _wait_idle(base: str) -> None:
    """Poll until no training runs; fails if one is still running after 30 s."""
    deadline = time.monotonic() + 30
    while _get(base, "/api/v1/train/status")["running"] > 0:
        assert time.monotonic() < deadline, "a training kept running after its client went away"
        time.sleep(0.1)


@pytest.fixture
def server(live_server: str) -> Iterator[str]:
    """The live server with no training running before and after the test."""
    _wait_idle(live_server)
    yield live_server
    _wait_idle(live_server)


def _whole_run(base: str, query: str) -> list[tuple[str, dict[str, Any]]]:
    with stream(base, query) as (resp, _):
        assert resp.status == 200
        assert resp.getheader("Content-Type", "").startswith("text/event-stream")
        return list(events(resp))


def test_stream_carries_start_progress_and_done(server: str) -> None:
    got = _whole_run(server, TINY)
    names = [n for n, _ in got]
    assert names[0] == "start" and names[-1] == "done" and set(names[1:-1]) == {"progress"}
    start, done = got[0][1], got[-1][1]
    assert start["steps"] == 7 and start["far_until"] == 4 and start["chance_accuracy"] == 0.25
    assert start["config"]["model"] == "gru" and start["budget_s"] > 0
    cols = [d["updates"] for n, d in got if n == "progress"]
    steps = [s for c in cols for s in c["step"]]
    assert steps == list(range(1, 41))
    assert all(len(c["loss"]) == len(c["step"]) == len(c["accuracy"]) for c in cols)
    assert all(c["omega"] is None for c in cols)  # no regulariser
    snaps = [s for n, d in got if n == "progress" for s in d["snapshots"]]
    assert [s["step"] for s in snaps] == list(range(1, 41))  # fewer updates than snapshots: every one
    assert {len(s["log10_state_grad"]) for s in snaps} == {8}  # k = 0..T
    assert done["reason"] == "finished" and done["updates"] == 40 and done["budget_s"] == start["budget_s"]
    assert 0 <= done["evaluation"]["accuracy"] <= 1 and done["evaluation"]["loss"] > 0


def test_same_query_same_numbers(server: str) -> None:
    query = "model=rnn&task=adding&lag=8&hidden=5&batch=3&iterations=25&reg_weight=0.5&clip=value&threshold=0.05"

    def numbers(run: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
        out: dict[str, Any] = {"snapshots": [], "evaluation": run[-1][1]["evaluation"]}
        for name, d in run:
            if name == "progress":
                for key, col in d["updates"].items():
                    out.setdefault(key, []).extend(col or [])
                out["snapshots"].extend(d["snapshots"])
        return out

    one, two = numbers(_whole_run(server, query)), numbers(_whole_run(server, query))
    assert one == two
    assert len(one["omega"]) == 25 and all(v is not None and v >= 0 for v in one["omega"])
    assert any(one["clipped"])
    other = numbers(_whole_run(server, query + "&seed=1"))
    assert other["loss"] != one["loss"]


def test_client_going_away_stops_the_run(server: str) -> None:
    with stream(server, LONG) as (resp, _):
        it = events(resp)
        assert next(it)[0] == "start"
        assert next(it)[0] == "progress"
        assert _get(server, "/api/v1/train/status")["running"] == 1
    _wait_idle(server)  # long before the run's budget or its last update


def test_over_the_cap_answers_503_and_others_are_served(server: str) -> None:
    with stream(server, LONG) as (one, _), stream(server, LONG) as (two, _):
        for resp in (one, two):
            assert next(events(resp))[0] == "start"
        assert MAX_RUNS == 2 and _get(server, "/api/v1/train/status")["running"] == 2
        with stream(server, TINY) as (third, _):
            assert third.status == 503
            assert int(third.getheader("Retry-After") or "0") >= 1
            detail = json.loads(third.read())["detail"]
            assert "try again" in detail[0]["message"]
        # The event loop is not held up by the trainings: other requests are answered meanwhile.
        assert _get(server, "/healthz") == {"status": "ok"}
        assert _get(server, "/api/v1/rnn?steps=20&hidden=8")["decay"]["log10_norm"][-1] == 0.0
    _wait_idle(server)
    assert _whole_run(server, TINY)[-1][0] == "done"


@pytest.mark.parametrize(
    ("query", "field", "text"),
    [
        ("lag=1", "lag", "an integer in 2..200"),
        ("hidden=65", "hidden", "an integer in 1..64"),
        ("lr=0", "lr", "a number in 1e-05..10"),
        ("optimizer=lbfgs", "optimizer", "sgd, momentum, nesterov, adagrad, rmsprop, adam"),
        ("clip=both", "clip", "none, norm, value"),
        ("model=lstm&reg_weight=1", "reg_weight", "vanilla RNN only"),
        ("iterations=20001", "iterations", "an integer in 1..20000"),
        ("epochs=3", "epochs", "unknown parameter"),
    ],
)
def test_bad_values_get_422_naming_the_field(client: TestClient, query: str, field: str, text: str) -> None:
    r = client.get(f"/api/v1/train?{query}")
    assert r.status_code == 422
    (d,) = r.json()["detail"]
    assert d["field"] == field and text in d["message"]


def test_status_and_the_openapi_contract(client: TestClient) -> None:
    assert client.get("/api/v1/train/status").json() == {"running": 0, "limit": MAX_RUNS, "budget_s": 60.0}
    spec = client.get("/openapi.json").json()
    params = {p["name"] for p in spec["paths"]["/api/v1/train"]["get"]["parameters"]}
    assert params == {
        "model", "task", "lag", "hidden", "optimizer", "lr", "clip", "threshold",
        "forget_bias", "reg_weight", "batch", "iterations", "seed",
    }  # fmt: skip
    assert "text/event-stream" in spec["paths"]["/api/v1/train"]["get"]["responses"]["200"]["content"]
