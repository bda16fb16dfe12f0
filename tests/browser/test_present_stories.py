"""Every story in presenter mode on a 1920x1080 projector, in English and Chinese: the panel its words point at is
on screen and drawn, its key number stands in large type, each presented control changes what is drawn (← → the
first, ↑ ↓ the second), Shift + arrow moves a tenth of the range, and its presets 1 and 2 show the claim's
contrast in the key number. One page walks through all the stories."""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Page, expect

from app.main import app
from app.pages.stories import STORIES, Story
from app.pages.story_present import PRESENTATIONS

pytestmark = pytest.mark.browser

W, H = 1920, 1080

# The panel each story's words point at (read from app/pages/story_texts.py): "the saturation panel", "the cell-path
# plot", "each term's share", ... It must be among those presented, and on screen.
NAMED = {
    "c1": "plot-factors", "c2": "plot-factors", "c3": "plot-decay", "c4": "plot-activation", "c5": "plot-grads",
    "c6": "plot-nearfar", "c7": "plot-loss", "c8": "plot-steps", "c9": "plot-loss", "c10": "plot-cell",
    "c11": "plot-loss", "c12": "plot-pairs", "c13": "plot-grads", "c14": "plot-dead", "c15": "plot-loss",
    "c16": "plot-far",
}  # fmt: skip

# A presented plot (or a row of plots): inside the viewport, large, and drawn with data.
ON_SCREEN = """(id) => {
  const el = document.getElementById(id);
  const plots = el.classList.contains('plot') ? [el] : [...el.querySelectorAll('.plot')];
  return plots.map((p) => {
    const r = p.getBoundingClientRect();
    const drawn = !!p.querySelector('.main-svg') && (p.data || []).some((t) => ['x', 'y', 'z'].some((k) => t[k] && t[k].length > 0));
    return { id: p.id, left: r.left, top: r.top, right: r.right, bottom: r.bottom, width: r.width, height: r.height,
             visible: p.checkVisibility(), drawn };
  });
}"""

# What the presented plots show now: each one's state tag and its drawn data (the first trace's numbers).
DRAWN = """(ids) => ids.flatMap((id) => { const el = document.getElementById(id);
  return el.classList.contains('plot') ? [el] : [...el.querySelectorAll('.plot')]; })
  .map((p) => (p.dataset.state || '') + '|' + JSON.stringify((p.data || []).map((t) => [t.y, t.z].map((v) => v && Array.from(v).slice(0, 40)))))"""

NUMBER = re.compile(r"[−-]?\d[\d.,]*(?:e[−-]?\d+)?")


def numbers(text: str) -> list[float]:
    """The numbers of a key line, after its label ("γ|w|: 0.975" -> [0.975]); "2.6e-2" and "−3" read as floats."""
    value = re.split(r"[:：]", text)[-1]
    return [float(n.replace("−", "-").replace(",", "")) for n in NUMBER.findall(value)]


def url(live_server: str, story: Story, lang: str) -> str:
    query = story.query | {"story": story.id, "present": "1"} | ({"lang": lang} if lang != "en" else {})
    return f"{live_server}{app.url_path_for(story.route)}?{urlencode(query)}"


def trained(page: Page, updates: int = 2) -> None:
    """The training lab: a run streams and its loss plot holds at least `updates` points."""
    page.wait_for_function(
        "(n) => (document.getElementById('plot-loss').data || []).some((t) => t.y && t.y.length >= n)",
        arg=updates,
        timeout=60000,
    )


def settled(page: Page, story: Story) -> None:
    if story.route == "train_page":
        trained(page)
    else:
        page.wait_for_selector("body[data-rendered]", state="attached", timeout=60000)
        if page.locator("#plot-nearfar").is_visible() or page.locator("#plot-steps").is_visible():
            page.wait_for_selector("body[data-side]", state="attached", timeout=60000)


def open_story(page: Page, live_server: str, story: Story, lang: str) -> None:
    page.goto(url(live_server, story, lang))
    expect(page.locator("body")).to_have_class("present")
    if story.route == "train_page":
        page.keyboard.press("r")  # R starts a run through the page's Start button
    settled(page, story)


def changed_by(page: Page, story: Story, key: str, ids: list[str]) -> None:
    """`key` moves a presented control and the presented plots then show something else."""
    before = page.evaluate(DRAWN, ids)
    query = page.url
    page.keyboard.press(key)
    page.wait_for_function("(q) => window.location.href !== q", arg=query, timeout=10000)
    if story.route == "train_page":  # a setting waits for the next run: R starts it
        page.keyboard.press("r")
    page.wait_for_function(
        f"(b) => JSON.stringify(({DRAWN})({ids!r})) !== JSON.stringify(b)", arg=before, timeout=60000
    )
    assert "present=1" in page.url


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_story_presents_its_claim(page: Page, live_server: str, console: list[str], lang: str) -> None:
    page.set_viewport_size({"width": W, "height": H})
    for story in STORIES:
        shown = PRESENTATIONS[story.id]
        assert NAMED[story.id] in shown.panels, story.id
        open_story(page, live_server, story, lang)
        for plot in shown.panels:
            boxes = page.evaluate(ON_SCREEN, plot)
            assert boxes, (story.id, plot)
            for b in boxes:
                assert b["visible"] and b["drawn"], (story.id, b)
                assert b["left"] >= 0 and b["top"] >= 0 and b["right"] <= W and b["bottom"] <= H, (story.id, b)
                assert b["width"] >= (150 if plot == "plot-pairs" else 600) and b["height"] >= 450, (story.id, b)
        # The story's key number, large.
        key = page.locator("#present-key")
        expect(key).to_be_visible()
        expect(key).not_to_have_text("")
        assert (
            page.evaluate("() => parseFloat(getComputedStyle(document.getElementById('present-key')).fontSize)") >= 32
        )
        box = key.bounding_box()
        assert box is not None and box["y"] + box["height"] <= H and box["x"] + box["width"] <= W, story.id
        # The presented controls, in the order the keys move them, and each changes what is drawn.
        first, second = shown.controls
        for name in (first, second):
            expect(page.locator(f"#in-{name}")).to_be_visible()
        x1 = page.locator(f"#in-{first}").bounding_box()
        x2 = page.locator(f"#in-{second}").bounding_box()
        assert x1 is not None and x2 is not None and x1["x"] < x2["x"], story.id  # the first on the left
        changed_by(page, story, "ArrowRight", list(shown.panels))
        settled(page, story)
        changed_by(page, story, "ArrowUp", list(shown.panels))
        if story.route == "train_page":
            page.click("#stop")


def key_after(page: Page, story: Story, preset: str, updates: int) -> list[str]:
    """The key's lines once preset `preset` (the key 1 or 2) is drawn (in the training lab, `updates` in)."""
    page.keyboard.press(preset)
    values = PRESENTATIONS[story.id].presets[int(preset) - 1].values
    expect(page.locator("#present-toast")).to_be_visible()
    for name, value in values.items():
        page.wait_for_function(
            "([n, v]) => new URLSearchParams(window.location.search).get(n) === v", arg=[name, value], timeout=30000
        )
    if story.route == "train_page":
        page.wait_for_function("() => document.body.dataset.run === 'running'", timeout=30000)
        page.wait_for_function("(n) => Number(document.body.dataset.updates) >= n", arg=updates, timeout=60000)
    else:  # drawn: the state named by data-rendered (and data-side, where the view has side panels) has them
        for name, value in values.items():
            page.wait_for_function(
                """(pair) => ['rendered', 'side'].every((k) => !(k in document.body.dataset)
                     || document.body.dataset[k].split('&').includes(pair))""",
                arg=f"{name}={value}",
                timeout=60000,
            )
    page.wait_for_timeout(300)  # the key follows the page's numbers
    return page.locator("#present-key p").all_inner_texts()


# The claim's contrast between the presets, read from the key's lines (before, after).
First = Callable[[list[str], list[str]], bool]


def _n(lines: list[str], i: int = 0, j: int = 0) -> float:
    return numbers(lines[i])[j]


CONTRAST: dict[str, First] = {
    "c1": lambda a, b: _n(a) < 0.03 and _n(b) > 30,  # 0.99^365 against 1.01^365
    "c2": lambda a, b: _n(a) < 1 < _n(b) and _n(a, 1) < 1e-50 and _n(b, 1) > 1e10,  # gamma|w|, |dh_T/dh_0|
    "c3": lambda a, b: _n(a) < 1 < _n(b),  # gamma ||W||_2
    "c4": lambda a, b: _n(a) > 30 and _n(b) < 1,  # % of pre-activations where phi' ~ 0
    "c5": lambda a, b: _n(b) < 1e-10 * _n(a),  # first / last layer's gradient
    "c6": lambda a, b: _n(a) < 1 and _n(b) > 10 * _n(a),  # far share, %
    "c7": lambda a, b: _n(a) > 100 and _n(b) < 10,  # longest plain step: at the wall, on the plain
    "c8": lambda a, b: _n(a, 1) <= 0.3 < 1 < _n(b, 1),  # longest norm-clipped step: lr v
    "c9": lambda a, b: _n(a) > 100 > _n(a, 1) and _n(b) < 10,
    "c10": lambda a, b: abs(_n(a) - 0.5) < 0.01 and _n(b) > 0.95,  # sigma(b_f)
    "c11": lambda a, b: _n(a) > 1.2 > 0.5 > _n(b),  # cross-entropy: chance (ln 4) against learned
    "c12": lambda a, b: _n(a) != _n(b),  # mean f with and without peepholes and coupling
    "c13": lambda a, b: _n(a) > 0.1 and _n(b) < 1e-30,  # ||dE/dW_1||
    "c14": lambda a, b: _n(a) > 10,  # % dead ReLUs (leaky ReLU: see its plot's legend)
    "c15": lambda a, b: _n(b) < 0.5 * _n(a),  # MSE: SGD against Adam after the same updates
    "c16": lambda a, b: _n(b) > 5 * _n(a) and _n(b) > 0.3,  # far share (mean over the run): lambda 0 against 2
}
UPDATES = {"c11": 300, "c15": 600, "c16": 600}


def test_presets_show_each_claims_contrast(page: Page, live_server: str, console: list[str]) -> None:
    page.set_viewport_size({"width": W, "height": H})
    for story in STORIES:
        open_story(page, live_server, story, "en")
        before = key_after(page, story, "1", UPDATES.get(story.id, 0))
        after = key_after(page, story, "2", UPDATES.get(story.id, 0))
        assert before and after, story.id
        assert CONTRAST[story.id](before, after), (story.id, before, after)
        if story.route == "train_page":
            page.click("#stop")


def test_shift_arrow_moves_a_tenth_of_the_range_and_up_down_the_second_control(
    page: Page, live_server: str, console: list[str]
) -> None:
    """C4: input scale 6 is 10 presses of the story's step from 1, or one Shift press of a tenth of the range."""
    page.set_viewport_size({"width": W, "height": H})
    story = next(s for s in STORIES if s.id == "c4")
    open_story(page, live_server, story, "en")
    limits = page.evaluate("() => JSON.parse(document.getElementById('page-config').textContent).limits")

    def moved(key: str, name: str, expected: float) -> None:
        page.keyboard.press(key)
        page.wait_for_function(
            "([n, v]) => (document.body.dataset.rendered || '').split('&').some((p) => p.split('=')[0] === n"
            " && Math.abs(Number(p.split('=')[1]) - v) < 1e-9)",
            arg=[name, expected],
            timeout=30000,
        )
        assert abs(float(page.input_value(f"#num-{name}")) - expected) < 1e-9

    tenth = (limits["input_scale"]["hi"] - limits["input_scale"]["lo"]) / 10
    moved("Shift+ArrowLeft", "input_scale", round(6 - tenth, 2))
    moved("ArrowLeft", "input_scale", round(6 - tenth - 0.5, 2))  # the story's step for a lecture hall
    moved("ArrowRight", "input_scale", round(6 - tenth, 2))
    tenth = (limits["scale"]["hi"] - limits["scale"]["lo"]) / 10
    moved("Shift+ArrowUp", "scale", round(1 + tenth, 2))  # the second control
    moved("ArrowDown", "scale", round(1 + tenth - 0.05, 2))
    assert "present=1" in page.url and "story=c4" in page.url


def test_a_checkbox_toggles_and_enter_on_start_runs(page: Page, live_server: str, console: list[str]) -> None:
    page.set_viewport_size({"width": W, "height": H})
    c12 = next(s for s in STORIES if s.id == "c12")
    open_story(page, live_server, c12, "en")
    for key, on in (("ArrowRight", False), ("ArrowLeft", True), ("ArrowUp", True), ("ArrowDown", False)):
        name = "peephole" if key in ("ArrowRight", "ArrowLeft") else "coupled"
        page.keyboard.press(key)
        page.wait_for_function(
            "(pair) => (document.body.dataset.rendered || '').split('&').includes(pair)",
            arg=f"{name}={str(on).lower()}",
            timeout=30000,
        )
        assert page.is_checked(f"#in-{name}") is on
    c15 = next(s for s in STORIES if s.id == "c15")
    page.goto(url(live_server, c15, "en"))
    page.focus("#start")
    page.keyboard.press("Enter")
    trained(page)
    page.click("#stop")


@pytest.mark.parametrize(
    ("lang", "texts"),
    [
        ("en", ["Shift + ← → ↑ ↓", "move by a tenth of the range", "the story's two presets", "start a training run"]),
        ("zh", ["Shift + ← → ↑ ↓", "按范围的十分之一移动", "本演示的两个预设：之前与之后", "开始一次训练"]),
    ],
)
def test_the_key_help_says_what_the_keys_do(
    page: Page, live_server: str, console: list[str], lang: str, texts: list[str]
) -> None:
    page.set_viewport_size({"width": W, "height": H})
    story = next(s for s in STORIES if s.id == "c16")
    page.goto(url(live_server, story, lang))
    expect(page.locator("body")).to_have_class("present")
    page.keyboard.press("?")
    dialog = page.locator("#present-help")
    expect(dialog).to_be_visible()
    for text in texts:
        expect(dialog).to_contain_text(text)
    page.keyboard.press("Escape")
