"""The stories: one per claim C1-C16, each a valid preset of its view, told in English and Chinese."""

import json
import re
from urllib.parse import parse_qsl, urlsplit

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape

from app.pages.stories import BY_ID, STORIES
from app.pages.story_texts import TEXTS

CJK = re.compile(r"[\u4e00-\u9fff]")


def test_every_claim_has_one_story_with_words_in_both_languages() -> None:
    assert [s.id for s in STORIES] == [f"c{i}" for i in range(1, 17)]
    assert set(TEXTS) == set(BY_ID)
    for s in STORIES:
        for lang in ("en", "zh"):
            sentences = re.split(r"(?<=[.!?])\s+(?=[A-Z])|(?<=[。！？])", s.text(lang).strip())
            assert 2 <= len([x for x in sentences if x]) <= 4, (s.id, lang)
        assert CJK.search(s.title("zh")) and CJK.search(s.text("zh"))
        assert not CJK.search(s.title("en") + s.text("en"))
        assert s.formula.strip()


def _href(html: str, story: str) -> str:
    """The story's link in the list (not the one that starts a presentation)."""
    found = [m for m in re.findall(rf'href="([^"]*story={story}(?:&amp;[^"]*)?)"', html) if "present=" not in m]
    assert found, story
    return found[0].replace("&amp;", "&")


@pytest.mark.parametrize("story", [s.id for s in STORIES])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_story_opens_its_view_with_the_banner_and_a_valid_preset(client: TestClient, story: str, lang: str) -> None:
    s = BY_ID[story]
    url = _href(client.get(f"/stories?lang={lang}").text, story)
    page = client.get(url)
    assert page.status_code == 200
    assert 'class="story"' in page.text and str(escape(s.title(lang))) in page.text
    assert f'<html lang="{"zh-Hans" if lang == "zh" else "en"}">' in page.text
    query = dict(parse_qsl(urlsplit(url).query))
    assert query.pop("story") == story and query.pop("lang", "en") == lang
    assert query == s.query
    # Every preset value is a field of the view, inside its slider range (choices are checked in the browser).
    config = json.loads(re.search(r'id="page-config">(.*?)</script>', page.text, re.S).group(1))  # type: ignore[union-attr]
    for key, value in query.items():
        assert key in config["defaults"], (story, key)
        if key in config["limits"]:
            assert config["limits"][key]["lo"] <= float(value) <= config["limits"][key]["hi"], (story, key)


def test_neighbours_chain_every_story_in_order(client: TestClient) -> None:
    seen = []
    url: str | None = _href(client.get("/stories").text, "c1")
    while url:
        seen.append(dict(parse_qsl(urlsplit(url).query))["story"])
        nxt = re.search(r'<a href="([^"]+)" rel="next"', client.get(url).text)
        url = nxt.group(1).replace("&amp;", "&") if nxt else None
    assert seen == [s.id for s in STORIES]


def test_an_unknown_story_is_no_story(client: TestClient) -> None:
    html = client.get("/?story=c99").text
    assert 'class="story"' not in html
