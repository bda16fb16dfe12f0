"""A page's story= or lang= that names nothing: a browser gets the page with a note naming the value (at most 40
characters of it) and the values that exist; a client that asks for JSON gets 404 naming the field."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
JSON = {"Accept": "application/json"}
PAGES = ["/", "/scalar", "/feedforward", "/cliff", "/train", "/stories", "/embed?view=scalar"]


def _with(path: str, query: str) -> str:
    return f"{path}{'&' if '?' in path else '?'}{query}"


@pytest.mark.parametrize("path", PAGES)
def test_an_unknown_story_is_a_404_page_that_says_so(client: TestClient, path: str) -> None:
    r = client.get(_with(path, "story=c99"), headers=HTML)
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html"), path
    assert "There is no story &#39;c99&#39;: the stories are c1 to c16." in r.text, path
    assert 'class="story"' not in r.text and 'id="texts"' in r.text, path  # the page itself, with no story


def test_the_note_quotes_at_most_40_characters(client: TestClient) -> None:
    r = client.get(_with("/", f"story={'s' * 300}&lang={'l' * 300}"), headers=HTML)
    note = re.search(r'<aside class="notice".*?</aside>', r.text, re.DOTALL)
    assert note is not None
    assert "s" * 40 + "…" in note.group() and "s" * 41 not in note.group()
    assert "l" * 40 + "…" in note.group() and "l" * 41 not in note.group()


def test_the_story_note_speaks_the_page_language(client: TestClient) -> None:
    r = client.get("/scalar?story=c0&lang=zh", headers=HTML)
    assert r.status_code == 404 and "没有演示 &#39;c0&#39;：演示编号为 c1 至 c16。" in r.text
    assert 'href="http://testserver/stories?lang=zh"' in r.text


@pytest.mark.parametrize("path", PAGES)
def test_an_unknown_language_is_the_english_page_with_a_note(client: TestClient, path: str) -> None:
    r = client.get(_with(path, "lang=xx"), headers=HTML)
    assert r.status_code == 200 and '<html lang="en">' in r.text, path
    assert "This page is not offered in the language &#39;xx&#39;, so it is shown in English" in r.text, path


@pytest.mark.parametrize("query", ["", "story=c3", "lang=zh", "lang=en", "lang=", "story="])
def test_known_or_empty_values_get_no_note(client: TestClient, query: str) -> None:
    r = client.get(_with("/", query), headers=HTML)
    assert r.status_code == 200 and 'class="notice"' not in r.text, query


def test_a_json_client_gets_404_naming_each_field(client: TestClient) -> None:
    r = client.get(f"/cliff?story=c99&lang={'x' * 100}", headers=JSON)
    assert r.status_code == 404 and r.headers["content-type"] == "application/json"
    detail = r.json()["detail"]
    assert [d["field"] for d in detail] == ["story", "lang"]
    assert detail[0]["message"] == "story must be one of c1..c16 (got 'c99')"
    assert detail[1]["message"] == f"lang must be one of en, zh (got '{'x' * 40}…')"


def test_an_address_with_no_page_gets_a_page_for_a_browser_and_json_otherwise(client: TestClient) -> None:
    html = {"Accept": "text/html,application/xhtml+xml"}
    r = client.get("/stories/c1?lang=zh", headers=html)
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "页面不存在" in r.text and "/stories/c1" in r.text and '/?lang=zh"' in r.text
    long = client.get("/" + "a" * 5000, headers=html)
    assert long.status_code == 404 and "/" + "a" * 39 + "…" in long.text and "a" * 40 not in long.text
    api = client.get("/api/v1/nope")
    assert api.status_code == 404 and api.json() == {"detail": "Not Found"}
    assert client.get("/api/v1/rnn?scale=99", headers=html).status_code == 422  # other answers keep their JSON
