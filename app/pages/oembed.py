"""GET /oembed: the oEmbed answer (type rich) for a link to any view, so LMSs and blogs that speak oEmbed embed a
pasted link as the view's /embed iframe. Pages name it in a discovery <link> (templates/base.html)."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import parse_qsl, urlencode, urlsplit

from fastapi import APIRouter, HTTPException, Query, Request
from markupsafe import escape
from pydantic import BaseModel

from app.contract.errors import ErrorBody
from app.contract.quoting import quoted

router = APIRouter(tags=["embedding"])
# A view's own path -> its /embed name.
VIEW_OF_PATH = {
    "/": "recurrent",
    "/scalar": "scalar",
    "/feedforward": "feedforward",
    "/cliff": "cliff",
    "/train": "train",
}
WIDTH, HEIGHT = 900, 700  # the iframe's size when the consumer sets no maximum
# The status codes oEmbed 1.0 gives these refusals, with the API's error body.
REFUSALS: dict[int | str, dict[str, object]] = {
    404: {"model": ErrorBody, "description": "The url is not a view of this site."},
    501: {"model": ErrorBody, "description": "The format is not offered (json only)."},
}


def refuse(status: int, field: str, message: str) -> HTTPException:
    """An oEmbed refusal that names the parameter at fault."""
    return HTTPException(status, [{"field": field, "message": message}])


class OEmbed(BaseModel):
    """oEmbed 1.0, type rich."""

    version: Literal["1.0"] = "1.0"
    type: Literal["rich"] = "rich"
    provider_name: str = "BPTT Explorer"
    provider_url: str
    title: str
    html: str
    width: int
    height: int


@router.get("/oembed", response_model=OEmbed, summary="oEmbed for a link to a view", responses=REFUSALS)
def oembed(
    request: Request,
    url: Annotated[str, Query(description="A link to a view of this site (/, /scalar, ... or /embed).")],
    maxwidth: Annotated[int | None, Query(ge=100, le=10000)] = None,
    maxheight: Annotated[int | None, Query(ge=100, le=10000)] = None,
    format: Annotated[str, Query(description="json (xml is not offered).")] = "json",
) -> OEmbed:
    """An iframe of the linked view's /embed page, at most maxwidth x maxheight."""
    if format != "json":
        raise refuse(501, "format", f"format must be json (got {quoted(format)})")
    try:
        parts = urlsplit(url)
    except ValueError as exc:  # e.g. an unclosed IPv6 bracket: "http://["
        raise refuse(404, "url", f"url must be a link to a view of this site (got {quoted(url)}: {exc})") from None
    if parts.netloc and parts.netloc != request.url.netloc:
        raise refuse(404, "url", f"url must be a page of {request.url.netloc} (got {quoted(parts.netloc)})")
    query = dict(parse_qsl(parts.query))
    if parts.path == "/embed":
        view = query.pop("view", "recurrent")
    elif parts.path in VIEW_OF_PATH:
        view = VIEW_OF_PATH[parts.path]
    else:
        raise refuse(
            404, "url", f"url must be one of the views {', '.join(VIEW_OF_PATH)} or /embed (got {quoted(parts.path)})"
        )
    src = f"{request.base_url}embed?{urlencode({'view': view, **query})}"
    width, height = min(WIDTH, maxwidth or WIDTH), min(HEIGHT, maxheight or HEIGHT)
    title = f"BPTT Explorer: {view}"
    html = (
        f'<iframe src="{escape(src)}" width="{width}" height="{height}" style="border:0;max-width:100%" '
        f'loading="lazy" title="{escape(title)}"></iframe>'
    )
    return OEmbed(provider_url=str(request.base_url), title=title, html=html, width=width, height=height)
