"""/embed: a view with minimal chrome for an iframe; its flags are checked and named when wrong."""

import pytest
from fastapi.testclient import TestClient


@pytest.mark.parametrize("view", ["recurrent", "scalar", "feedforward", "cliff", "train"])
def test_every_view_embeds(client: TestClient, view: str) -> None:
    r = client.get(f"/embed?view={view}&controls=none&text=0&lang=zh")
    assert r.status_code == 200
    assert '<body class="embed no-text" data-controls="none">' in r.text
    assert "js/embed.js" in r.text and 'id="page-config"' in r.text and '<html lang="zh-Hans">' in r.text


def test_the_views_own_pages_are_not_embedded(client: TestClient) -> None:
    html = client.get("/scalar").text
    assert "js/embed.js" not in html and 'class="embed' not in html


def test_defaults_show_every_control_and_the_text(client: TestClient) -> None:
    assert '<body class="embed" data-controls="all">' in client.get("/embed").text


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("view=nope", "view must be one of: recurrent, scalar"),
        ("controls=a;b", "controls must be"),
        ("text=2", "text must be"),
    ],
)
def test_bad_flags_are_named(client: TestClient, query: str, named: str) -> None:
    r = client.get(f"/embed?{query}")
    assert r.status_code == 404 and named in r.json()["detail"]


@pytest.mark.parametrize(("lang", "title"), [("en", "This view cannot be embedded"), ("zh", "此视图无法嵌入")])
def test_a_browser_gets_a_page_naming_the_views_and_at_most_40_characters_of_the_value(
    client: TestClient, lang: str, title: str
) -> None:
    r = client.get(f"/embed?view={'x' * 5000}&lang={lang}", headers={"Accept": "text/html,*/*;q=0.8"})
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert f"<h1>{title}</h1>" in r.text
    assert "x" * 40 + "…" in r.text and "x" * 41 not in r.text
    for view in ("recurrent", "scalar", "feedforward", "cliff", "train"):
        assert f'href="/embed?view={view}' in r.text
