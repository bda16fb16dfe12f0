"""Safe defaults on every response: a Content-Security-Policy without inline script, nosniff, a referrer policy,
framing allowed for /embed only, and CORS open for the read-only GET API.

Both middlewares are plain ASGI (they only edit the `http.response.start` message), so streamed answers such as
the training lab's text/event-stream pass through chunk by chunk.

The policy of the explorer's pages (`PAGE_POLICY`), and why each source is there:

- script-src 'self': every script is a file under /static (ES modules, KaTeX, plotly.min.js); the JSON blocks in
  the templates are `<script type="application/json">`, data the browser never runs. Plotly.js 4 draws SVG and
  canvas traces without eval (only its WebGL traces would want it, and the explorer draws none).
- style-src 'unsafe-inline': Plotly.js and KaTeX position everything with inline `style` attributes, and Plotly
  adds its own rules in a `<style>` element at load.
- img-src data: blob:: Plotly paints heatmaps on a canvas and shows them as an SVG `<image>` whose source is a
  data: URL, and the pages' empty favicon is `data:,`; blob: covers images a page makes from its own data
  (downloads, exports).
- font-src data:: KaTeX's fonts are files under /static; data: leaves room for fonts inlined in a stylesheet.
- frame-ancestors: /embed (the page /oembed's iframes point at) may be framed by the sites in the
  `frame_ancestors` setting; every other page by nobody (also said with X-Frame-Options for old browsers).
  A parent whose origin is opaque (a data: URL, a sandboxed iframe) matches no source, not even `*`; Chromium
  matches a page opened from disk only by the scheme source `file:`. With `embed_any_parent` /embed is sent
  without the directive (and, as always, without X-Frame-Options), so any parent may frame it.
"""

from __future__ import annotations

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

EMBED_PATH = "/embed"
BASE_POLICY = (
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
)
# FastAPI's interactive API docs load Swagger UI / ReDoc from their CDN and start them with an inline script; they
# keep working with a policy of their own that allows just that, on those two paths only.
DOCS_PATHS = frozenset({"/docs", "/docs/oauth2-redirect", "/redoc"})
DOCS_POLICY = (
    "default-src 'self'",
    "script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net",
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com",
    "img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly",
    "font-src 'self' data: https://fonts.gstatic.com",
    "worker-src 'self' blob:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
)
COMMON = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "strict-origin-when-cross-origin"}


def policy(frame_ancestors: str | None) -> str:
    """The pages' Content-Security-Policy with the given frame-ancestors source list (None: no such directive)."""
    framing = () if frame_ancestors is None else (f"frame-ancestors {frame_ancestors}",)
    return "; ".join((*BASE_POLICY, *framing))


def _check_sources(value: str, name: str) -> str:
    if not value.strip() or any(ch in value for ch in ";,\r\n"):
        raise ValueError(
            f"{name} (BPTT_{name.upper()}) must be a space-separated list of sources without ';' or ',' (got {value!r})"
        )
    return " ".join(value.split())


class SecurityHeaders:
    """Adds the policy headers to every HTTP response (a route that sets one of them keeps its own)."""

    def __init__(self, app: ASGIApp, frame_ancestors: str = "*", any_parent: bool = False) -> None:
        self.app = app
        sources = _check_sources(frame_ancestors, "frame_ancestors")
        embeddable = policy(None if any_parent else sources)
        self.embed = {**COMMON, "Content-Security-Policy": embeddable}
        self.page = {**COMMON, "Content-Security-Policy": policy("'none'"), "X-Frame-Options": "DENY"}
        self.docs = {**COMMON, "Content-Security-Policy": "; ".join(DOCS_POLICY), "X-Frame-Options": "DENY"}

    def headers_for(self, path: str) -> dict[str, str]:
        if path == EMBED_PATH:
            return self.embed
        return self.docs if path in DOCS_PATHS else self.page

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = self.headers_for(scope["path"])

        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in extra.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, wrapped)


CORS_PREFIXES = ("/api/", "/oembed")
CORS_METHODS = "GET, HEAD"
CORS_REQUEST_HEADERS = "If-None-Match, X-Request-ID"  # beyond the safelisted ones, what a reader may send
CORS_EXPOSED = "ETag, Retry-After, Server-Timing, X-Request-ID"
PREFLIGHT_MAX_AGE = "7200"  # seconds a browser may reuse a preflight answer (Chromium's own ceiling)


def _is_cors_path(path: str) -> bool:
    return path == "/oembed" or path.startswith(CORS_PREFIXES)


class ReadOnlyCORS:
    """Cross-origin reads of the JSON API and /oembed: GET and HEAD only, from `origins` ('*' or a list).

    Pages and every other method get no CORS headers at all; a preflight asking for another method is refused
    with 400 and a message saying which methods are allowed.
    """

    def __init__(self, app: ASGIApp, origins: str = "*") -> None:
        self.app = app
        listed = _check_sources(origins, "cors_origins").split()
        self.any = "*" in listed
        self.origins = frozenset(listed)

    def allow_origin(self, origin: str | None) -> str | None:
        """The Access-Control-Allow-Origin value for a request from `origin`, or None."""
        if self.any:
            return "*"
        return origin if origin in self.origins else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _is_cors_path(scope["path"]):
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        request = Headers(scope=scope)
        origin = request.get("origin")
        if method == "OPTIONS" and origin and "access-control-request-method" in request:
            await self.preflight(request, origin)(scope, receive, send)
            return
        if method not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        allowed = self.allow_origin(origin)

        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if allowed is not None:
                    headers["Access-Control-Allow-Origin"] = allowed
                    headers["Access-Control-Expose-Headers"] = CORS_EXPOSED
                if not self.any:
                    headers.add_vary_header("Origin")  # the answer depends on who asks
            await send(message)

        await self.app(scope, receive, wrapped)

    def preflight(self, request: Headers, origin: str) -> Response:
        wanted = request["access-control-request-method"].upper()
        allowed = self.allow_origin(origin)
        if wanted not in ("GET", "HEAD"):
            message = f"CORS: only GET and HEAD may be sent from other origins (asked for {wanted})"
            return PlainTextResponse(message, status_code=400)
        if allowed is None:
            return PlainTextResponse(f"CORS: origin {origin} is not allowed", status_code=400)
        headers = {
            "Access-Control-Allow-Origin": allowed,
            "Access-Control-Allow-Methods": CORS_METHODS,
            "Access-Control-Allow-Headers": CORS_REQUEST_HEADERS,
            "Access-Control-Max-Age": PREFLIGHT_MAX_AGE,
        }
        if not self.any:
            headers["Vary"] = "Origin"
        return Response(status_code=204, headers=headers)
