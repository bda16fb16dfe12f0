"""The languages of the API's texts, the pages and the figures: English, the source, and Chinese from
app/locales/zh.json (English text -> its Chinese; a missing entry falls back to English)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

LOCALES = Path(__file__).resolve().parent.parent / "locales"
LANGS = ("en", "zh")
HTML_LANG = {"en": "en", "zh": "zh-Hans"}


@cache
def catalog(lang: str) -> dict[str, str]:
    """English text -> text in `lang` (empty for English)."""
    path = LOCALES / f"{lang}.json"
    if lang == "en" or not path.exists():
        return {}
    with open(path, encoding="utf-8") as fh:
        data: dict[str, str] = json.load(fh)
    return data


def translate(lang: str, text: str) -> str:
    """`text` in `lang` (English when the catalogue has no entry)."""
    return catalog(lang).get(text, text)
