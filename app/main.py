"""Assembles the app: routers, static files, the vendored plotly.js bundle, error handlers."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.staticfiles import StaticFiles

from app import api, feedforward, floor, nearfar, pages, scalar
from app.assets import PLOTLY_DIR, STATIC_DIR, plotly_js_version
from app.errors import validation_handler


def create_app() -> FastAPI:
    """A fresh application instance."""
    app = FastAPI(
        title="BPTT Explorer",
        version="0.1.0",
        description="Vanishing and exploding gradients in recurrent and deep feed-forward networks: Jacobian "
        "products dh_t/dh_k of backpropagation through time, and per-layer gradients, as log10 magnitudes.",
    )
    app.add_exception_handler(RequestValidationError, validation_handler)
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    app.include_router(api.router)
    app.include_router(scalar.router)
    app.include_router(nearfar.router)
    app.include_router(feedforward.router)
    app.include_router(pages.router)
    app.include_router(floor.router)
    app.mount(f"/static/vendor/plotly-{plotly_js_version()}", StaticFiles(directory=PLOTLY_DIR), name="plotly")
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app


app = create_app()
