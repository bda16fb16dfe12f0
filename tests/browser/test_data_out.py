"""Data out in a real Chromium: the modebar's SVG button, the CSV and JSON downloads of every view (their
numbers equal the API's), the training lab's run, and the reproduce-it links."""

from __future__ import annotations

import csv
import io
import json
import math
import re
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Download, Page, expect

pytestmark = pytest.mark.browser


def _open(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("body[data-rendered]", state="attached", timeout=30000)


def _api(base: str, path: str) -> Any:
    with urllib.request.urlopen(f"{base}{path}", timeout=60) as r:
        return json.loads(r.read())


def _text(download: Download) -> str:
    return Path(download.path()).read_text(encoding="utf-8")


def _csv(page: Page) -> tuple[str, list[dict[str, str]]]:
    page.locator("#data-out summary").click()
    with page.expect_download() as info:
        page.locator("#dl-csv").click()
    return info.value.suggested_filename, list(csv.DictReader(io.StringIO(_text(info.value))))


def _num(text: str) -> float:
    return float(text)  # Python reads "-inf", "inf" and "nan" as written


def _log10(v: float | None) -> float:
    return -math.inf if v is None else v  # the API writes an exact zero as null


def test_svg_button_downloads_an_svg_named_after_the_view(page: Page, live_server: str, console: list[str]) -> None:
    _open(page, f"{live_server}/?model=gru&steps=30")
    page.locator("#plot-decay").hover()
    button = page.locator('#plot-decay .modebar-btn[data-title="Download plot as SVG"]')
    expect(button).to_be_visible()
    with page.expect_download() as info:
        button.click()
    name = info.value.suggested_filename
    assert name.startswith("bptt-recurrent_model-gru_steps-30") and name.endswith("_decay.svg")
    assert _text(info.value).lstrip().startswith("<svg")
    png = page.evaluate("document.getElementById('plot-decay')._context.toImageButtonOptions.filename")
    assert png == name.removesuffix(".svg")


def test_recurrent_csv_and_json_equal_the_api(page: Page, live_server: str, console: list[str]) -> None:
    query = "activation=relu&scale=1.3&steps=50&hidden=6&seed=4"
    _open(page, f"{live_server}/?model=rnn&{query}")
    name, rows = _csv(page)
    assert name.startswith("bptt-recurrent") and name.endswith(".csv")
    answer = _api(live_server, f"/api/v1/rnn?{page.url.split('?', 1)[1].replace('model=rnn&', '')}")
    decay = [r for r in rows if r["series"] == "decay"]
    assert [int(r["k"]) for r in decay] == list(range(51)) and {r["t"] for r in decay} == {"50"}
    assert [_num(r["log10_norm"]) for r in decay] == [_log10(v) for v in answer["decay"]["log10_norm"]]
    bound = [_num(r["log10_norm"]) for r in rows if r["series"] == "bound"]
    assert bound == [_log10(v) for v in answer["bound"]["log10"]]
    pairs = {(int(r["t"]), int(r["k"])): _num(r["log10_norm"]) for r in rows if r["series"] == "pairs"}
    p = answer["pairs"]
    want = {(t, k): _log10(p["log10_norm"][i][j]) for i, t in enumerate(p["t"]) for j, k in enumerate(p["k"]) if k <= t}
    assert pairs == want and len(pairs) == 51 * 52 // 2
    # JSON: the API's own answer, byte for byte
    link = page.locator("#dl-json-links a", has_text="rnn")
    with page.expect_download() as info:
        link.click()
    assert json.loads(_text(info.value)) == answer
    assert info.value.suggested_filename.endswith("_rnn.json")


def test_compare_csv_has_every_model_and_minus_inf_for_exact_zeros(
    page: Page, live_server: str, console: list[str]
) -> None:
    _open(page, f"{live_server}/?model=compare&steps=20&hidden=4")
    _, rows = _csv(page)
    assert {r["model"] for r in rows} == {"rnn", "lstm", "gru"}
    assert {r["series"] for r in rows if r["model"] == "lstm"} == {"decay", "cell_path", "reference", "pairs"}
    _open(page, f"{live_server}/?model=rnn&activation=relu&scale=0.3&bias=-2&steps=40&hidden=4")
    _, rows = _csv(page)
    decay = [r["log10_norm"] for r in rows if r["series"] == "decay"]
    assert "-inf" in decay and decay[-1] == "0"  # k = T: the identity


def test_scalar_feedforward_and_cliff_csv_equal_the_api(page: Page, live_server: str, console: list[str]) -> None:
    _open(page, f"{live_server}/scalar?activation=tanh&weight=1.2&steps=30")
    _, rows = _csv(page)
    d = _api(live_server, f"/api/v1/scalar?{page.url.split('?', 1)[1]}")
    assert [_num(r["value"]) for r in rows if r["series"] == "decay"] == [_log10(v) for v in d["decay"]]
    assert [int(r["step"]) for r in rows if r["series"] == "log10_dphi"] == list(range(1, 31))
    assert [_num(r["value"]) for r in rows if r["series"] == "states"] == d["states"]

    _open(page, f"{live_server}/feedforward?layers=12&width=16&activation=relu")
    _, rows = _csv(page)
    d = _api(live_server, f"/api/v1/feedforward?{page.url.split('?', 1)[1]}")
    assert [int(r["layer"]) for r in rows] == list(range(13))
    assert [_num(r["log10_grad_h"]) for r in rows] == [_log10(v) for v in d["log10_grad_h"]]
    assert [_num(r["log10_grad_w"]) for r in rows[1:]] == [_log10(v) for v in d["log10_grad_w"]]
    assert rows[0]["log10_grad_w"] == "nan"
    assert [_num(r["dead_fraction"]) for r in rows[1:]] == d["dead_fraction"]

    _open(page, f"{live_server}/cliff?resolution=21")
    _, rows = _csv(page)
    query = "&".join(
        p
        for p in page.url.split("?", 1)[1].split("&")
        if p.split("=")[0] in {"w_center", "w_range", "b_center", "b_range", "resolution", "steps"}
    )
    d = _api(live_server, f"/api/v1/cliff?{query}")
    assert len(rows) == 21 * 21
    got = {(_num(r["w"]), _num(r["b"])): (_num(r["E"]), _num(r["log10_grad_norm"])) for r in rows}
    want = {
        (w, b): (d["loss"][i][j], _log10(d["log10_norm"][i][j]))
        for i, b in enumerate(d["b"])
        for j, w in enumerate(d["w"])
    }
    assert got == want


def test_training_run_downloads_as_csv_and_json(page: Page, live_server: str, console: list[str]) -> None:
    page.goto(f"{live_server}/train?model=rnn&task=adding&lag=5&hidden=6&batch=4&iterations=30&seed=1")
    page.locator("#data-out summary").click()
    page.locator("#dl-csv").click()
    expect(page.locator("#dl-status")).to_have_text("Start a run first: the CSV holds its updates.")
    expect(page.locator("#dl-json-links a")).to_have_count(0)  # the stream is not a file to download
    page.click("#start")
    expect(page.locator("body")).to_have_attribute("data-run", "done", timeout=60000)
    with page.expect_download() as info:
        page.locator("#dl-csv").click()
    rows = list(csv.DictReader(io.StringIO(_text(info.value))))
    with page.expect_download() as info:
        page.locator("#dl-run-json").click()
    run = json.loads(_text(info.value))
    assert [int(r["step"]) for r in rows] == list(range(1, 31)) == run["updates"]["step"]
    assert [_num(r["loss"]) for r in rows] == run["updates"]["loss"]
    assert {r["accuracy"] for r in rows} == {"nan"}  # the adding task has no accuracy
    assert run["start"]["config"]["iterations"] == 30 and run["done"] is not None


def test_reproduce_links_name_the_weights_and_the_script(page: Page, live_server: str, console: list[str]) -> None:
    _open(page, f"{live_server}/?model=rnn&steps=20")
    page.locator("#data-out summary").click()
    weights = page.locator("#dl-weights-links a")
    expect(weights).to_have_count(1)
    href = weights.get_attribute("href") or ""
    assert href.startswith("/api/v1/rnn?") and href.endswith("&include=weights")
    assert _api(live_server, href)["weights"]["W"]
    with page.expect_download() as info:
        page.locator("#dl-script").click()
    assert "def decay(" in _text(info.value)
    page.locator('input[name="model"][value="lstm"]').check()
    expect(page.locator("body")).to_have_attribute("data-rendered", re.compile("^model=lstm"), timeout=30000)
    expect(page.locator("#dl-script")).to_be_visible()  # the script knows the LSTM too
    expect(weights).to_have_count(1)
    assert "/api/v1/lstm?" in (weights.get_attribute("href") or "")
    _open(page, f"{live_server}/scalar")
    page.locator("#data-out summary").click()
    expect(page.locator("#dl-script")).to_be_hidden()
    expect(weights).to_have_count(1)
    assert (weights.get_attribute("href") or "").startswith("/api/v1/scalar?")
    _open(page, f"{live_server}/cliff")
    page.locator("#data-out summary").click()
    expect(page.locator("#dl-weights")).to_be_hidden()  # the cliff's two parameters are its state


def test_chinese_data_menu(page: Page, live_server: str, console: list[str]) -> None:
    _open(page, f"{live_server}/feedforward?lang=zh")
    page.locator("#data-out summary").click()
    expect(page.locator("#dl-csv")).to_have_text("数值的 CSV")
    expect(page.locator("#dl-weights-links a")).to_have_count(1)
    page.locator("#plot-grads").hover()
    expect(page.locator('#plot-grads .modebar-btn[data-title="下载图像为 SVG"]')).to_be_visible()
