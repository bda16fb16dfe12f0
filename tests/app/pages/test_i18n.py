"""The Chinese interface: a complete catalogue that keeps every placeholder, formula and tag, and pages that
speak the language of their URL (`lang=zh`; English otherwise)."""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest
from fastapi.testclient import TestClient

from app.contract.language import LOCALES
from scripts.texts import all_texts, template_texts

ZH: dict[str, str] = json.loads((LOCALES / "zh.json").read_text(encoding="utf-8"))
TEMPLATE_TEXTS = template_texts()
CJK = re.compile(r"[\u4e00-\u9fff]")
JS_NAME = re.compile(r"\{(\w+)\}", re.ASCII)  # what t() fills in (static/js/i18n.js)
JINJA_NAME = re.compile(r"%\((\w+)\)s")
MATH = re.compile(r"\$\$.+?\$\$|\$.+?\$", re.DOTALL)
TAG = re.compile(r"</?([a-zA-Z][a-zA-Z0-9]*)")
NAV = re.compile(r'<nav class="views".*?</nav>', re.DOTALL)
NAV_LINK = re.compile(r'<a href="https?://[^/"]+(/[^"?]*)(\?[^"]*)?"[^>]*>([^<]+)</a>')  # a view: url_for is absolute


def test_every_text_has_a_chinese_entry_and_none_is_stale() -> None:
    texts = all_texts()
    assert sorted(texts - set(ZH)) == [], "run `python -m scripts.texts` for the missing texts"
    assert sorted(set(ZH) - texts) == [], "run `python -m scripts.texts --stale` for the unused entries"


def test_catalogue_is_sorted_and_every_entry_is_chinese() -> None:
    assert list(ZH) == sorted(ZH)
    has_words = [k for k in ZH if re.search(r"[A-Za-z]{2,}", JINJA_NAME.sub("", JS_NAME.sub("", k)))]
    # Names stay as they are ("3 of 60" becomes "3 / 60"); everything else with words in it reads in Chinese.
    assert sorted(k for k in has_words if not CJK.search(ZH[k])) == [
        "He N(0, 2/n)",
        "Xavier N(0, 1/n)",
        "leaky ReLU",
        "leaky ReLU (0.01)",
        "{count} of {total}",
    ]


@pytest.mark.parametrize("english", sorted(ZH))
def test_entry_keeps_placeholders_formulas_and_tags(english: str) -> None:
    chinese = ZH[english]
    assert Counter(JS_NAME.findall(chinese)) == Counter(JS_NAME.findall(english))
    assert Counter(JINJA_NAME.findall(chinese)) == Counter(JINJA_NAME.findall(english))
    if english in TEMPLATE_TEXTS:  # Jinja formats these with %: a lone percent sign would break the page
        assert "%" not in JINJA_NAME.sub("", chinese).replace("%%", "")
    assert english.count("$") % 2 == chinese.count("$") % 2 == 0
    assert sorted(MATH.findall(chinese)) == sorted(MATH.findall(english)), "KaTeX is kept as it is"
    assert Counter(TAG.findall(chinese)) == Counter(TAG.findall(english))


def _nav_links(html: str) -> list[tuple[str, str, str]]:
    """(path, query, label) of each view in the page's navigation."""
    nav = NAV.search(html)
    assert nav is not None
    return NAV_LINK.findall(nav.group(0))


def _views(client: TestClient) -> list[str]:
    """Every view the navigation offers."""
    return [path for path, _, _ in _nav_links(client.get("/").text)]


def test_navigation_offers_the_three_views_at_least(client: TestClient) -> None:
    assert {"/", "/scalar", "/feedforward"} <= set(_views(client))


def test_every_view_renders_in_chinese(client: TestClient) -> None:
    for path in _views(client):
        english = {label for _, _, label in _nav_links(client.get(path).text)}
        r = client.get(path, params={"lang": "zh"})
        assert r.status_code == 200, path
        html = r.text
        assert '<html lang="zh-Hans">' in html, path
        assert CJK.search(html), path
        links = _nav_links(html)
        assert not english & {label for _, _, label in links}, path
        assert all(query == "?lang=zh" for _, query, _ in links), path  # moving to another view keeps the language
        assert (
            '<a href="?lang=zh" data-lang="zh" hreflang="zh-Hans" lang="zh-Hans" aria-current="true">中文</a>' in html
        )
        texts = re.search(r'<script type="application/json" id="texts">(.*?)</script>', html, re.DOTALL)
        assert texts is not None and json.loads(texts.group(1)) == ZH, path


@pytest.mark.parametrize("query", [{}, {"lang": "en"}, {"lang": "fr"}, {"lang": ""}])
def test_english_is_the_default(client: TestClient, query: dict[str, str]) -> None:
    for path in _views(client):
        r = client.get(path, params=query)
        assert r.status_code == 200, path
        html = r.text
        assert '<html lang="en">' in html, path
        assert "Recurrent nets" in html and "循环神经网络" not in html, path
        # The language link names itself in Chinese; nothing else on the page is.
        assert CJK.findall(html.replace(">中文</a>", "")) == [], path
        assert re.search(r'id="texts">\{\}</script>', html), path


def test_the_controls_speak_the_page_language(client: TestClient) -> None:
    """The form macros are imported with the page's context, so their own words follow `lang` too."""
    html = client.get("/", params={"lang": "zh"}).text
    assert '<label for="in-seed">随机种子</label>' in html
    assert 'aria-label="权重尺度：数值"' in html
    assert '<option value="linear">线性</option>' in html
    assert "<title>BPTT 探索器</title>" in html
    html = client.get("/scalar", params={"lang": "zh"}).text
    assert "<title>标量 RNN · BPTT 探索器</title>" in html
    assert '<a id="json-link" href="http://testserver/api/v1/scalar">JSON</a>' in html
    html = client.get("/feedforward", params={"lang": "zh"}).text
    assert "?activation=relu&amp;init=he&amp;lang=zh" in html  # story links keep the language
    html = client.get("/", params={"lang": "en"}).text
    assert '<label for="in-seed">Seed</label>' in html and 'aria-label="Weight scale value"' in html
