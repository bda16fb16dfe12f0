"""/healthz answers while the process lives; /readyz only between start-up and shutdown, with its assets there."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app import health
from app.health import Readiness, not_ready_because
from app.main import create_app


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
