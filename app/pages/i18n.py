"""The interface in English and Chinese: `lang=zh` in any page's URL switches every text of the page.

English is the source: templates mark text with `{% trans %}...{% endtrans %}` or `_("...")`, scripts with
`t("...")` (static/js/i18n.js), and `app/locales/zh.json` (read by app/contract/language.py) maps each English text to its Chinese. A missing
entry falls back to English (a test keeps the catalogue complete). Catalogue texts are ours and may hold
HTML and KaTeX, never user input.
"""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, pass_context
from jinja2.runtime import Context
from starlette.requests import Request

from app.contract.language import HTML_LANG, LANGS, catalog, translate


def lang_of(request: Request) -> str:
    """The page language from `lang=`; anything else is English."""
    lang = request.query_params.get("lang", "en")
    return lang if lang in LANGS else "en"


@pass_context
def _gettext(ctx: Context, text: str) -> str:
    return translate(ctx.get("lang", "en"), text)


@pass_context
def _ngettext(ctx: Context, singular: str, plural: str, n: int) -> str:
    return translate(ctx.get("lang", "en"), singular if n == 1 else plural)


def install(env: Environment) -> None:
    """`{% trans %}` and `_()` in templates, in the language of the template variable `lang`."""
    env.add_extension("jinja2.ext.i18n")
    env.policies["ext.i18n.trimmed"] = True  # line breaks inside a block do not change its text
    env.install_gettext_callables(_gettext, _ngettext, newstyle=True)  # type: ignore[attr-defined]


def page_context(request: Request) -> dict[str, Any]:
    """What every page needs to speak its language: `lang`, the `<html lang>` and the scripts' texts."""
    lang = lang_of(request)
    return {
        "lang": lang,
        "html_lang": HTML_LANG[lang],
        "lang_query": "" if lang == "en" else f"&lang={lang}",  # appended to in-page links with a query
        "texts": catalog(lang),
    }
