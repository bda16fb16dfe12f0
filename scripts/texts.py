"""The interface's English texts and their Chinese: python -m scripts.texts [--missing | --stale].

Texts are what templates mark with {% trans %} / _("..."), what scripts pass to t("...") or mark with
N_("...") (a template of a server message, see reword() in static/js/i18n.js), and what the figures of
app/figures pass to tr(lang, "...") or mark with N_("...") (a text translated later, e.g. in a loop).
`--missing` prints a JSON object of texts app/locales/zh.json lacks (English as a placeholder value, to be
translated); `--stale` lists catalogue entries no template or script uses any more.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from jinja2 import Environment

from app.contract.language import catalog
from app.pages.i18n import install
from app.service.assets import STATIC_DIR, TEMPLATES_DIR

ROOT = Path(__file__).resolve().parent.parent

# t("...") or N_("...") with a double-quoted literal (escapes allowed) as its first argument.
_JS_TEXT = re.compile(r'\b(?:t|N_)\(\s*"((?:[^"\\]|\\.)*)"')


def template_texts() -> set[str]:
    env = Environment()
    install(env)
    texts: set[str] = set()
    for path in sorted(TEMPLATES_DIR.glob("*.html")):
        source = path.read_text(encoding="utf-8")
        for _, _, message in env.extract_translations(source):  # type: ignore[attr-defined]  # added by i18n
            texts.update(m for m in (message if isinstance(message, tuple) else (message,)) if m)
    return texts


def script_texts() -> set[str]:
    texts: set[str] = set()
    for path in sorted((STATIC_DIR / "js").glob("*.js")):
        code = "\n".join(
            line for line in path.read_text(encoding="utf-8").splitlines() if not line.lstrip().startswith("//")
        )
        for raw in _JS_TEXT.findall(code):
            texts.add(json.loads(f'"{raw}"'))
    return texts


# tr(lang, "...") or N_("...") in app/figures: the figures' titles, axis titles and legend names.
_PY_TEXT = re.compile(r'\b(?:tr\(\s*lang\s*,|N_\()\s*"((?:[^"\\]|\\.)*)"')


def figure_texts() -> set[str]:
    texts: set[str] = set()
    for path in sorted((ROOT / "app" / "figures").glob("*.py")):
        texts.update(json.loads(f'"{raw}"') for raw in _PY_TEXT.findall(path.read_text(encoding="utf-8")))
    return texts


def all_texts() -> set[str]:
    return template_texts() | script_texts() | figure_texts()


def main() -> None:
    texts, zh = all_texts(), catalog("zh")
    if "--stale" in sys.argv:
        print("\n".join(sorted(set(zh) - texts)))
    else:
        print(json.dumps({k: k for k in sorted(texts - set(zh))}, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
