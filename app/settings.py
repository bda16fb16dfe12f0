"""Operating limits and policies, read from BPTT_* environment variables (pydantic-settings).

Every field is documented in docs/settings.md; a test checks that each one is.
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """The service's settings. Defaults suit one machine with two cores."""

    model_config = SettingsConfigDict(env_prefix="BPTT_", frozen=True)

    blas_threads: int = Field(1, ge=1, le=64, description="BLAS threads per request.")
    frame_ancestors: str = Field(
        "*",
        description="Space-separated CSP source list of sites that may frame /embed (and the iframes /oembed "
        "hands out); every other page may not be framed.",
    )
    cors_origins: str = Field(
        "*",
        description="Origins that may read the GET API and /oembed from their pages (CORS): * or a "
        "space-separated list such as 'https://course.example.org https://lms.example.edu'.",
    )
    access_log: bool = Field(
        True,
        description="One JSON line per request on stderr, with its request id (app/logs.py); uvicorn's own "
        "access log is then off under `bptt-explorer serve`.",
    )
    graceful_shutdown_s: int = Field(
        30,
        ge=0,
        le=600,
        description="Seconds a SIGTERM waits for requests in flight (and trainings told to stop) before they are "
        "cut, under `bptt-explorer serve`.",
    )


@lru_cache(maxsize=1)
def settings() -> Settings:
    """The process's settings, read once from the environment."""
    return Settings()
