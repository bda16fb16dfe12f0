"""/healthz answers while the process lives; /readyz only between start-up and shutdown, with its assets there."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.main import create_app
from app.service import health, trainings
from app.service.health import Readiness, not_ready_because


def test_liveness_and_readiness_through_the_lifespan() -> None:
    app = create_app()
    before = TestClient(app).get("/readyz")  # no lifespan has run
    assert before.status_code == 503
    assert before.json() == {"status": "not ready", "reason": "the application has not finished starting"}
    with TestClient(app) as c:
        live, ready = c.get("/healthz"), c.get("/readyz")
        assert live.json() == {"status": "ok"} and ready.json() == {"status": "ready"}
        assert live.headers["cache-control"] == ready.headers["cache-control"] == "no-store"
    after = TestClient(app).get("/readyz")
    assert after.status_code == 503 and after.json()["reason"] == "the server is shutting down"
    assert after.headers["cache-control"] == "no-store"
    assert TestClient(app).get("/healthz").status_code == 200  # alive until the process ends


def test_missing_vendored_assets_make_it_not_ready(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    gone = tmp_path / "plotly.min.js"
    assert not_ready_because(Readiness(started=True), (gone,)) == [f"vendored assets are missing: {gone}"]
    monkeypatch.setattr(health, "ASSETS", (*health.ASSETS, gone))
    with TestClient(create_app()) as c:
        r = c.get("/readyz")
    assert r.status_code == 503 and str(gone) in r.json()["reason"]


def test_the_shipped_assets_are_all_there() -> None:
    assert health.missing_assets() == []


def test_probes_are_not_in_the_api_schema(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert "/healthz" not in paths and "/readyz" not in paths


def test_a_shutdown_signal_turns_readiness_off_and_tells_trainings() -> None:
    """A real SIGTERM to this process inside the lifespan: readiness goes, trainings are told, and the handler
    that was there before (uvicorn's, in a server) still runs."""
    before: list[int] = []

    def mine(sig: int, frame: object) -> None:
        before.append(sig)

    previous = signal.signal(signal.SIGTERM, mine)

    async def scenario() -> Readiness:
        app = FastAPI()
        async with health.lifespan(app):
            state = health.readiness(app)
            assert not_ready_because(state) == [] and not trainings.draining.is_set()
            os.kill(os.getpid(), signal.SIGTERM)
            while not state.stopping:
                await asyncio.sleep(0)
            assert trainings.draining.is_set()
        return state

    try:
        state = asyncio.run(scenario())
        assert before == [signal.SIGTERM]
        assert not_ready_because(state) == ["the server is shutting down"]
        assert signal.getsignal(signal.SIGTERM) is mine  # the lifespan put the handler before it back
    finally:
        signal.signal(signal.SIGTERM, previous)
        trainings.draining.clear()
