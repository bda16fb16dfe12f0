"""POST /api/v1/models: upload a trained recurrent model; GET /api/v1/models/{id}: what the server holds under an id.

Uploads are same-origin only: another site's page may not store files here (CORS lets other origins read the GET
API, never POST; a plain form post from another site, which needs no preflight, is refused with 403 by its
Sec-Fetch-Site or `Origin: null`). Reading runs in a child process within a time limit, in one of the heavy
slots (app/service/uploads.py, app/service/model_reader.py).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from app.contract.errors import ErrorBody
from app.contract.models import ID_PATTERN, NONLINEARITIES, ModelErrorBody, ModelInfo
from app.contract.quoting import quoted
from app.service.limits import LIMITED, Refused
from app.service.models import NotFound, Store, valid_id
from app.service.uploads import accept, cross_site, read_upload, refused

router = APIRouter(prefix="/api/v1", tags=["models"])

_UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "The model: PyTorch safetensors (a state_dict), ONNX (weights inside "
                            "the file), Keras .keras or .weights.h5. The format is told from the bytes. Pickles "
                            "(.pt, .pth, .pkl) are refused with the way to convert them.",
                        },
                        "nonlinearity": {
                            "type": "string",
                            "enum": list(NONLINEARITIES),
                            "description": "A vanilla RNN's activation, for formats that do not record it "
                            "(safetensors, a bare Keras weights file); default tanh.",
                        },
                    },
                }
            }
        },
    }
}

_UPLOAD_ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {"model": ModelInfo, "description": "The same model (the same numbers) was already stored."},
    403: {"model": ErrorBody, "description": "Sent by a page of another site: uploads are same-origin only."},
    413: {"model": ErrorBody, "description": "The file is larger than the upload limit (`field` file)."},
    422: {
        "model": ModelErrorBody,
        "description": "The file is missing, or the reader refused it (`type` model: `key` names the part of the "
        "file at fault, `found` what it holds, `expected` what would be read), or nonlinearity is not "
        "tanh or relu.",
    },
    503: {
        **LIMITED[503],
        "description": "Every heavy slot is busy (`type` busy; Retry-After says when one frees), reading the file "
        "took longer than the server's limit (`type` timeout), or the store could not be written (`type` storage).",
    },
}


@router.post(
    "/models",
    status_code=201,
    response_model=ModelInfo,
    responses=_UPLOAD_ANSWERS,
    openapi_extra=_UPLOAD_BODY,
    summary="Upload a trained RNN, LSTM or GRU",
)
async def upload(request: Request) -> Response:
    """Reads the file's recurrent layers into the explorer's canonical form and stores them under their content
    id (201; 200 if they were already stored). The answer describes each layer and direction: sizes, spectral
    radius and largest singular value of each gate's recurrent matrix, mean biases, the LSTM's forget and the
    GRU's carry at their biases."""
    if cross_site(request):
        return refused(403, None, "Uploads are accepted from this site's own pages only.", "cross_site").response
    guard = request.app.state.guard
    store: Store = request.app.state.models
    try:
        up = await read_upload(request, guard.settings.model_upload_max_bytes)
        created, info = await run_in_threadpool(accept, guard, store, up)
    except Refused as e:
        return e.response
    return Response(info.model_dump_json().encode(), status_code=201 if created else 200, media_type="application/json")


@router.get(
    "/models/{id}",
    response_model=ModelInfo,
    responses={404: {"model": ErrorBody, "description": "No model with this id on this server."}},
    summary="An uploaded model",
)
def model(request: Request, id: str) -> Response:
    """What the server holds under a content id, as the upload answered it."""
    if not valid_id(id):
        message = f"id must be a model's content id, 64 characters 0-9 a-f (got {quoted(id)})"
        return JSONResponse(
            {"detail": [{"field": "id", "message": message, "type": "string_pattern_mismatch", "allowed": ID_PATTERN}]},
            status_code=422,
        )
    store: Store = request.app.state.models
    try:
        info = store.info(id)
    except NotFound:
        message = (
            f"id: model {id} is not on this server: it was never uploaded here, or it was removed to make room for "
            "newer uploads. Upload the file again (POST /api/v1/models); the same file gets the same id."
        )
        return JSONResponse({"detail": [{"field": "id", "message": message, "type": "not_found"}]}, status_code=404)
    return Response(info.model_dump_json().encode(), media_type="application/json")
