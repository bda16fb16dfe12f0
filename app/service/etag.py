"""Strong ETags and Cache-Control for the JSON API: answers are pure functions of the query string.

A GET under /api/ answered 200 with JSON gets `ETag` (a hash of the body) and `Cache-Control`; a request
whose `If-None-Match` names that tag gets 304 with no body. Streams (text/event-stream), errors and answers
that set their own Cache-Control (a status that changes by the moment) pass through untouched.
"""

from __future__ import annotations

import hashlib

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Browsers and proxies may reuse an answer for an hour, then revalidate it with its ETag.
CACHE_CONTROL = "public, max-age=3600"


def etag_of(body: bytes) -> str:
    return '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'


def _matches(header: str | None, tag: str) -> bool:
    if not header:
        return False
    return header.strip() == "*" or tag in (t.strip().removeprefix("W/") for t in header.split(","))


class ETagMiddleware:
    def __init__(self, app: ASGIApp, prefix: str = "/api/") -> None:
        self.app = app
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in ("GET", "HEAD")
            or not scope["path"].startswith(self.prefix)
        ):
            await self.app(scope, receive, send)
            return
        wanted = Headers(scope=scope).get("if-none-match")
        start: Message | None = None
        chunks: list[bytes] = []
        passing = False

        async def wrapped(message: Message) -> None:
            nonlocal start, passing
            if message["type"] == "http.response.start":
                headers = Headers(raw=message["headers"])
                json = headers.get("content-type", "").startswith("application/json")
                own = "cache-control" in headers  # a route that says how it may be cached (e.g. no-store) is left alone
                if message["status"] != 200 or not json or own or "content-encoding" in headers:
                    passing = True
                    await send(message)
                else:
                    start = message
                return
            if passing or start is None:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            body = b"".join(chunks)
            tag = etag_of(body)
            headers = MutableHeaders(raw=start["headers"])
            headers["ETag"] = tag
            headers["Cache-Control"] = CACHE_CONTROL
            if _matches(wanted, tag):
                del headers["Content-Length"]
                await send({"type": "http.response.start", "status": 304, "headers": headers.raw})
                await send({"type": "http.response.body", "body": b""})
                return
            await send(start)
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, wrapped)


GZIP_SUFFIX = '-gzip"'


class EncodingETag:
    """Gives a gzip-encoded answer its own strong tag: `"<hash>-gzip"` beside `"<hash>"` for the plain body.

    A strong ETag names one representation byte for byte, so the compressed and the plain body may not share
    one. Placed outside GZipMiddleware: it renames the tag of compressed answers, and strips the suffix from
    If-None-Match on the way in so the ETagMiddleware inside compares the body's own hash (a 304 then names
    the tag the client holds).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        wanted = Headers(scope=scope).get("if-none-match", "")
        gzip_held = GZIP_SUFFIX in wanted
        if gzip_held:
            raw = [(k, v) for k, v in scope["headers"] if k != b"if-none-match"]
            raw.append((b"if-none-match", wanted.replace(GZIP_SUFFIX, '"').encode("latin-1")))
            scope = {**scope, "headers": raw}

        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(raw=message["headers"])
                tag = headers.get("etag")
                gzipped = headers.get("content-encoding") == "gzip" or (message["status"] == 304 and gzip_held)
                if tag and tag.endswith('"') and not tag.startswith("W/") and gzipped:
                    headers["ETag"] = tag[:-1] + GZIP_SUFFIX
            await send(message)

        await self.app(scope, receive, wrapped)
