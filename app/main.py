"""Assembles the app: routers, static files, the vendored plotly.js bundle, error handlers."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from threadpoolctl import threadpool_limits

from app.contract.errors import INVALID
from app.endpoints import api, cliff, feedforward, floor, models, nearfar, scalar, theory, training
from app.endpoints.figures_api import router as figures_router
from app.export.file import router as export_router
from app.pages import embed, oembed, pages
from app.service import health, logs
from app.service.assets import PLOTLY_DIR, STATIC_DIR, plotly_js_version
from app.service.cache import BodyCache
from app.service.etag import EncodingETag, ETagMiddleware
from app.service.head import HeadAsGet
from app.service.limits import Guard
from app.service.models import Store
from app.service.security import ReadOnlyCORS, SecurityHeaders
from app.service.settings import Settings, settings
from app.service.validation import validation_handler


def create_app(config: Settings | None = None) -> FastAPI:
    """A fresh application instance with its own limits and response cache (settings from the environment
    unless given), and the process's BLAS thread count."""
    s = config or settings()
    # Requests run side by side on worker threads; one BLAS thread each. With more, OpenBLAS threads spin
    # against each other and against other requests on a busy machine: a singular spectrum at n = 256 took
    # 51 s instead of 1.7 s with two threads on two loaded cores. BPTT_BLAS_THREADS overrides it.
    threadpool_limits(limits=s.blas_threads, user_api="blas")
    app = FastAPI(
        title="BPTT Explorer",
        version="0.1.0",
        description="Vanishing and exploding gradients in recurrent and deep feed-forward networks: Jacobian "
        "products dh_t/dh_k of backpropagation through time, and per-layer gradients, as log10 magnitudes.",
        responses=INVALID,
        lifespan=health.lifespan,
    )
    app.state.settings = s
    app.state.cache = BodyCache(s.cache_max_bytes, s.cache_max_entry_bytes)
    app.state.guard = Guard(s)
    app.state.models = Store(Path(s.model_dir).expanduser(), s.model_store_max_bytes)
    app.add_exception_handler(RequestValidationError, validation_handler)
    app.add_exception_handler(StarletteHTTPException, pages.not_found)  # a browser gets a page, not JSON
    # Middleware, innermost first (each one added wraps those before it).
    app.add_middleware(ETagMiddleware)  # inside gzip: it tags the uncompressed JSON
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    app.add_middleware(EncodingETag)  # the gzip body is another representation: another strong tag
    # Outside gzip and the ETag, so 304s and compressed answers get them too; it answers preflights itself.
    app.add_middleware(ReadOnlyCORS, origins=s.cors_origins)
    # HEAD as a GET without its body, outside everything that makes or tags the body, inside the log (which says HEAD).
    app.add_middleware(HeadAsGet)
    # Outside CORS to log preflights too; its 500 for an escaped exception still gets the policy headers below.
    logs.configure()
    app.add_middleware(logs.AccessLog, requests=s.access_log)
    app.add_middleware(  # outermost: every response
        SecurityHeaders, frame_ancestors=s.frame_ancestors, any_parent=s.embed_any_parent
    )
    app.include_router(health.router)
    app.include_router(api.router)
    app.include_router(scalar.router)
    app.include_router(nearfar.router)
    app.include_router(feedforward.router)
    app.include_router(theory.router)
    app.include_router(cliff.router)
    app.include_router(training.router)
    app.include_router(models.router)
    app.include_router(pages.router)
    app.include_router(embed.router)
    app.include_router(oembed.router)
    app.include_router(floor.router)
    app.include_router(export_router)
    app.include_router(figures_router)
    app.mount(f"/static/vendor/plotly-{plotly_js_version()}", StaticFiles(directory=PLOTLY_DIR), name="plotly")
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app


app = create_app()
