"""HEAD is answered wherever GET is: the same status and headers, no body; a HEAD of the training stream starts
no training (app/service/head.py)."""

from __future__ import annotations

import http.client
import json
import time
import urllib.request
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from app.main import create_app

PATHS = [
    "/",
    "/scalar",
    "/feedforward",
    "/cliff",
    "/train",
    "/stories",
    "/stories/c10",
    "/embed?view=recurrent",
    "/api/v1/rnn?steps=20",
    "/api/v1/figures/lstm?steps=20",
    "/api/v1/rnn?scale=99",
    "/oembed?url=http://testserver/",
    "/healthz",
    "/static/css/app.css",
    "/nowhere",
]


@pytest.mark.parametrize("path", PATHS)
def test_head_answers_as_get_without_a_body(path: str) -> None:
    with TestClient(create_app()) as client:
        got = client.get(path)
        head = client.head(path)
    assert head.status_code == got.status_code != 405
    assert head.content == b""
    for name in ("content-type", "content-length", "etag", "cache-control", "content-security-policy"):
        assert head.headers.get(name) == got.headers.get(name), name


def test_head_of_the_training_stream_starts_no_training(live_server: str) -> None:
    split = urlsplit(live_server)
    conn = http.client.HTTPConnection(split.hostname or "", split.port, timeout=30)
    conn.request("HEAD", "/api/v1/train?model=lstm&lag=200&hidden=64&batch=64&iterations=20000")
    r = conn.getresponse()
    assert r.status == 200 and r.getheader("Content-Type", "").startswith("text/event-stream")
    assert r.read() == b""
    conn.close()
    # The run the GET starts stops at its next update, as when a client goes away; its budget is 60 s.
    deadline = time.monotonic() + 30
    while _running(live_server):
        assert time.monotonic() < deadline, "a HEAD left a training running"
        time.sleep(0.1)


def _running(base: str) -> int:
    with urllib.request.urlopen(f"{base}/api/v1/train/status", timeout=30) as s:
        return int(json.loads(s.read())["running"])
