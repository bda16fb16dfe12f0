"""An uploaded model file, read from a multipart request without ever holding more than the cap.

The body is parsed as it arrives (Starlette's MultiPartParser over the request stream; a file part over 1 MB
goes to a temporary file, not memory). A Content-Length over the cap is refused before any byte is read, and a
body that grows past it while arriving is refused at that point: 413 naming the field `file` and the cap.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse
from python_multipart.multipart import parse_options_header
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from app.contract.models import NONLINEARITIES, ModelInfo, refusal
from app.contract.quoting import clipped, quoted
from app.service.limits import Guard, Refused
from app.service.model_reader import TimedOut, read
from app.service.models import Store
from app.service.settings import Settings
from core.model.checks import Limits, ModelError

FIELDS = ("file", "nonlinearity")
FORM_SLACK = 64 * 2**10  # the multipart framing around the file: part headers, boundaries, the other field


@dataclass(frozen=True)
class Upload:
    data: bytes
    filename: str
    nonlinearity: str | None


def refused(
    status: int, field: str | None, message: str, kind: str, headers: dict[str, str] | None = None, **extra: Any
) -> Refused:
    """A refusal in the API's error shape (app/contract/errors.py)."""
    entry = {"field": field, "message": message, "type": kind, **extra}
    return Refused(JSONResponse({"detail": [entry]}, status_code=status, headers=headers))


def mebibytes(n: int) -> str:
    return f"{n / 2**20:g} MiB ({n} bytes)" if n >= 2**20 else f"{n} bytes"


def too_large(cap: int, seen: str) -> Refused:
    return refused(
        413,
        "file",
        f"file: the upload is larger than this server's limit of {mebibytes(cap)}: {seen}.",
        "too_large",
        allowed=f"at most {cap} bytes",
    )


class _Over(Exception):
    pass


async def _capped(request: Request, limit: int) -> AsyncGenerator[bytes, None]:
    seen = 0
    async for chunk in request.stream():
        seen += len(chunk)
        if seen > limit:
            raise _Over
        yield chunk


def cross_site(request: Request) -> bool:
    """A request a page of another site sent (the browser says so in Sec-Fetch-Site, or sends Origin null)."""
    site = request.headers.get("sec-fetch-site")
    return site in ("cross-site", "same-site") or request.headers.get("origin") == "null"


async def read_upload(request: Request, cap: int) -> Upload:
    """The file and the chosen nonlinearity of a multipart upload; raises Refused (413 or 422) naming the field."""
    content_type, _ = parse_options_header(request.headers.get("content-type", ""))
    if content_type != b"multipart/form-data":
        raise refused(
            422,
            "file",
            "file: send the model as multipart/form-data, the file in the field `file` "
            f"(got Content-Type {quoted(request.headers.get('content-type', 'none'))}).",
            "missing",
        )
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > cap + FORM_SLACK:
        raise too_large(cap, f"the request declares {declared} bytes")
    parser = MultiPartParser(request.headers, _capped(request, cap + FORM_SLACK), max_files=1, max_fields=1)
    try:
        form = await parser.parse()
    except _Over:
        raise too_large(cap, "reading stopped there") from None
    except MultiPartException as e:
        raise refused(422, "file", f"file: the multipart body could not be read ({e.message})", "multipart") from None
    try:
        unknown = [k for k in form if k not in FIELDS]
        if unknown:
            raise refused(
                422,
                unknown[0],
                f"unknown field {quoted(unknown[0])}; known fields: {', '.join(FIELDS)}",
                "extra_forbidden",
                allowed=", ".join(FIELDS),
            )
        file = form.get("file")
        if not isinstance(file, UploadFile):
            what = "text, not a file" if file is not None else "missing"
            raise refused(
                422, "file", f"file: the model file is {what}: send it in the multipart field `file`.", "missing"
            )
        if file.size is not None and file.size > cap:
            raise too_large(cap, f"got {file.size} bytes")
        data = await file.read()
        nonlinearity = form.get("nonlinearity")
        if isinstance(nonlinearity, UploadFile) or (nonlinearity not in (None, "", *NONLINEARITIES)):
            raise refused(
                422,
                "nonlinearity",
                f"nonlinearity must be one of: {', '.join(NONLINEARITIES)} "
                f"(got {quoted(nonlinearity if isinstance(nonlinearity, str) else 'a file')})",
                "literal_error",
                allowed=", ".join(NONLINEARITIES),
            )
        name = str(clipped(file.filename or "upload", 100))  # a label in messages, never a path
        return Upload(data, name, nonlinearity or None)
    finally:
        await form.close()


# What reading a file costs, for the heavy slot's Retry-After: a fork of the reader and its answer (about 60 ms),
# then about 2.5 MB of float32 file a second for the largest models (the summary's eigenvalues and singular values
# dominate; docs/settings.md).
READ_BASE_S = 0.06
READ_BYTES_PER_S = 2.5e6


def limits_of(s: Settings) -> Limits:
    """The readers' bounds from the settings."""
    return Limits(
        max_bytes=s.model_upload_max_bytes,
        max_numbers=s.model_max_numbers,
        max_hidden=s.model_max_hidden,
        max_layers=s.model_max_layers,
        max_steps=s.model_max_steps,
    )


def accept(guard: Guard, store: Store, upload: Upload) -> tuple[bool, ModelInfo]:
    """Reads an upload in a heavy slot and stores it: (stored now, not already there; its ModelInfo). Raises
    Refused: 422 for a file the reader refuses, 503 when every slot is busy or reading took too long."""
    s = guard.settings
    # Every upload takes a heavy slot: what reading it costs is known only once it is read.
    seconds = max(READ_BASE_S + len(upload.data) / READ_BYTES_PER_S, s.heavy_threshold_seconds + 1e-3)
    out: list[tuple[bool, str]] = []

    def compute() -> bytes:
        try:
            r = read(
                upload.data, upload.filename, upload.nonlinearity, limits_of(s), s.model_read_seconds, s.blas_threads
            )
        except ModelError as e:
            raise Refused(JSONResponse({"detail": [refusal(e)]}, status_code=422)) from None
        except TimedOut as e:
            raise refused(
                503,
                "file",
                f"Reading the file stopped at the limit of {e.seconds:g} s: a model with fewer or smaller layers "
                "reads faster, or try again when the server is less busy.",
                "timeout",
                {"Retry-After": str(max(1, round(seconds)))},
            ) from None
        try:
            out.append((store.put_encoded(r.model_id, r.data), r.model_id))
        except OSError as e:  # a full or unwritable disk: the file was fine, the server could not keep it
            raise refused(503, "file", f"file: the server could not store the model ({e.strerror}).", "storage") from e
        return b""

    guard.within(seconds, compute, ("file",), capped=False)
    created, model_id = out[0]
    return created, store.info(model_id)
