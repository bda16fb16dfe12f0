"""What each story presents (app/pages/story_present.py) exists on its page: the panels' plots, the controls' inputs, and
preset values that are fields of the view inside their ranges (or among a choice's options). The page carries the
declaration, in its language."""

from __future__ import annotations

import html
import json
import re

import pytest
from fastapi.testclient import TestClient

from app.pages.stories import STORIES, Story
from app.pages.story_present import PRESENTATIONS


def _page(client: TestClient, story: Story, lang: str) -> str:
    path = client.app.url_path_for(story.route)  # type: ignore[attr-defined]
    response = client.get(path, params=story.query | {"story": story.id, "lang": lang})
    assert response.status_code == 200
    return response.text


def _options(page: str, name: str) -> list[str]:
    select = re.search(rf'<select id="in-{name}".*?</select>', page, re.S)
    assert select, name
    return re.findall(r'<option value="([^"]*)"', select.group(0))


@pytest.mark.parametrize("story", STORIES, ids=[s.id for s in STORIES])
def test_what_a_story_presents_is_on_its_page(client: TestClient, story: Story) -> None:
    shown = PRESENTATIONS[story.id]
    page = _page(client, story, "en")
    config = json.loads(re.search(r'id="page-config">(.*?)</script>', page, re.S).group(1))  # type: ignore[union-attr]
    for plot in shown.panels:
        assert f'id="{plot}"' in page, (story.id, plot)
    assert len(shown.controls) == 2
    for name in shown.controls:
        assert f'id="in-{name}"' in page, (story.id, name)
    for name in shown.steps:
        assert name in shown.controls, (story.id, name)
    assert len(shown.presets) == 2 and shown.presets[0].values != shown.presets[1].values
    for preset in shown.presets:
        assert preset.en and preset.zh
        for name, value in preset.values.items():
            assert name in config["defaults"], (story.id, name)
            if f'<select id="in-{name}"' in page:
                assert value in _options(page, name), (story.id, name, value)
            elif value in ("true", "false"):
                assert f'<input type="checkbox" id="in-{name}"' in page, (story.id, name)
            else:
                lo, hi = config["limits"][name]["lo"], config["limits"][name]["hi"]
                assert lo <= float(value) <= hi, (story.id, name, value)
    assert shown.run == (story.route == "train_page")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_page_carries_the_presentation_in_its_language(client: TestClient, lang: str) -> None:
    for story in STORIES:
        page = _page(client, story, lang)
        found = re.search(r'<script type="application/json" id="story-present">(.*?)</script>', page, re.S)
        assert found, story.id
        data = json.loads(html.unescape(found.group(1)))
        assert data == PRESENTATIONS[story.id].data(lang)
        names = [p["name"] for p in data["presets"]]
        assert names == [p.zh if lang == "zh" else p.en for p in PRESENTATIONS[story.id].presets]
