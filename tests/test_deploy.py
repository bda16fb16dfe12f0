"""Debian's nginx with deploy/nginx.conf in front of two real uvicorn workers (scripts/stack.py)."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from email.message import Message
from pathlib import Path

import pytest

from scripts.load import burst, run_wrk
from scripts.nginx_stack import Stack, read_log, render, running_stack
from tests.system import require_nginx, require_wrk

API = "/api/v1/rnn?format=compact&hidden=16&steps=40&seed=7"


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    require_nginx()
    with running_stack(workers=2) as s:
        yield s
    # Stopped cleanly: nginx exited by itself on SIGQUIT and nothing listens any more.
    assert s.nginx.returncode == 0
    for url in (s.base, *s.workers):
        host, port = url.removeprefix("http://").split(":")
        with socket.socket() as sock:
            assert sock.connect_ex((host, int(port))) != 0, f"{url} still accepts connections"


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, Message, bytes]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=60) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        with e:
            return e.code, e.headers, e.read()


def test_second_request_is_a_cache_hit_with_the_same_body_and_etag(stack: Stack) -> None:
    offset = stack.log_offset()
    status1, h1, body1 = get(stack.base + API)
    status2, h2, body2 = get(stack.base + API)
    assert (status1, status2) == (200, 200)
    assert h1["X-Cache-Status"] == "MISS"
    assert h2["X-Cache-Status"] == "HIT"
    assert body2 == body1
    assert h2["ETag"] == h1["ETag"] and h1["ETag"].startswith('"')
    assert h2["Cache-Control"] == "public, max-age=3600"
    assert h1["X-Request-ID"] != h2["X-Request-ID"]  # a cached answer carries its own request's id
    assert stack.cache_stats(offset).counts == {"MISS": 1, "HIT": 1}
    # nginx answers a conditional request from its cache
    status3, h3, body3 = get(stack.base + API, {"If-None-Match": h1["ETag"]})
    assert (status3, h3["X-Cache-Status"], body3) == (304, "HIT", b"")


def test_gzip_variants_are_cached_apart(stack: Stack) -> None:
    url = stack.base + API.replace("seed=7", "seed=8")
    _, plain, body = get(url)
    _, first, gz1 = get(url, {"Accept-Encoding": "gzip"})
    _, second, gz2 = get(url, {"Accept-Encoding": "gzip"})
    _, plain_again, body_again = get(url)
    assert plain["Content-Encoding"] is None and json.loads(body)
    assert first["Content-Encoding"] == second["Content-Encoding"] == "gzip"
    assert (first["X-Cache-Status"], second["X-Cache-Status"]) == ("MISS", "HIT")
    assert gz1 == gz2 != body
    assert (plain_again["X-Cache-Status"], body_again) == ("HIT", body)  # both variants stay


def test_many_clients_at_once_cost_one_computation(stack: Stack) -> None:
    """A class opening the same new link in the same second: nginx's cache lock lets one request through."""
    path = API.replace("seed=7", "seed=10")
    result = burst([stack.base], path, clients=24, stack=stack)
    assert result.statuses == {200: 24}
    assert result.computations == 1


def test_load_mix_runs_through_nginx(stack: Stack) -> None:
    """make load's machinery for one second: wrk with the generated mix, its result, the log's verdicts."""
    require_wrk()
    offset = stack.log_offset()
    result = run_wrk(stack.base, seconds=1, connections=4, hot=[API], large=[API])
    assert result.requests > 0 and result.errors["status"] == 0
    entries = read_log(stack.access_log, offset)
    assert len(entries) >= result.requests
    assert {"HIT", "MISS"} <= {e["cache"] for e in entries}  # the repeated URL and the fresh seeds


def test_request_ids(stack: Stack) -> None:
    """A client's sane X-Request-ID travels through nginx and back; anything else is replaced by nginx's own."""
    assert get(stack.base + API, {"X-Request-ID": "lecture-42.a_b"})[1]["X-Request-ID"] == "lecture-42.a_b"
    replaced = get(stack.base + API, {"X-Request-ID": "no spaces; " + "x" * 80})[1]["X-Request-ID"]
    assert len(replaced) == 32 and int(replaced, 16) >= 0


def test_refusals_are_not_cached(stack: Stack) -> None:
    url = stack.base + "/api/v1/rnn?steps=0"
    answers = [get(url) for _ in range(2)]
    assert [status for status, _, _ in answers] == [422, 422]
    assert [h["X-Cache-Status"] for _, h, _ in answers] == ["MISS", "MISS"]
    assert "steps" in answers[1][2].decode()


def test_an_upload_reaches_a_worker_and_its_model_every_worker(stack: Stack) -> None:
    """Past nginx's default 1 MB body limit the app answers itself (a refusal naming the field, not nginx's page);
    a model stored by one worker is answered by every worker (they share the store's directory)."""
    boundary = "bptt-deploy"

    def upload(name: str, data: bytes) -> tuple[int, bytes]:
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n\r\n'.encode()
        body = head + data + f"\r\n--{boundary}--\r\n".encode()
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        req = urllib.request.Request(stack.base + "/api/v1/models", body, headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=120) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            with e:
                return e.code, e.read()

    status, body = upload("junk.onnx", b"\x07" * 3_000_000)
    assert status == 422 and json.loads(body)["detail"][0]["field"] == "file"
    fixture = Path(__file__).resolve().parent / "fixtures" / "models" / "torch_gru_2.onnx"
    status, body = upload("m.onnx", fixture.read_bytes())
    assert status in (200, 201)
    model_id = json.loads(body)["id"]
    for worker in stack.workers:
        status, _, answer = get(f"{worker}/api/v1/models/{model_id}")
        assert status == 200 and json.loads(answer)["id"] == model_id


def test_no_store_status_is_not_cached(stack: Stack) -> None:
    url = stack.base + "/api/v1/train/status"
    answers = [get(url) for _ in range(2)]
    assert [(status, h["X-Cache-Status"]) for status, h, _ in answers] == [(200, "MISS"), (200, "MISS")]


def test_training_events_pass_through_unbuffered(stack: Stack) -> None:
    """The first event arrives while the run is still going: nginx neither holds the stream back nor
    compresses it (gzip would keep the events until its buffer fills), though the browser accepts gzip.

    The run is slow (an update every second or so, a few hundred bytes an event): nothing but the stream
    itself could make its first event arrive before the run ends."""
    url = stack.base + "/api/v1/train?model=lstm&hidden=64&lag=200&batch=64&iterations=20000"
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request, timeout=60) as r:
        assert r.headers["Content-Type"].startswith("text/event-stream")
        assert r.headers["X-Cache-Status"] is None
        assert r.headers["Content-Encoding"] is None
        first = r.readline().decode()
        assert first.startswith("event: start")
        running = 0
        for worker in stack.workers:
            _, _, body = get(worker + "/api/v1/train/status")
            running += json.loads(body)["running"]
        assert running == 1  # the run that sent that event has not ended


def test_an_offline_file_passes_through_whole(stack: Stack) -> None:
    """GET /export through nginx (its own, longer read timeout): the file arrives whole, as an attachment, and is
    not stored."""
    status, headers, body = get(f"{stack.base}/export?url=/scalar&points=3")
    assert status == 200, body[:300]
    assert headers["Content-Disposition"].startswith('attachment; filename="bptt-explorer-scalar-weight')
    assert body.startswith(b"<!doctype html>") and body.rstrip().endswith(b"</html>") and len(body) > 2_000_000
    assert "X-Cache-Status" not in headers


def test_page_and_static_files(stack: Stack) -> None:
    status, headers, body = get(stack.base + "/")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert headers["X-Cache-Status"] is None  # pages are never cached by nginx
    assert b"<html" in body
    verdicts = [get(stack.base + "/static/css/app.css")[1]["X-Cache-Status"] for _ in range(2)]
    assert verdicts == ["MISS", "HIT"]


def test_forwarded_headers_reach_the_workers(stack: Stack) -> None:
    """oEmbed builds absolute URLs from the request: through nginx they name nginx's address, not a worker's."""
    status, _, body = get(stack.base + "/oembed?url=" + urllib.parse.quote(stack.base + "/scalar"))
    assert status == 200
    assert stack.base + "/embed" in json.loads(body)["html"]


def test_cached_answers_outlive_the_workers(stack: Stack) -> None:
    """A worker restarting mid-lecture: nginx sends its requests to the other; both down: the cache still
    answers every URL it holds. (Runs last in this module: it stops the workers.)"""
    assert get(stack.base + API)[1]["X-Cache-Status"] == "HIT"
    stack.stop_worker(1)
    assert [get(stack.base + "/scalar")[0] for _ in range(4)] == [200] * 4  # a refused connection is retried
    status, headers, _ = get(stack.base + API.replace("seed=7", "seed=9"))
    assert (status, headers["X-Cache-Status"]) == (200, "MISS")  # computed by the worker left
    stack.stop_worker(0)
    status, headers, body = get(stack.base + API)
    assert (status, headers["X-Cache-Status"]) == (200, "HIT") and json.loads(body)
    assert get(stack.base + "/scalar")[0] == 502  # pages need a worker


def test_render_names_a_missing_field() -> None:
    with pytest.raises(ValueError, match="servers"):
        render("127.0.0.1:80", [], state=Path("/tmp"))
