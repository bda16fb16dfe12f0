"""The Share dialog in a real Chromium: opened by keyboard, its permalink and iframe snippet reproduce the
state, its links follow the state, the offline file is asked for, and it speaks Chinese with lang=zh."""

from __future__ import annotations

import re
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

pytestmark = pytest.mark.browser

STATE = "model=lstm&scale=1.5&steps=40&hidden=12&forget_bias=2"


def _open(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("body[data-rendered]", state="attached", timeout=30000)


def _errors(tab: Page) -> list[str]:
    """Console errors of a page opened outside the `console` fixture's context."""
    errors: list[str] = []
    tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: errors.append(str(e)))
    return errors


def _open_dialog_by_keyboard(page: Page) -> None:
    page.locator("#share-open").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#share")).to_be_visible()


def test_keyboard_opens_and_escape_closes_the_labelled_dialog(page: Page, live_server: str, console: list[str]) -> None:
    _open(page, f"{live_server}/?{STATE}")
    expect(page.locator("#share-open")).to_have_accessible_name("Share")
    _open_dialog_by_keyboard(page)
    expect(page.locator("#share")).to_have_accessible_name("Share this view")
    assert page.evaluate("document.activeElement.closest('dialog') !== null")  # focus moved into the dialog
    for _ in range(30):  # Tab cycles inside the modal dialog
        page.keyboard.press("Tab")
        assert page.evaluate(
            "document.activeElement.closest('dialog#share') !== null || document.activeElement === document.body"
        )
    page.keyboard.press("Escape")
    expect(page.locator("#share")).to_be_hidden()


def test_permalink_reproduces_the_state_in_a_new_page(page: Page, live_server: str, console: list[str]) -> None:
    _open(page, f"{live_server}/?{STATE}")
    tag = page.evaluate("document.body.dataset.rendered")
    _open_dialog_by_keyboard(page)
    link = page.locator("#share-url").input_value()
    assert link.startswith(f"{live_server}/?model=lstm&")
    assert set(STATE.split("&")) < set(link.split("?", 1)[1].split("&"))  # every setting written out
    assert "seed=0" in link and "norm=spectral" in link  # defaults too: the link keeps its meaning
    other = page.context.new_page()
    other.goto(link)
    other.wait_for_selector("body[data-rendered]", state="attached", timeout=30000)
    assert other.evaluate("document.body.dataset.rendered") == tag
    expect(other.locator('input[name="model"][value="lstm"]')).to_be_checked()
    expect(other.locator("#num-forget_bias")).to_have_value("2")
    other.close()


def test_iframe_snippet_embeds_the_chosen_controls_only(page: Page, live_server: str, console: list[str]) -> None:
    _open(page, f"{live_server}/?{STATE}")
    _open_dialog_by_keyboard(page)
    snippet = page.locator("#share-snippet")
    assert 'controls=all&amp;text=1"' in snippet.input_value()
    page.locator('input[name="share-controls"][value="some"]').check()
    page.locator("#share-control-list label", has_text="Weight scale").locator("input").check()
    page.locator("#share-control-list label", has_text="Forget-gate bias").locator("input").check()
    page.locator("#share-text").uncheck()
    html = snippet.input_value()
    assert re.fullmatch(
        r'<iframe src="[^"]+" width="100%" height="\d+" style="border:0;display:block" title="[^"]+" loading="lazy">'
        r"</iframe>\n<script>\n.*bptt-explorer:height.*</script>",
        html,
        re.DOTALL,
    )
    src = re.search(r'src="([^"]+)"', html).group(1).replace("&amp;", "&")  # type: ignore[union-attr]
    assert src.startswith(f"{live_server}/embed?view=recurrent&") and "controls=scale%2Cforget_bias&text=0" in src
    assert "scale=1.5" in src and "model=lstm" in src
    frame_page = page.context.new_page()
    frame_page.goto(f"{live_server}/stories")
    frame_page.evaluate(
        """(src) => { const f = document.createElement("iframe"); f.src = src; f.id = "embedded";
                      f.style.width = "1000px"; f.style.height = "900px"; document.body.appendChild(f); }""",
        src,
    )
    frame = frame_page.frame_locator("#embedded")
    frame.locator("body[data-rendered]").wait_for(state="attached", timeout=30000)
    expect(frame.locator("#in-scale")).to_be_visible()
    expect(frame.locator("#in-forget_bias")).to_be_visible()
    expect(frame.locator("#in-steps")).to_be_hidden()
    expect(frame.locator("#share-open")).to_have_count(0)  # no Share inside an embed
    expect(frame.locator("#num-scale")).to_have_value("1.5")
    frame_page.close()


def test_a_plot_is_chosen_among_those_the_model_draws(page: Page, live_server: str, console: list[str]) -> None:
    _open(page, f"{live_server}/?{STATE}")
    _open_dialog_by_keyboard(page)
    plots = page.locator("#share-plots")
    expect(plots).to_have_accessible_name("Plots shown")
    enabled = plots.locator("option:not([disabled])")
    expect(enabled).to_have_count(5)  # all, and the LSTM's four: decay, pairs, units, cell
    assert [o.get_attribute("value") for o in enabled.all()] == ["all", "decay", "pairs", "units", "cell"]
    plots.select_option("cell")
    html = page.locator("#share-snippet").input_value()
    assert "&amp;plots=cell&amp;" in html
    assert 'title="BPTT Explorer: Recurrent nets: The LSTM\'s conveyor belt"' in html
    plots.select_option("all")
    assert "plots=" not in page.locator("#share-snippet").input_value()


def test_links_follow_the_state_while_the_dialog_is_open(page: Page, live_server: str, console: list[str]) -> None:
    _open(page, f"{live_server}/?{STATE}")
    _open_dialog_by_keyboard(page)
    # A key press or a story step changes the state behind the open dialog; here a script does.
    page.evaluate("""() => { const s = document.getElementById('in-steps'); s.value = '25';
                             s.dispatchEvent(new Event('input', { bubbles: true })); }""")
    expect(page.locator("#share-url")).to_have_value(re.compile(r"steps=25"))
    expect(page.locator("#share-snippet")).to_have_value(re.compile(r"steps=25"))
    assert "steps=25" in page.url


def test_offline_file_is_asked_for_and_its_outcome_shown(page: Page, live_server: str, console: list[str]) -> None:
    _open(page, f"{live_server}/?{STATE}")
    path = "/?" + STATE
    try:
        with urllib.request.urlopen(f"{live_server}/export?url={urllib.parse.quote(path, safe='')}&sliders=scale") as r:
            status = r.status
    except urllib.error.HTTPError as e:
        status = e.code
    _open_dialog_by_keyboard(page)
    expect(page.locator('input[name="share-slider"]').first).to_be_checked()  # the first slider: the weight scale
    if status == 404:
        page.locator("#share-prepare").click()
        expect(page.locator("#share-export-status")).to_have_text("This server does not make offline files yet.")
        console[:] = [e for e in console if "status of 404" not in e]  # the failed fetch itself is logged
    elif status == 200:
        page.locator("#share-prepare").click()
        expect(page.locator("#share-export-status")).to_have_text(
            re.compile(r"Ready: \d+(\.\d)? (B|kB|MB)\."), timeout=120000
        )
        with page.expect_download() as info:
            page.locator("#share-export-link").click()
        assert info.value.suggested_filename.endswith(".html")
    else:
        page.locator("#share-prepare").click()
        expect(page.locator("#share-export-status")).to_have_class(re.compile("alert"), timeout=120000)
        assert page.locator("#share-export-status").inner_text().strip()
        console[:] = [e for e in console if f"status of {status}" not in e]


def test_offline_file_refusal_shows_the_servers_message(page: Page, live_server: str, console: list[str]) -> None:
    """Three sliders are more than a file holds: the server says why, the dialog shows it."""
    _open(page, f"{live_server}/?{STATE}")
    _open_dialog_by_keyboard(page)
    boxes = page.locator("#share-slider-list input:visible")
    boxes.nth(1).check()
    expect(boxes.nth(2)).to_be_disabled()  # at most two
    page.evaluate("document.querySelectorAll('#share-slider-list input')[2].disabled = false")
    boxes.nth(2).check()  # a third one, past the dialog's limit, to see the server refuse it
    page.locator("#share-prepare").click()
    status = page.locator("#share-export-status")
    expect(status).to_have_class(re.compile("alert"), timeout=60000)
    text = status.inner_text()
    assert "sliders" in text or "offline files" in text  # the server's word, or the 404 before it exists
    console[:] = [e for e in console if "status of 4" not in e]


def test_chinese_labels(page: Page, live_server: str, console: list[str]) -> None:
    _open(page, f"{live_server}/scalar?lang=zh")
    expect(page.locator("#share-open")).to_have_text("分享")
    expect(page.locator("#data-out summary")).to_have_text("下载数据")
    _open_dialog_by_keyboard(page)
    expect(page.locator("#share-title")).to_have_text("分享此视图")
    expect(page.locator("#share-prepare")).to_have_text("生成离线文件")
    assert "lang=zh" in page.locator("#share-url").input_value()
    assert "lang=zh" in page.locator("#share-snippet").input_value()


AXE = next((Path(__file__).parent.parent / "vendor").glob("axe-core-*/axe.min.js"))
RUN_AXE = """async () => (await axe.run(document, { resultTypes: ["violations"] })).violations
  .filter((v) => v.impact === "serious" || v.impact === "critical")
  .map((v) => ({ id: v.id, help: v.help, nodes: v.nodes.slice(0, 4).map((n) => n.target.join(" ")) }))"""


@pytest.mark.parametrize("path", ["/?model=lstm", "/train?lang=zh"])
def test_open_dialog_and_data_menu_pass_axe(browser: Browser, live_server: str, path: str) -> None:
    """axe-core on the open dialog and the open data menu: no serious or critical violation."""
    context = browser.new_context(bypass_csp=True)  # axe is injected as an outside script
    tab = context.new_page()
    errors = _errors(tab)
    tab.goto(f"{live_server}{path}")
    tab.wait_for_load_state("load")
    tab.locator("#data-out summary").click()
    tab.add_script_tag(path=AXE)
    assert tab.evaluate(RUN_AXE) == []
    tab.locator("#share-open").click()
    tab.locator('input[name="share-controls"][value="some"]').check()
    assert tab.evaluate(RUN_AXE) == []
    context.close()
    assert errors == []


def test_copy_puts_the_link_and_the_snippet_on_the_clipboard(browser: Browser, live_server: str) -> None:
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    tab = context.new_page()
    errors = _errors(tab)
    tab.goto(f"{live_server}/scalar?weight=2")
    tab.wait_for_selector("body[data-rendered]", state="attached", timeout=30000)
    tab.locator("#share-open").click()
    for field in ("share-url", "share-snippet"):
        button = tab.locator(f'button[data-copy="{field}"]')
        button.click()
        expect(button).to_have_text("Copied")
        assert tab.evaluate("navigator.clipboard.readText()") == tab.locator(f"#{field}").input_value()
    assert "weight=2" in tab.evaluate("navigator.clipboard.readText()")
    context.close()
    assert errors == []
