"""Every response carries the safety headers: CSP without inline script, nosniff, a referrer policy; only /embed
may be framed; CORS only for GET and HEAD on the JSON API and /oembed."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from httpx2 import Response
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from app.main import app
from app.service.models import Store
from app.service.security import ReadOnlyCORS, SecurityHeaders
from app.service.settings import settings
from core.model.checks import Limits
from core.model.identity import canonical_id
from core.model.load import load

PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
EMBED_CSP = PAGE_CSP.replace("frame-ancestors 'none'", f"frame-ancestors {settings().frame_ancestors}")
DOCS = {"/docs", "/docs/oauth2-redirect", "/redoc"}
# Routes that need more than their defaults to answer 200 (a new one fails test_every_route until listed here).
QUERIES = {
    "/oembed": {"url": "/scalar"},
    "/export": {"url": "/?steps=20&hidden=8", "sliders": "scale", "points": "2"},  # a download: its scripts run offline
    "/api/v1/train": {"iterations": "2", "lag": "2", "hidden": "2"},
    "/docs/oauth2-redirect": {},
}
ORIGIN = {"Origin": "https://course.example.org"}


def _directives(csp: str) -> dict[str, str]:
    return {d.split(" ", 1)[0]: d.split(" ", 1)[1] for d in csp.split("; ")}


def assert_safe(r: Response, path: str) -> None:
    """The headers every response carries, and framing and CORS as the path allows."""
    h = r.headers
    assert h["x-content-type-options"] == "nosniff", path
    assert h["referrer-policy"] == "strict-origin-when-cross-origin", path
    csp = _directives(h["content-security-policy"])
    assert "'unsafe-eval'" not in csp["script-src"], path
    assert csp["object-src"] == "'none'" and csp["base-uri"] == "'none'", path
    if path == "/embed":
        assert h["content-security-policy"] == EMBED_CSP
        assert "x-frame-options" not in h
    else:
        assert csp["frame-ancestors"] == "'none'", path
        assert h["x-frame-options"] == "DENY", path
        if path not in DOCS:
            assert h["content-security-policy"] == PAGE_CSP, path
    readable = path.startswith("/api/") or path == "/oembed"
    if readable and r.request.method in ("GET", "HEAD"):
        assert h["access-control-allow-origin"] == "*", path
        assert "ETag" in h["access-control-expose-headers"], path
    else:
        assert "access-control-allow-origin" not in h, path


# A stored model, for GET /api/v1/models/{id}.
MODEL = load(
    (Path(__file__).resolve().parents[2] / "fixtures/models/torch_gru.onnx").read_bytes(), "m.onnx", None, Limits()
)
# An example of each path parameter.
EXAMPLES = {"{view}": "rnn", "{id}": canonical_id(MODEL)}


def _get_paths() -> list[str]:
    paths = []
    for rc in iter_route_contexts(app.routes):
        route = rc.original_route
        if isinstance(route, APIRoute | Route) and "GET" in (rc.methods or set()):
            assert rc.path is not None
            path = rc.path
            for name, example in EXAMPLES.items():
                path = path.replace(name, example)
            assert "{" not in path, f"{rc.path}: path parameters need an example here"
            paths.append(path)
    return paths


def _static_files() -> list[str]:
    """One real file under every static mount."""
    urls = []
    for route in app.routes:
        if isinstance(route, Mount) and isinstance(route.app, StaticFiles):
            directory = Path(str(route.app.directory))
            first = min(p for p in directory.rglob("*.js") if p.is_file())
            urls.append(f"{route.path}/{first.relative_to(directory).as_posix()}")
    return urls


def test_the_app_has_the_routes_this_test_knows() -> None:
    paths = _get_paths()
    assert {"/", "/embed", "/oembed", "/healthz", "/readyz", "/api/v1/rnn", "/api/v1/train", "/docs"} <= set(paths)
    assert len(_static_files()) == 2  # /static and the plotly.js bundle


@pytest.mark.parametrize("path", _get_paths())
def test_every_route(client: TestClient, path: str) -> None:
    store: Store = client.app.state.models  # type: ignore[attr-defined]
    store.put(MODEL)
    r = client.get(path, params=QUERIES.get(path, {}), headers=ORIGIN)
    assert r.status_code == 200, (path, r.text[:300])
    assert_safe(r, path)


@pytest.mark.parametrize("url", _static_files())
def test_static_files_and_their_304(client: TestClient, url: str) -> None:
    r = client.get(url)
    assert r.status_code == 200
    assert_safe(r, url)
    again = client.get(url, headers={"If-None-Match": r.headers["etag"]})
    assert again.status_code == 304
    assert_safe(again, url)


def test_api_304_and_errors(client: TestClient) -> None:
    r = client.get("/api/v1/scalar", headers=ORIGIN)
    again = client.get("/api/v1/scalar", headers={**ORIGIN, "If-None-Match": r.headers["etag"]})
    assert again.status_code == 304
    assert_safe(again, "/api/v1/scalar")
    bad = client.get("/api/v1/rnn", params={"hidden": 10**9}, headers=ORIGIN)
    assert bad.status_code == 422
    assert_safe(bad, "/api/v1/rnn")  # a reader on another site sees why it was refused
    for missing in ("/nowhere", "/api/v1/nowhere", "/static/nowhere.js"):
        r = client.get(missing)
        assert r.status_code == 404
        assert_safe(r, missing)
    embed_404 = client.get("/embed", params={"view": "nowhere"})
    assert embed_404.status_code == 404
    assert_safe(embed_404, "/embed")


def test_no_cors_for_other_methods_or_pages(client: TestClient) -> None:
    post = client.post("/api/v1/rnn", headers=ORIGIN)
    assert post.status_code == 405
    assert_safe(post, "/api/v1/rnn")
    page = client.get("/scalar", headers=ORIGIN)
    assert "access-control-allow-origin" not in page.headers


def test_preflight_allows_get_and_head_only(client: TestClient) -> None:
    ok = client.options("/api/v1/lstm", headers={**ORIGIN, "Access-Control-Request-Method": "GET"})
    assert ok.status_code == 204
    assert ok.headers["access-control-allow-origin"] == "*"
    assert ok.headers["access-control-allow-methods"] == "GET, HEAD"
    assert "If-None-Match" in ok.headers["access-control-allow-headers"]
    assert ok.headers["x-content-type-options"] == "nosniff"
    refused = client.options("/oembed", headers={**ORIGIN, "Access-Control-Request-Method": "DELETE"})
    assert refused.status_code == 400
    assert "only GET and HEAD" in refused.text and "DELETE" in refused.text
    assert "access-control-allow-origin" not in refused.headers
    page = client.options("/scalar", headers={**ORIGIN, "Access-Control-Request-Method": "GET"})
    assert page.status_code == 405 and "access-control-allow-origin" not in page.headers


def _small_app(frame_ancestors: str, origins: str) -> TestClient:
    """A one-route app behind the two middlewares, configured as a deployment would."""

    def answer(request: Request) -> JSONResponse:
        return JSONResponse({"path": request.url.path})

    inner = Starlette(routes=[Route("/api/x", answer), Route("/embed", answer), Route("/page", answer)])
    return TestClient(SecurityHeaders(ReadOnlyCORS(inner, origins=origins), frame_ancestors=frame_ancestors))


def test_configured_allow_lists() -> None:
    c = _small_app("https://lms.example.edu  https://*.course.example.org", "https://a.example https://b.example")
    embed = _directives(c.get("/embed").headers["content-security-policy"])
    assert embed["frame-ancestors"] == "https://lms.example.edu https://*.course.example.org"
    assert _directives(c.get("/page").headers["content-security-policy"])["frame-ancestors"] == "'none'"
    listed = c.get("/api/x", headers={"Origin": "https://b.example"})
    assert listed.headers["access-control-allow-origin"] == "https://b.example"
    assert "Origin" in listed.headers["vary"]
    other = c.get("/api/x", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers and "Origin" in other.headers["vary"]
    pre = c.options("/api/x", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"})
    assert pre.status_code == 400 and "https://evil.example" in pre.text


@pytest.mark.parametrize("value", ["https://a.example; script-src *", "", "https://a.example,https://b.example"])
def test_a_source_list_that_would_break_the_policy_is_refused(value: str) -> None:
    with pytest.raises(ValueError, match="frame_ancestors"):
        _small_app(value, "*")
    with pytest.raises(ValueError, match="cors_origins"):
        _small_app("*", value)
