"""The vendored plotly.js the pages load: the cartesian bundle of the Python package's plotly.js release."""

from __future__ import annotations

from fastapi.testclient import TestClient

from app.service.assets import PLOTLY_CARTESIAN, STATIC_DIR, plotly_js_version


def test_the_bundle_is_the_release_notebooks_draw_with() -> None:
    head = (STATIC_DIR / PLOTLY_CARTESIAN).read_text(encoding="utf-8")[:300]
    assert f"plotly.js (cartesian - minified) v{plotly_js_version()}" in head


def test_every_view_loads_it_from_the_app(client: TestClient) -> None:
    for path in ("/", "/scalar", "/feedforward", "/cliff", "/train", "/stories", "/embed?view=recurrent"):
        assert f'src="/static/{PLOTLY_CARTESIAN}"' in client.get(path).text, path
    r = client.get(f"/static/{PLOTLY_CARTESIAN}")
    assert r.status_code == 200 and r.headers["content-type"].startswith(("text/javascript", "application/javascript"))
