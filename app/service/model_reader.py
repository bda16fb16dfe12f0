"""Reading an uploaded model file in a process of its own, with a time limit.

The readers (core.model.load) parse files from anyone with h5py, onnx and zipfile, and a model's summary takes
eigenvalues of every recurrent matrix; none of that can be interrupted from inside Python. So each file is read
in a child process: past `seconds` of wall time it is killed, and whatever a damaged file does to a native
library there, the server goes on. Children come from a fork server that has already imported the readers
(multiprocessing "forkserver" with preloading), so each costs about ten milliseconds instead of the second
that importing onnx takes.

The child answers with JSON and, for a model it read, the store file (app/service/models.py encode), never a
pickle: the parent decodes that file, and checks that its content id is the one the child named.
"""

from __future__ import annotations

import json
import multiprocessing
import threading
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from threadpoolctl import threadpool_limits

from app.contract.models import model_info, plain
from app.service.models import decode, encode
from core.model.checks import Limits, ModelError
from core.model.identity import canonical_id
from core.model.load import load  # imported here, so that the fork server has it before any child starts

_context_lock = threading.Lock()
_context: Any = None


def context() -> Any:
    """The fork server's multiprocessing context, its server started with the readers imported."""
    global _context
    with _context_lock:
        if _context is None:
            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(["app.service.model_reader"])
            _context = ctx
        return _context


class TimedOut(Exception):
    """Reading the file took longer than its limit (seconds)."""

    def __init__(self, seconds: float) -> None:
        super().__init__(seconds)
        self.seconds = seconds


@dataclass(frozen=True)
class Read:
    """A model read from a file: its id and its store file."""

    model_id: str
    data: bytes


def _child(conn: Connection, request: dict[str, Any], blas_threads: int) -> None:
    """In the child: read the file (sent after the start), answer with JSON and the store file, or with the
    reader's refusal."""
    threadpool_limits(limits=blas_threads, user_api="blas")
    data = conn.recv_bytes()
    try:
        model = load(data, request["filename"], request["nonlinearity"], Limits(**request["limits"]))
        model_id = canonical_id(model)
        stored = encode(model, model_info(model_id, model))
    except ModelError as e:
        refusal = {"message": str(e), "key": e.key, "found": plain(e.found), "expected": plain(e.expected)}
        conn.send_bytes(json.dumps({"refused": refusal}).encode())
        return
    conn.send_bytes(json.dumps({"id": model_id}).encode())
    conn.send_bytes(stored)


def _refusal(fields: dict[str, Any]) -> ModelError:
    e = ModelError(str(fields["message"]))
    e.key, e.found, e.expected = fields.get("key"), fields.get("found"), fields.get("expected")
    return e


def read(data: bytes, filename: str, nonlinearity: str | None, limits: Limits, seconds: float, blas: int = 1) -> Read:
    """The model a file holds, read in a child process within `seconds` of wall time. Raises ModelError (the
    reader's refusal, or a child that stopped without answering) or TimedOut."""
    request = {
        "filename": filename,
        "nonlinearity": nonlinearity,
        "limits": {
            "max_bytes": limits.max_bytes,
            "max_numbers": limits.max_numbers,
            "max_hidden": limits.max_hidden,
            "max_layers": limits.max_layers,
            "max_steps": limits.max_steps,
        },
    }
    ctx = context()
    receive, send = ctx.Pipe()
    child = ctx.Process(target=_child, args=(send, request, blas), name="model-reader", daemon=True)
    child.start()
    send.close()
    try:
        try:
            receive.send_bytes(data)
        except OSError:  # the child stopped before it read the file
            raise _stopped(child) from None
        if not receive.poll(seconds):
            if child.is_alive():
                raise TimedOut(seconds)
            raise _stopped(child)
        try:
            answer = json.loads(receive.recv_bytes())
            if "refused" in answer:
                raise _refusal(answer["refused"])
            stored = receive.recv_bytes()
        except EOFError:
            raise _stopped(child) from None
    finally:
        receive.close()
        if child.is_alive():
            child.kill()
        child.join(5)
    model_id = str(answer["id"])
    if canonical_id(decode(stored)) != model_id:
        raise ModelError("the reader's answer did not match the file", filename)
    return Read(model_id, stored)


def _stopped(child: Any) -> ModelError:
    child.join(5)
    return ModelError(
        "the reader stopped on this file without an answer (a damaged file or one too large to read)",
        None,
        f"exit code {child.exitcode}",
    )
