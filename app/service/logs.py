"""Structured logs: one JSON line per request on stderr, each with a request id that the response echoes.

Logger `bptt_explorer.access`, one line per request: time, request_id, method, path, query, status,
duration_ms, bytes (as sent, after compression) and, for cached API answers, `cache` (hit or miss) with the
compute time of a miss. The id is the client's `X-Request-ID` when it is a sane token (at most 64 characters
of A-Z a-z 0-9 . _ -), otherwise a fresh uuid4; either way the response carries it back in `X-Request-ID`.

An exception that escapes a route is logged at ERROR with the request id and its traceback, and the client gets
a 500 JSON answer that names the id (if the answer had already begun, the connection is closed instead).

uvicorn's own access log says the same thing in prose: `bptt-explorer serve` turns it off while these lines are
on (BPTT_ACCESS_LOG, default on); with `uvicorn app.main:app`, pass `--no-access-log`. With them off, request ids,
logged errors and start-up/shutdown lines remain.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import time
import traceback
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

LOGGER = "bptt_explorer"
access = logging.getLogger(f"{LOGGER}.access")
REQUEST_ID_HEADER = "X-Request-ID"
_SANE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
# The id of the request being served, for any log line written while serving it.
request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


def request_id_of(incoming: str | None) -> str:
    """The client's id if it is a sane token, else a new one."""
    if incoming is not None and _SANE_ID.match(incoming):
        return incoming
    return uuid.uuid4().hex


def cache_fields(server_timing: str | None) -> dict[str, Any]:
    """`cache` (hit or miss) and, for a miss, `compute_ms`, from the API's Server-Timing header."""
    if not server_timing:
        return {}
    if server_timing.startswith("cache"):
        return {"cache": "hit"}
    match = re.match(r"compute;dur=([0-9.]+)", server_timing)
    if match:
        return {"cache": "miss", "compute_ms": float(match.group(1))}
    return {}


class JsonFormatter(logging.Formatter):
    """A record as one line of JSON: time, level, logger, its fields (or message), request id, traceback."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            line.update(fields)
        else:
            line["message"] = record.getMessage()
        rid = request_id.get()
        if rid is not None:
            line.setdefault("request_id", rid)
        if record.exc_info and record.exc_info[1] is not None:
            line["error"] = f"{type(record.exc_info[1]).__name__}: {record.exc_info[1]}"
            line["traceback"] = "".join(traceback.format_exception(*record.exc_info))
        return json.dumps(line, ensure_ascii=False, default=str)


class StderrJsonLines(logging.Handler):
    """Writes formatted records to whatever sys.stderr is at the moment (a test runner may swap it)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(self.format(record) + "\n")
            sys.stderr.flush()
        except Exception:  # a closed or broken stderr: logging's own fallback reports it
            self.handleError(record)


def configure() -> None:
    """Sends the `bptt_explorer` loggers to stderr as JSON lines, once per process."""
    logger = logging.getLogger(LOGGER)
    if any(isinstance(h, StderrJsonLines) for h in logger.handlers):
        return
    handler = StderrJsonLines()
    handler.setFormatter(JsonFormatter())
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False  # one line per event, whatever the root logger is configured to do


def log(event: str, level: int = logging.INFO, **fields: Any) -> None:
    """A structured line that is not about one request (start-up, shutdown)."""
    logging.getLogger(f"{LOGGER}.server").log(
        level, event, extra={"fields": {"event": event, "pid": os.getpid(), **fields}}
    )


class AccessLog:
    """Gives every HTTP request an id, logs it as one JSON line (unless `requests` is off) and answers an escaped
    exception with a logged 500."""

    def __init__(self, app: ASGIApp, requests: bool = True) -> None:
        self.app = app
        self.requests = requests

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = request_id_of(Headers(scope=scope).get("x-request-id"))
        token = request_id.set(rid)
        t0 = time.perf_counter()
        status: int | None = None
        sent = 0
        timing: str | None = None

        async def wrapped(message: Message) -> None:
            nonlocal status, sent, timing
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers[REQUEST_ID_HEADER] = rid
                status = message["status"]
                timing = headers.get("server-timing")
            elif message["type"] == "http.response.body":
                sent += len(message.get("body", b""))
            await send(message)

        failed: BaseException | None = None
        try:
            await self.app(scope, receive, wrapped)
        except Exception as exc:
            failed = exc
            access.error(
                "unhandled exception",
                exc_info=exc,
                extra={
                    "fields": {"event": "error", "request_id": rid, "method": scope["method"], "path": scope["path"]}
                },
            )
            if status is not None:
                raise  # the answer has begun: the server closes the connection
            body = json.dumps(
                {"detail": [{"field": None, "message": f"internal error (request id {rid}); it has been logged"}]}
            ).encode()
            await wrapped(
                {
                    "type": "http.response.start",
                    "status": 500,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
                }
            )
            await wrapped({"type": "http.response.body", "body": body})
        finally:
            fields: dict[str, Any] = {
                "event": "request",
                "request_id": rid,
                "method": scope["method"],
                "path": scope["path"],
                "query": scope.get("query_string", b"").decode("latin-1"),
                "status": status,
                "duration_ms": round((time.perf_counter() - t0) * 1e3, 2),
                "bytes": sent,
                **cache_fields(timing),
            }
            if failed is not None:
                fields["error"] = type(failed).__name__
            if self.requests:
                access.info("%s %s %s", scope["method"], scope["path"], status, extra={"fields": fields})
            request_id.reset(token)
