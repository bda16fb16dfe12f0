"""Model uploads from a real Chromium against a real uvicorn: a page of the site uploads with fetch and FormData
and reads the answer; a form on a page of another site cannot store a model; a file over the cap gets the 413 that names
the field, not a network error."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

from core.model.checks import Limits
from core.model.identity import canonical_id
from core.model.load import load

pytestmark = pytest.mark.browser

MODELS = Path(__file__).resolve().parents[1] / "fixtures" / "models"
UPLOAD = """async ([url, bytes, size, name]) => {
  const body = bytes ? new Uint8Array(bytes) : new Uint8Array(size);
  const form = new FormData();
  form.append('file', new Blob([body]), name);
  try {
    const r = await fetch(url, {method: 'POST', body: form});
    return {status: r.status, body: await r.json()};
  } catch (e) {
    return {status: 0, body: String(e)};
  }
}"""


def upload(page: Page, url: str, name: str, data: bytes | None = None, size: int = 0) -> dict[str, Any]:
    answer: dict[str, Any] = page.evaluate(UPLOAD, [url, list(data) if data else None, size, name])
    return answer


def test_a_page_of_the_site_uploads_and_reads_the_model(page: Page, live_server: str) -> None:
    data = (MODELS / "torch_lstm_bi_2.onnx").read_bytes()
    page.goto(f"{live_server}/healthz")
    r = upload(page, "/api/v1/models", "torch_lstm_bi_2.onnx", data)
    assert r["status"] in (200, 201), r
    assert r["body"]["id"] == canonical_id(load(data, "m.onnx", None, Limits()))
    got = page.evaluate("async (id) => (await fetch(`/api/v1/models/${id}`)).json()", r["body"]["id"])
    assert got == r["body"]


@contextmanager
def other_site(action: str) -> Iterator[int]:
    """A page of another site (another port, so another origin) with a form that posts a file to `action`."""
    page = (
        f'<form id="f" method="post" enctype="multipart/form-data" action="{action}">'
        '<input type="file" name="file"></form>'
    ).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1"])  # another site; the same site on another port
def test_a_form_of_another_site_stores_nothing(page: Page, live_server: str, host: str) -> None:
    """What a page elsewhere can do without CORS: post a form with a file. The answer is 403, nothing is stored."""
    path = MODELS / "keras_gru_before.weights.h5"
    model_id = canonical_id(load(path.read_bytes(), "w.weights.h5", None, Limits()))
    with other_site(f"{live_server}/api/v1/models") as port:
        page.goto(f"http://{host}:{port}/")
        page.set_input_files("input[name=file]", str(path))
        with page.expect_navigation():
            page.evaluate("document.getElementById('f').submit()")
        assert page.url == f"{live_server}/api/v1/models"
        assert "own pages only" in page.locator("body").inner_text()
    page.goto(f"{live_server}/healthz")
    status = page.evaluate("async (id) => (await fetch(`/api/v1/models/${id}`)).status", model_id)
    assert status == 404


def test_a_file_over_the_cap_gets_413_naming_the_field(page: Page, live_server: str) -> None:
    page.goto(f"{live_server}/healthz")
    r = upload(page, "/api/v1/models", "big.safetensors", size=65 * 2**20)
    assert r["status"] == 413, r
    (d,) = r["body"]["detail"]
    assert d["field"] == "file" and "limit of 64 MiB" in d["message"]
