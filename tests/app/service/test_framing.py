"""Who may frame /embed: the sites of frame_ancestors by default; with embed_any_parent any page, also one opened
from disk or a data: URL, whose origins no CSP source names; every other page by nobody in either case."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.service.settings import Settings


def _directives(csp: str) -> dict[str, str]:
    return {d.split(" ", 1)[0]: d.split(" ", 1)[1] for d in csp.split("; ")}


@pytest.fixture(scope="module")
def anywhere() -> TestClient:
    return TestClient(create_app(Settings(embed_any_parent=True)))


def test_by_default_embed_names_its_framers(client: TestClient) -> None:
    h = client.get("/embed?view=scalar").headers
    assert _directives(h["content-security-policy"])["frame-ancestors"] == "*"
    assert "x-frame-options" not in h


def test_any_parent_sends_embed_without_frame_ancestors(anywhere: TestClient) -> None:
    for path in ("/embed?view=scalar", "/embed?view=nope"):  # the refusal page in the iframe too
        h = anywhere.get(path, headers={"Accept": "text/html"}).headers
        csp = _directives(h["content-security-policy"])
        assert "frame-ancestors" not in csp and csp["script-src"] == "'self'", path
        assert "x-frame-options" not in h, path


@pytest.mark.parametrize("path", ["/", "/scalar", "/stories", "/oembed?url=/scalar"])
def test_any_parent_leaves_every_other_page_unframeable(anywhere: TestClient, path: str) -> None:
    h = anywhere.get(path).headers
    assert _directives(h["content-security-policy"])["frame-ancestors"] == "'none'", path
    assert h["x-frame-options"] == "DENY", path


def test_any_parent_with_a_list_of_sites_is_refused_naming_both() -> None:
    with pytest.raises(ValueError, match=r"embed_any_parent.*BPTT_FRAME_ANCESTORS"):
        Settings(embed_any_parent=True, frame_ancestors="https://course.example.org")


def test_the_environment_turns_it_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BPTT_EMBED_ANY_PARENT", "true")
    assert Settings().embed_any_parent is True
