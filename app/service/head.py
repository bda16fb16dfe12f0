"""HEAD answered wherever GET is (RFC 9110 §9.3.2): the request goes on as a GET, and its answer's status and
headers go back without the body. Link checkers and caches ask HEAD of pages and API answers alike.

A body sent in pieces (a file, the training lab's events) is refused at its first piece, as when a client goes
away: the route stops there, so a HEAD streams no file and starts no training."""

from __future__ import annotations

import asyncio

from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class _BodyRefused(OSError):
    """What the route's next piece of body meets once a HEAD's headers are sent (a client gone, to Starlette)."""


class HeadAsGet:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return
        answered = asyncio.Event()
        asked = False

        async def request_then_gone() -> Message:
            nonlocal asked
            if not asked:
                asked = True
                return await receive()
            await answered.wait()
            return {"type": "http.disconnect"}

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.start":
                await send(message)
                await send({"type": "http.response.body", "body": b"", "more_body": False})
                answered.set()
            elif message.get("more_body"):
                raise _BodyRefused("HEAD: the body is not sent")

        try:
            await self.app({**scope, "method": "GET"}, request_then_gone, headers_only)
        except (_BodyRefused, ClientDisconnect):
            if not answered.is_set():
                raise
