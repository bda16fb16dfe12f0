"""The offline export: its plan (grid, fixed settings, story), the file's contents and size, GET /export and
`bptt-explorer export`, and clear errors naming the field."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape

from app.cli import main
from app.export.assets import katex_css
from app.export.file import render
from app.export.plan import MAX_BYTES, ExportError, plan
from app.figures import encode, recurrent_dicts, scalar_dicts
from app.main import create_app
from app.pages.stories import BY_ID
from app.service.settings import Settings
from tests.exported import packed_config, packed_frames


def test_a_story_plans_its_main_slider_with_its_own_value_on_the_grid() -> None:
    p = plan("c10")
    assert (p.model, p.story, p.sliders) == ("lstm", "c10", ["forget_bias"])
    assert p.params == {"forget_bias": "3", "steps": "100"}
    assert 3.0 in p.values[0] and p.values[0][0] == -5 and p.values[0][-1] == 5
    assert len(p.values[0]) == 41  # the whole grid in steps of 0.25


def test_a_page_url_with_every_field_of_the_view_keeps_the_model_s_own() -> None:
    """The page writes all the view's fields (and its flags) into its URL; the LSTM takes its own."""
    url = (
        "/?model=lstm&activation=relu&scale=1.2&init=identity&hidden=8&steps=40&input_scale=1&bias=2&forget_bias=2"
        "&update_bias=-1&peephole=true&coupled=false&seed=3&norm=spectral&story=c10&lang=zh&present=1"
    )
    p = plan(url)
    assert p.params == {
        "scale": "1.2",
        "hidden": "8",
        "steps": "40",
        "input_scale": "1",
        "forget_bias": "2",
        "peephole": "true",
        "coupled": "false",
        "seed": "3",
        "norm": "spectral",
    }
    assert (p.lang, p.story) == ("zh", "c10")


def test_the_file_holds_the_figures_of_every_grid_point() -> None:
    p = plan("/?model=rnn&scale=0.45&steps=30&story=c3", sliders="scale,steps", points=3)
    assert p.values == [[0.0, 0.45, 1.5, 3.0], [10.0, 30.0, 100.0, 200.0]]
    html = render(p)
    config, frames = packed_config(html), packed_frames(html)
    assert [s["name"] for s in config["sliders"]] == ["scale", "steps"]
    assert config["start"] == [1, 1] and config["figures"] == ["decay", "pairs", "units", "activation"]
    assert len(frames) == 16
    # Frame (i, j) is scale i, steps j: the same figures app.figures builds for those settings.
    want = json.loads(json.dumps(encode(recurrent_dicts("rnn", {"scale": 1.5, "steps": 30}))))
    assert frames[2 * 4 + 1] == want
    # Everything the file needs is inside it: no external script, style or font.
    assert not re.search(r'<script[^>]+src=|<link[^>]+rel="stylesheet"|url\(fonts/', html)
    assert "plotly.js (cartesian - minified) v4.1.1" in html and "renderMathInElement" in html
    assert escape(BY_ID["c3"].formula) in html and escape(BY_ID["c3"].title("en")) in html
    assert "<code>activation = tanh</code>" in html and "<code>hidden = 16</code>" in html
    assert "<code>scale" not in html  # live sliders are not listed as fixed


def test_katex_fonts_are_inlined_as_woff2() -> None:
    css = katex_css()
    assert css.count("data:font/woff2;base64,") == 20
    assert ".woff)" not in css and ".ttf)" not in css


def test_chinese_file() -> None:
    html = render(plan("c10", lang="zh", points=2))
    assert '<html lang="zh-Hans">' in html and BY_ID["c10"].title("zh") in html
    assert "遗忘门" in packed_config(html)["sliders"][0]["label"]
    assert packed_frames(html)[0]["decay"]["layout"]["title"]["text"] == "从第 T 步传回第 k 步的梯度"


@pytest.mark.parametrize(
    ("target", "kw", "field", "message"),
    [
        ("/stories?lang=zh", {}, "url", "'/stories?lang=zh' is /stories. Stories that export: c1, c2, c3,"),
        ("/embed?view=stories", {}, "url", "is /embed?view=stories"),
        ("/scalar?weight=11", {}, "url", "url: weight must be a number in -10..10 (got '11')"),
        ("/scalar", {"sliders": "scale"}, "sliders", "one or two of: weight, bias, steps, input_scale, h0, eps"),
        ("/?model=cnn", {}, "url", "url: model must be one of: rnn, lstm, gru, compare"),
        ("/?model=compare", {"sliders": "bias"}, "sliders", "scale, steps, input_scale, forget_bias, update_bias"),
        ("/?model=rnn&scale=12", {}, "url", "url: scale must be a number in 0..10 (got '12')"),
        ("/?model=rnn&wings=2", {}, "url", "url: unknown parameter 'wings'"),
        ("/?story=c99", {}, "url", "url: unknown story 'c99'"),
        ("/?model=gru", {"sliders": "forget_bias"}, "sliders", "sliders must be one or two of: update_bias, scale"),
        ("/?model=rnn", {"sliders": "scale,steps,bias"}, "sliders", "one or two"),
        ("/", {"points": 1}, "points", "points must be an integer in 2..61"),
        ("/", {"lang": "fr"}, "lang", "lang must be one of: en, zh"),
        (
            "/?model=lstm&hidden=64&steps=200",
            {"points": 41},
            "points",
            "over the 8 MB limit of the file; allowed points 2..",
        ),
        (
            "/?model=rnn&hidden=256&steps=1000",
            {"points": 31},
            "points",
            "too much work for one export; allowed points 2..",
        ),
        ("/?model=lstm&hidden=256&steps=1000", {}, "points", "lower steps or hidden"),
    ],
)
def test_bad_requests_name_their_field(target: str, kw: dict[str, Any], field: str, message: str) -> None:
    with pytest.raises(ExportError, match=re.escape(message)) as err:
        plan(target, **kw)
    assert err.value.detail[0]["field"] == field


def test_a_default_grid_shrinks_to_what_fits() -> None:
    assert len(plan("/?model=lstm&hidden=64&steps=200").values[0]) < 41  # forget_bias's whole grid is 41


def test_the_largest_grid_that_fits_stays_under_the_limit() -> None:
    """Two sliders over the largest steps of their range, at the most points the size check allows."""
    with pytest.raises(ExportError) as err:
        plan("/?model=gru", sliders="update_bias,steps", points=20)
    top = int(str(err.value.detail[0]["allowed"]).split("..")[1])
    html = render(plan("/?model=gru", sliders="update_bias,steps", points=top))
    assert len(html.encode()) <= MAX_BYTES


def test_get_export_downloads_the_file(client: TestClient) -> None:
    r = client.get("/export", params={"url": "/?model=lstm&steps=40&forget_bias=1", "points": "3"})
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    assert r.headers["content-disposition"] == 'attachment; filename="bptt-explorer-lstm-forget-bias.html"'
    assert len(packed_frames(r.text)) == 4 and packed_config(r.text)["figures"] == ["decay", "pairs", "units", "cell"]
    story = client.get("/export", params={"url": "c3", "sliders": "scale", "points": "2", "lang": "zh"})
    assert story.status_code == 200 and 'filename="bptt-explorer-c3-scale.html"' in story.headers["content-disposition"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"url": "/?model=rnn&steps=5000"}, "url"),
        ({"url": "/stories"}, "url"),
        ({"url": "/", "sliders": "forget_bias"}, "sliders"),
        ({"url": "/", "points": "many"}, "points"),
        ({"url": "/", "points": "99"}, "points"),
        ({"url": "/", "lang": "fr"}, "lang"),
        ({}, "url"),
    ],
)
def test_get_export_answers_422_naming_the_field(client: TestClient, params: dict[str, str], field: str) -> None:
    r = client.get("/export", params=params)
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert detail[0]["field"] == field and field in detail[0]["message"]


def test_command_line_writes_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "c4.html"
    assert main(["export", "c4", "-o", str(out), "--sliders", "scale", "--points", "2", "--lang", "zh"]) == 0
    html = out.read_text(encoding="utf-8")
    assert BY_ID["c4"].title("zh") in html and len(packed_frames(html)) == 3  # 0, 1 (the story's), 3
    assert f"{out}: " in capsys.readouterr().out
    assert main(["export", "/?model=rnn&scale=-1", "-o", str(tmp_path / "x.html")]) == 2
    assert "scale must be a number in 0..10" in capsys.readouterr().err
    assert not (tmp_path / "x.html").exists()


def test_compare_exports_the_three_models_side_by_side() -> None:
    """Story C12 (model=compare): each frame holds the three models' figures; the default grid shrinks to fit."""
    p = plan("c12")
    assert (p.model, p.sliders, p.params) == ("compare", ["scale"], {"peephole": "true", "steps": "100"})
    assert len(p.values[0]) == 31 and 1.0 in p.values[0]  # scale's whole grid: three runs a frame fit in time and size
    html = render(plan("/?model=compare&steps=20&forget_bias=2", sliders="forget_bias", points=2))
    config, frames = packed_config(html), packed_frames(html)
    assert config["figures"] == [
        "decay",
        *(f"{kind}_{m}" for kind in ("pairs", "units") for m in ("rnn", "lstm", "gru")),
        "activation",
        "cell",
        "carry",
    ]
    assert [s["values"] for s in config["sliders"]] == [[-5.0, 2.0, 5.0]]
    want = json.loads(json.dumps(encode(recurrent_dicts("compare", {"steps": 20, "forget_bias": 5.0}))))
    assert frames[2] == want
    assert "<code>update_bias = -1</code>" in html and "<code>activation = tanh</code>" in html


def test_scalar_view_and_its_stories_export() -> None:
    p = plan("c1")
    assert (p.model, p.sliders, p.params["steps"]) == ("scalar", ["weight"], "365")
    assert 0.99 in p.values[0] and p.values[0][0] == 0 and p.values[0][-1] == 6
    html = render(plan("/scalar?activation=tanh&weight=1.2&steps=40", sliders="weight,steps", points=2))
    config, frames = packed_config(html), packed_frames(html)
    assert config["figures"] == ["factors", "activation", "compound"]
    assert [s["values"] for s in config["sliders"]] == [[0.0, 1.2, 6.0], [10.0, 40.0, 200.0]]
    want = json.loads(json.dumps(encode(scalar_dicts({"activation": "tanh", "weight": 6.0, "steps": 200}))))
    assert frames[-1] == want
    assert "<code>activation = tanh</code>" in html and "BPTT Explorer · Scalar RNN" in html
    assert "标量 RNN" in render(plan("/embed?view=scalar&weight=2&lang=zh", points=2))


def test_an_export_waits_for_a_heavy_slot_and_is_kept_once_made() -> None:
    app = create_app(Settings(max_heavy=1, queue_wait_seconds=0, heavy_threshold_seconds=0))
    with TestClient(app) as c:
        held = app.state.guard.slots.take(5.0, 0)  # another large computation holds the only slot
        busy = c.get("/export?url=c1")
        assert busy.status_code == 503 and int(busy.headers["Retry-After"]) >= 1
        assert busy.json()["detail"][0]["type"] == "busy"
        app.state.guard.slots.give(held)
        first = c.get("/export?url=c1")
        assert first.status_code == 200
        misses = app.state.cache.misses
        again = c.get("/export?url=c1")
        assert again.content == first.content and app.state.cache.misses == misses


def test_a_gru_file_keeps_its_reset_convention() -> None:
    """reset_after is a fixed setting of the file: every frame is the GRU of that convention."""
    p = plan("/?model=gru&steps=20&scale=2&reset_after=true", sliders="update_bias", points=2)
    assert p.params == {"steps": "20", "scale": "2", "reset_after": "true"}
    html = render(p)
    assert "<code>reset_after = true</code>" in html
    frames = packed_frames(html)
    settings = {"steps": 20, "scale": 2.0, "update_bias": -1.0}
    want = json.loads(json.dumps(encode(recurrent_dicts("gru", settings | {"reset_after": True}))))
    before = json.loads(json.dumps(encode(recurrent_dicts("gru", settings))))
    assert want in frames and before not in frames
