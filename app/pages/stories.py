"""One story per claim C1-C16 of the lesson: a preset URL into the right view, a few sentences and a formula,
in English and Chinese. `story=cN` in a view's URL shows the story above the view, with links to the
neighbouring stories; `/stories` lists them all."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from starlette.requests import Request

from app.pages.story_present import PRESENTATIONS
from app.pages.story_texts import TEXTS, Words


def _words(story: str, lang: str) -> Words:
    return TEXTS[story]["zh" if lang == "zh" else "en"]


@dataclass(frozen=True)
class Story:
    """A claim made visible: where to look (route and query) and what to read (in TEXTS, by id)."""

    id: str  # "c1".."c16"
    route: str  # the view's route name
    query: dict[str, str]  # the preset: the view's state

    def title(self, lang: str) -> str:
        return _words(self.id, lang)["title"]

    def text(self, lang: str) -> str:
        return _words(self.id, lang)["text"]

    @property
    def formula(self) -> str:
        return TEXTS[self.id]["formula"]

    def url(self, request: Request, lang: str, present: bool = False) -> str:
        """The story's view set up to show it; `present`: in presenter mode (static/js/present.js)."""
        extra = {"story": self.id} | ({"lang": lang} if lang != "en" else {}) | ({"present": "1"} if present else {})
        return f"{request.url_for(self.route).path}?{urlencode(self.query | extra)}"


def _q(**kw: object) -> dict[str, str]:
    return {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in kw.items()}


# The cliff view's demonstration: a start 3e-4 below the wall, where ||grad E|| ~ 950 turns a step of
# lr = 1 into a leap of ~950.
_CLIFF = _q(w0=4.75, b0=-2.457, lr=1, threshold=1)

STORIES: tuple[Story, ...] = (
    Story(
        "c1", "scalar_page", _q(activation="linear", weight=0.99, steps=365, input_scale=0, h0=1, eps=0.01, horizon=365)
    ),
    Story("c2", "scalar_page", _q(activation="sigmoid", weight=3.9, bias=0, steps=100)),
    Story("c3", "index", _q(model="rnn", activation="tanh", scale=0.45, steps=100)),
    Story("c4", "index", _q(model="rnn", activation="tanh", scale=1, input_scale=6, steps=60)),
    Story("c5", "feedforward_page", _q(activation="sigmoid", init="xavier", layers=30)),
    Story("c6", "index", _q(model="rnn", activation="tanh", steps=100)),
    Story("c7", "cliff_page", _CLIFF),
    Story("c8", "cliff_page", _CLIFF | _q(threshold=0.3)),
    Story("c9", "cliff_page", _q(w_center=5, w_range=1, b_center=-2.6, b_range=0.6) | _CLIFF),
    Story("c10", "index", _q(model="lstm", forget_bias=3, steps=100)),
    Story("c11", "train_page", _q(model="lstm", task="recall", lag=50, forget_bias=3)),
    Story("c12", "index", _q(model="compare", peephole=True, steps=100)),
    Story("c13", "feedforward_page", _q(activation="relu", init="he", layers=50)),
    Story("c14", "feedforward_page", _q(activation="relu", init="normal", layers=20)),
    Story("c15", "train_page", _q(model="lstm", task="adding", lag=20, optimizer="adam")),
    Story("c16", "train_page", _q(model="rnn", task="adding", lag=20, reg_weight=2, clip="norm")),
)
BY_ID = {s.id: s for s in STORIES}


def context(request: Request, lang: str) -> dict[str, object]:
    """The story named by `story=` in the URL (if any), its neighbours, for the banner above a view, and what
    it shows in presenter mode (app/pages/story_present.py)."""
    story = BY_ID.get(request.query_params.get("story", ""))
    if story is None:
        return {"story": None}
    i = STORIES.index(story)
    prev = STORIES[i - 1] if i > 0 else None
    after = STORIES[i + 1] if i + 1 < len(STORIES) else None
    return {
        "story": story,
        "story_number": i + 1,
        "story_count": len(STORIES),
        "story_prev": prev.url(request, lang) if prev else None,
        "story_next": after.url(request, lang) if after else None,
        "story_present": PRESENTATIONS[story.id].data(lang),
    }
