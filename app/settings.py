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
    cors_origins: str = Field("*", description="Access-Control-Allow-Origin of the read-only GET API.")


@lru_cache(maxsize=1)
def settings() -> Settings:
    """The process's settings, read once from the environment."""
    return Settings()
