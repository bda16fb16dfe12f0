"""The application's answer to a request its query models refuse: the API's 422 body (app/contract/errors.py)."""

from __future__ import annotations

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from app.contract.errors import QUERY_MODELS, describe


async def validation_handler(request: Request, exc: Exception) -> JSONResponse:
    """Turn pydantic's errors into one entry per field with its allowed range."""
    assert isinstance(exc, RequestValidationError)
    model = QUERY_MODELS.get(request.url.path)
    detail = [describe(model, dict(e)) for e in exc.errors()]
    return JSONResponse({"detail": detail}, status_code=422)
