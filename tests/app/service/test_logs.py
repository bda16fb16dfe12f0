"""One JSON line per request with a request id the response echoes; an escaped exception is a logged 500."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from app.main import create_app
from app.service.logs import AccessLog, JsonFormatter, cache_fields, request_id_of

HEX_ID = re.compile(r"^[0-9a-f]{32}$")


def _requests(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    return [r.fields for r in caplog.records if r.name == "bptt_explorer.access" and r.fields["event"] == "request"]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("incoming", "kept"),
    [("lab-42.a_b", True), ("x" * 64, True), ("x" * 65, False), ("two words", False), ("", False), (None, False)],
)
def test_request_ids_are_kept_only_when_sane(incoming: str | None, kept: bool) -> None:
    rid = request_id_of(incoming)
    assert rid == incoming if kept else HEX_ID.match(rid)


def test_one_line_per_request_with_the_echoed_id(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="bptt_explorer")
    r = client.get("/api/v1/scalar", params={"horizon": 37}, headers={"X-Request-ID": "lecture-7"})
    assert r.headers["x-request-id"] == "lecture-7"
    (line,) = [f for f in _requests(caplog) if f["request_id"] == "lecture-7"]
    assert line["method"] == "GET" and line["path"] == "/api/v1/scalar" and line["query"] == "horizon=37"
    assert line["status"] == 200 and line["bytes"] > 0 and line["duration_ms"] >= 0
    fresh = client.get("/nowhere", headers={"X-Request-ID": "<script>"})
    assert HEX_ID.match(fresh.headers["x-request-id"])
    assert _requests(caplog)[-1] | {"status": 404, "request_id": fresh.headers["x-request-id"]} == _requests(caplog)[-1]


def test_cache_hits_and_misses_are_logged(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="bptt_explorer")
    for _ in range(2):
        client.get("/api/v1/rnn", params={"seed": 9173, "steps": 23})
    miss, hit = (f for f in _requests(caplog) if f["path"] == "/api/v1/rnn")
    assert miss["cache"] == "miss" and miss["compute_ms"] >= 0
    assert hit["cache"] == "hit" and "compute_ms" not in hit
    assert cache_fields(None) == {} and cache_fields("cache;desc=hit") == {"cache": "hit"}


def test_the_line_is_json() -> None:
    record = logging.LogRecord("bptt_explorer.access", logging.INFO, __file__, 1, "GET / 200", None, None)
    record.fields = {"event": "request", "request_id": "r1", "path": "/", "status": 200}
    line = JsonFormatter().format(record)
    assert "\n" not in line
    d = json.loads(line)
    assert d["level"] == "info" and d["request_id"] == "r1" and d["status"] == 200 and d["time"].endswith("+00:00")


def test_an_escaped_exception_is_a_logged_500_with_the_request_id(caplog: pytest.LogCaptureFixture) -> None:
    app = create_app()

    def broken() -> None:
        raise RuntimeError("the disk is on fire")

    app.add_api_route("/broken", broken)
    caplog.set_level(logging.INFO, logger="bptt_explorer")
    with TestClient(app) as c:
        r = c.get("/broken", headers={"X-Request-ID": "fire-1"})
    assert r.status_code == 500
    assert r.headers["x-request-id"] == "fire-1"
    assert r.headers["x-content-type-options"] == "nosniff"  # the policy covers this answer too
    assert "fire-1" in r.json()["detail"][0]["message"] and "disk" not in r.text
    (error,) = [rec for rec in caplog.records if rec.levelno == logging.ERROR]
    line = json.loads(JsonFormatter().format(error))
    assert line["request_id"] == "fire-1" and line["path"] == "/broken"
    assert "RuntimeError: the disk is on fire" in line["traceback"] and "broken" in line["traceback"]
    (access,) = [f for f in _requests(caplog) if f["path"] == "/broken"]
    assert access["status"] == 500 and access["error"] == "RuntimeError"


def test_with_request_lines_off_ids_and_errors_remain(caplog: pytest.LogCaptureFixture) -> None:
    def fine(request: Request) -> PlainTextResponse:
        return PlainTextResponse("ok")

    def broken(request: Request) -> PlainTextResponse:
        raise ValueError("no")

    quiet = Starlette(
        routes=[Route("/fine", fine), Route("/broken", broken)], middleware=[Middleware(AccessLog, requests=False)]
    )
    caplog.set_level(logging.INFO, logger="bptt_explorer")
    with TestClient(quiet) as c:
        assert c.get("/fine", headers={"X-Request-ID": "quiet-1"}).headers["x-request-id"] == "quiet-1"
        r = c.get("/broken", headers={"X-Request-ID": "quiet-2"})
    assert r.status_code == 500 and r.headers["x-request-id"] == "quiet-2"
    assert _requests(caplog) == []
    (error,) = caplog.records
    assert error.levelno == logging.ERROR and error.fields["request_id"] == "quiet-2"  # type: ignore[attr-defined]
