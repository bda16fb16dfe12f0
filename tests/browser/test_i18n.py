"""The Chinese interface in a real Chromium: every view's figures drawn with Chinese titles (the training lab's
after a short run), `lang` kept in the URL as the state changes, errors and the server's budget messages in
Chinese, and the language links."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

CJK = re.compile(r"[\u4e00-\u9fff]")
WORD = re.compile(r"[A-Za-z]{5,}")  # an English word; model names (RNN, LSTM, GRU) are shorter

# Each view with lang=zh, a state that shows all its panels, whether it has side panels (drawn from answers
# of their own), and how its first figure's title begins.
VIEWS = [
    ("/?model=compare&steps=40&lang=zh", "model=compare", True, "从第 T 步传回第 k 步的梯度"),
    ("/scalar?lang=zh", "activation=sigmoid", False, "每个因子及其乘积"),
    ("/feedforward?lang=zh", "layers=20&", False, "各层的梯度范数"),
    ("/cliff?lang=zh", "w_center=0&", True, "误差 E 随 (w, b) 的变化，T = "),
]

# Title and axis titles of every drawn plot: (id, [texts]).
FIGURE_TEXTS = """() => [...document.querySelectorAll('.plot')].filter((el) => el.offsetParent !== null).map((el) => [
  el.id, [el.layout.title.text, el.layout.xaxis.title.text, el.layout.yaxis.title.text,
          ...(el.layout.annotations || []).map((a) => a.text)].filter(Boolean)])"""


def _wait_rendered(page: Page, query_part: str) -> None:
    page.wait_for_function("(q) => (document.body.dataset.rendered || '').includes(q)", arg=query_part, timeout=30000)


def _wait_side(page: Page, query_part: str) -> None:
    page.wait_for_function("(q) => (document.body.dataset.side || '').includes(q)", arg=query_part, timeout=30000)


@pytest.mark.parametrize(("url", "tag", "side", "title"), VIEWS, ids=["recurrent", "scalar", "feedforward", "cliff"])
def test_view_draws_every_figure_in_chinese(
    page: Page, live_server: str, console: list[str], url: str, tag: str, side: bool, title: str
) -> None:
    page.goto(f"{live_server}{url}")
    _wait_rendered(page, tag)
    if side:
        _wait_side(page, tag)  # near/far, spectrum and the chaos strip; the cliff's descents
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    assert page.locator(".katex").count() > 3  # the formulas inside Chinese paragraphs still typeset
    figures = page.evaluate(FIGURE_TEXTS)
    assert len(figures) >= 3
    for div, texts in figures:
        assert page.locator(f"#{div} .main-svg").count() > 0, div
        assert any(CJK.search(t) for t in texts), (div, texts)
        assert not [t for t in texts if WORD.search(t)], (div, texts)
    assert figures[0][1][0].startswith(title)
    expect(page.locator("#summary")).to_contain_text(re.compile(r"[\u4e00-\u9fff]"))
    assert not WORD.search(page.locator("#summary").inner_text().replace("sigmoid", ""))
    legends = page.evaluate(
        "[...document.querySelectorAll('.plot')].flatMap((el) => (el.data || []).map((t) => t.name || ''))"
    )
    assert [n for n in legends if WORD.search(n) and "Pascanu" not in n] == []


def test_recurrent_notes_and_budget_messages_in_chinese(page: Page, live_server: str, console: list[str]) -> None:
    # Over every budget: the heatmap is an estimate, the near/far split and the spectrum are not computed.
    page.goto(f"{live_server}/?model=rnn&hidden=128&steps=300&lang=zh")
    _wait_rendered(page, "steps=300&")
    _wait_side(page, "steps=300&")
    expect(page.locator("#pairs-note")).to_contain_text("RNN：估计值（精确的热力图需要")
    expect(page.locator("#pairs-note")).to_contain_text("请把序列长度降到")
    expect(page.locator("#nearfar-note")).to_contain_text("远近拆分需要")
    expect(page.locator("#spectrum-note")).to_contain_text("奇异值谱需要")
    for note in ("#pairs-note", "#nearfar-note", "#spectrum-note", "#activation-note", "#chaos-note"):
        text = page.locator(note).inner_text()
        assert CJK.search(text) and not WORD.search(text), (note, text)
    title = page.evaluate("document.getElementById('plot-pairs-rnn').layout.title.text")
    assert title.endswith("（估计值）")


def test_slider_keeps_lang_and_a_bad_value_is_explained_in_chinese(
    page: Page, live_server: str, console: list[str]
) -> None:
    page.goto(f"{live_server}/?model=rnn&steps=30&lang=zh")
    _wait_rendered(page, "steps=30&")
    page.locator("#in-scale").focus()
    for _ in range(10):
        page.keyboard.press("ArrowRight")
    _wait_rendered(page, "scale=1.1&")
    assert "scale=1.1" in page.url and page.url.endswith("&lang=zh")
    page.fill("#num-hidden", "999")
    page.press("#num-hidden", "Enter")
    expect(page.locator("#err-hidden")).to_have_text("hidden 必须是 1..256 之间的整数（收到的是“999”）")
    expect(page.locator("#status")).to_have_text("当前显示的是上一次有效的结果；请修正标红的数值。")
    assert "hidden=999" not in page.url and "lang=zh" in page.url  # only valid state reaches the link
    page.goto(f"{live_server}/?model=lstm&coupled=maybe&lang=zh")  # a bad link: the default, with a note
    expect(page.locator("#url-note")).to_have_text(
        "链接里有本视图无法显示的值，已改用默认值。 coupled 必须是以下之一：true, false（收到的是“maybe”）"
    )


def test_language_links_switch_and_keep_the_state(page: Page, live_server: str, console: list[str]) -> None:
    page.goto(f"{live_server}/feedforward?layers=12&lang=zh")
    _wait_rendered(page, "layers=12&")
    page.fill("#num-width", "40")
    page.press("#num-width", "Enter")
    _wait_rendered(page, "width=40&")
    page.click("nav .langs >> text=English")
    _wait_rendered(page, "width=40&")
    assert "layers=12" in page.url and "width=40" in page.url and "lang=en" in page.url
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator('nav a[aria-current="page"]')).to_have_text("Deep feed-forward")
    assert page.evaluate("document.getElementById('plot-grads').layout.title.text") == "Gradient norm per layer"
    page.click("nav .langs >> text=中文")
    _wait_rendered(page, "width=40&")
    assert "layers=12" in page.url and "width=40" in page.url and "lang=zh" in page.url
    expect(page.locator('nav a[aria-current="page"]')).to_have_text("深层前馈网络")
    # The views' links keep the language too.
    page.click("nav >> text=标量 RNN")
    _wait_rendered(page, "activation=sigmoid")
    assert "/scalar?" in page.url and "lang=zh" in page.url
    expect(page.locator("#summary")).to_contain_text("γ|w| < 1：每个因子都小于 1，乘积消失。")


def test_training_lab_runs_and_reports_in_chinese(page: Page, live_server: str, console: list[str]) -> None:
    page.goto(f"{live_server}/train?model=gru&task=recall&lag=6&hidden=8&batch=8&iterations=60&seed=3&lang=zh")
    expect(page.locator("#start")).to_have_text("开始")
    expect(page.locator("#task-text")).to_contain_text("的回忆任务：第 1 步给出 4 个符号之一，接下来 6 步只有噪声")
    page.fill("#num-lag", "7")
    page.press("#num-lag", "Enter")
    assert "lag=7" in page.url and page.url.endswith("&lang=zh")
    page.click("#start")
    page.wait_for_function("() => document.body.dataset.run === 'done'", timeout=60000)
    expect(page.locator("#progress-text")).to_contain_text("第 60 / 60 次更新")
    figures = page.evaluate(FIGURE_TEXTS)
    assert [div for div, _ in figures] == ["plot-loss", "plot-grad", "plot-heat", "plot-far"]
    for div, texts in figures:
        assert CJK.search(texts[0]) and CJK.search(texts[1]), (div, texts)
        assert not [t for t in texts if WORD.search(t)], (div, texts)
    legends = page.evaluate("[...document.querySelectorAll('.plot')].flatMap((el) => el.data.map((t) => t.name || ''))")
    assert "交叉熵，每个小批量" in legends and not [n for n in legends if WORD.search(n)]
    expect(page.locator("#summary")).to_contain_text("留出集准确率")
    assert not WORD.search(page.locator("#summary").inner_text())


def _faces(page: Page, selector: str) -> set[str]:
    """The font faces Chromium really drew the element's text with (DevTools' platform fonts)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    return {f["familyName"] for f in fonts}


def test_chinese_pages_name_a_cjk_font_stack_and_draw_with_it(page: Page, live_server: str) -> None:
    page.goto(f"{live_server}/?lang=zh")
    family = page.evaluate("getComputedStyle(document.body).fontFamily")
    for face in ("PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC"):
        assert face in family
    assert any("CJK" in f for f in _faces(page, "header h1"))  # a real CJK face, not fallback boxes
    page.goto(f"{live_server}/")
    assert "Noto Sans CJK SC" not in page.evaluate("getComputedStyle(document.body).fontFamily")
