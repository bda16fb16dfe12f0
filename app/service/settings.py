"""Operating limits and policies, read from BPTT_* environment variables (pydantic-settings).

Every field is documented in docs/settings.md; a test checks that each one is.
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field, model_validator
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
    embed_any_parent: bool = Field(
        False,
        description="Let any page frame /embed, also pages opened from disk (file:), data: URLs and sandboxed "
        "iframes, whose origins no CSP source can name: /embed is then sent without frame-ancestors. Needs "
        "frame_ancestors left at *.",
    )
    cors_origins: str = Field(
        "*",
        description="Origins that may read the GET API and /oembed from their pages (CORS): * or a "
        "space-separated list such as 'https://course.example.org https://lms.example.edu'.",
    )
    access_log: bool = Field(
        True,
        description="One JSON line per request on stderr, with its request id (app/service/logs.py); uvicorn's own "
        "access log is then off under `bptt-explorer serve`.",
    )
    graceful_shutdown_s: int = Field(
        30,
        ge=0,
        le=600,
        description="Seconds a SIGTERM waits for requests in flight (and trainings told to stop) before they are "
        "cut, under `bptt-explorer serve`.",
    )
    # Bounded cost (docs/settings.md says how the defaults were chosen).
    max_request_seconds: float = Field(
        5.0, gt=0, description="Requests whose estimated compute time exceeds this are refused (422) up front."
    )
    request_timeout_seconds: float = Field(
        30.0, gt=0, description="A computation that has used this many CPU seconds stops and answers 503."
    )
    heavy_threshold_seconds: float = Field(
        0.5, ge=0, description="Requests estimated above this take one of max_heavy slots; lighter ones never wait."
    )
    max_heavy: int = Field(2, ge=1, le=64, description="Heavy computations at once (one per core).")
    queue_wait_seconds: float = Field(
        1.0, ge=0, description="How long a heavy request waits for a slot before answering 503 with Retry-After."
    )
    cache_max_bytes: int = Field(256 * 2**20, ge=0, description="Bytes of response bodies kept in memory.")
    cache_max_entry_bytes: int = Field(32 * 2**20, ge=0, description="Larger bodies are not kept.")
    train_max_runs: int = Field(2, ge=1, le=64, description="Training runs (/api/v1/train) at once.")
    train_budget_seconds: float = Field(60.0, gt=0, description="Seconds of training per run.")
    # Uploaded models (/api/v1/models).
    model_dir: str = Field(
        "~/.cache/bptt-explorer/models",
        description="Directory of the uploaded models' store (created on the first upload; ~ is the user's home). "
        "Several server processes may share it.",
    )
    model_store_max_bytes: int = Field(
        512 * 2**20, ge=0, description="Bytes of stored models; past it the least recently used are removed."
    )
    model_upload_max_bytes: int = Field(64 * 2**20, ge=1, description="Largest model file accepted.")
    model_max_numbers: int = Field(16_000_000, ge=1, description="Numbers in all of a model's arrays together.")
    model_max_hidden: int = Field(1024, ge=1, description="Hidden units of any layer of an uploaded model.")
    model_max_layers: int = Field(16, ge=1, description="Recurrent layers of an uploaded model.")
    model_max_steps: int = Field(1000, ge=1, description="Steps of an input sequence an uploaded file carries.")
    model_read_seconds: float = Field(
        60.0, gt=0, description="Wall-clock seconds reading one uploaded file may take before it is stopped (503)."
    )

    @model_validator(mode="after")
    def _one_framing_rule(self) -> Settings:
        if self.embed_any_parent and self.frame_ancestors.split() != ["*"]:
            raise ValueError(
                "embed_any_parent (BPTT_EMBED_ANY_PARENT) lets every page frame /embed, so frame_ancestors "
                f"(BPTT_FRAME_ANCESTORS) must stay * (got {self.frame_ancestors!r}); set one or the other"
            )
        return self


@lru_cache(maxsize=1)
def settings() -> Settings:
    """The process's settings, read once from the environment."""
    return Settings()
