"""The feed-forward view's offline files: stories C5, C13, C14 and a /feedforward URL plan and render over depth
and over a choice (activation, init, batch norm), stay under the size limit, and refuse bad requests naming
the field."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.export.assets import pack
from app.export.file import render
from app.export.plan import MAX_BYTES, ExportError, plan
from app.figures import encode, feedforward_dicts, views
from app.figures.feedforward import frame_bytes
from app.pages.stories import BY_ID
from tests.exported import packed_config, packed_frames


def _want(params: dict[str, Any], lang: str = "en") -> dict[str, Any]:
    out: dict[str, Any] = json.loads(json.dumps(encode(feedforward_dicts(params, lang))))
    return out


def test_story_c5_exports_depth_with_its_own_value_on_the_grid() -> None:
    p = plan("c5")
    assert (p.model, p.story, p.sliders) == ("feedforward", "c5", ["layers"])
    assert p.params == {"activation": "sigmoid", "init": "xavier", "layers": "30"}
    assert p.values[0] == [float(v) for v in range(2, 101, 2)]  # 30 is on the grid
    html = render(p)
    assert len(html.encode()) <= MAX_BYTES
    config, frames = packed_config(html), packed_frames(html)
    assert config["figures"] == ["grads", "hist", "dead"] and config["start"] == [14]
    assert config["sliders"][0]["label"] == "Layers L" and len(frames) == 50
    assert frames[14] == _want({"activation": "sigmoid", "init": "xavier", "layers": 30})
    assert frames[0] == _want({"activation": "sigmoid", "init": "xavier", "layers": 2})
    assert "<code>activation = sigmoid</code>" in html and "<code>layers" not in html
    assert "BPTT Explorer · Deep feed-forward" in html and BY_ID["c5"].title("en") in html


@pytest.mark.parametrize(
    ("story", "sliders", "choice", "options"),
    [
        ("c5", "activation,layers", "activation", ["tanh", "sigmoid", "relu", "leaky_relu", "linear"]),
        ("c13", "init,layers", "init", ["xavier", "he", "orthogonal", "normal", "small"]),
        ("c14", "init,layers", "init", ["xavier", "he", "orthogonal", "normal", "small"]),
    ],
)
def test_stories_export_a_choice_beside_depth(story: str, sliders: str, choice: str, options: list[str]) -> None:
    """A choice's slider runs over its options as they are written in a URL; the first slider is outermost."""
    p = plan(story, sliders)
    assert p.sliders == [choice, "layers"] and p.values[0] == options
    depth = int(BY_ID[story].query["layers"])
    assert float(depth) in p.values[1] and len(p.values[1]) <= 10  # nine even values and the story's own
    html = render(p)
    assert len(html.encode()) <= MAX_BYTES
    config, frames = packed_config(html), packed_frames(html)
    assert [s["values"] for s in config["sliders"]] == p.values
    state = dict(BY_ID[story].query)
    assert config["start"] == [options.index(state[choice]), p.values[1].index(float(depth))]
    assert len(frames) == len(options) * len(p.values[1])
    last = {**state, choice: options[-1], "layers": 100}
    assert frames[-1] == _want(last)
    assert f"<code>{choice} =" not in html


def test_a_page_url_exports_batch_norm_in_chinese() -> None:
    url = "/feedforward?activation=tanh&init=normal&layers=30&batch_norm=true&width=16&story=c14&lang=zh&present=1"
    p = plan(url, "batch_norm,layers", points=3)
    assert p.params == {"activation": "tanh", "init": "normal", "layers": "30", "batch_norm": "true", "width": "16"}
    assert (p.lang, p.story) == ("zh", "c14") and p.values == [["false", "true"], [2.0, 30.0, 52.0, 100.0]]
    html = render(p)
    config, frames = packed_config(html), packed_frames(html)
    assert config["start"] == [1, 1] and [s["label"] for s in config["sliders"]] == ["批归一化", "层数 L"]
    params = {"activation": "tanh", "init": "normal", "width": 16}
    assert frames[2] == _want({**params, "batch_norm": False, "layers": 52}, "zh")
    assert frames[2]["grads"]["layout"]["title"]["text"] == "各层的梯度范数"
    assert '<html lang="zh-Hans">' in html and "<code>width = 16</code>" in html


def test_get_export_downloads_a_feedforward_file(client: TestClient) -> None:
    r = client.get("/export", params={"url": "/feedforward?layers=8&activation=relu", "sliders": "input_scale"})
    assert r.status_code == 200
    assert r.headers["content-disposition"] == 'attachment; filename="bptt-explorer-feedforward-input-scale.html"'
    config = packed_config(r.text)
    assert config["sliders"][0]["values"][0] == 0 and config["sliders"][0]["values"][-1] == 5
    assert len(packed_frames(r.text)) == 21  # 0..5 in steps of 0.25, 1 among them
    story = client.get("/export", params={"url": "c13", "sliders": "layers", "points": "3"})
    assert (
        story.status_code == 200 and 'filename="bptt-explorer-c13-layers.html"' in story.headers["content-disposition"]
    )


@pytest.mark.parametrize(
    ("params", "layers"),
    [
        ({"activation": "tanh", "init": "normal", "batch": 256}, 100),  # the broadest histograms
        ({"activation": "relu", "init": "he", "batch_norm": True}, 100),
        ({"activation": "sigmoid", "init": "xavier"}, 30),
        ({}, 2),
    ],
)
def test_a_frame_s_size_is_estimated_from_above(params: dict[str, Any], layers: int) -> None:
    """The file grows by at most frame_bytes per frame (frames differing in their seed, nothing shared)."""
    frames = [encode(feedforward_dicts({**params, "layers": layers, "seed": s})) for s in range(4)]
    grown = (len(pack(frames)) - len(pack(frames[:1]))) / 3
    q = views.queries("feedforward", {**params, "layers": layers})["feedforward"]
    assert grown <= frame_bytes(q)  # type: ignore[arg-type]
    assert frame_bytes(q) <= 4 * grown + 3_000  # type: ignore[arg-type]  # and not wildly so


@pytest.mark.parametrize(
    ("target", "kw", "field", "message"),
    [
        ("/feedforward?layers=101", {}, "url", "url: layers must be an integer in 1..100 (got '101')"),
        ("/feedforward?init=bogus", {}, "url", "url: init must be one of: normal, small, xavier, he, orthogonal"),
        ("/feedforward?depth=3", {}, "url", "url: unknown parameter 'depth'"),
        ("c5", {"sliders": "width"}, "sliders", "one or two of: layers, activation, init, batch_norm, input_scale"),
        ("c13", {"sliders": "layers,layers"}, "sliders", "sliders must be one or two of"),
        ("c14", {"points": 62}, "points", "points must be an integer in 2..61"),
        ("/embed?view=feedforward&lang=fr", {}, "lang", "lang must be one of: en, zh"),
        (
            "/feedforward?layers=100&width=256&batch=256",
            {"sliders": "layers,input_scale", "points": 9},
            "points",
            "too much work for one export; allowed points 2..",
        ),
        (
            "/feedforward?layers=100&width=256&batch=256&init=orthogonal",
            {"sliders": "layers,input_scale", "points": 9},
            "points",
            "lower layers or width or batch",
        ),
    ],
)
def test_bad_requests_name_their_field(target: str, kw: dict[str, Any], field: str, message: str) -> None:
    with pytest.raises(ExportError, match=re.escape(message)) as err:
        plan(target, **kw)
    assert err.value.detail[0]["field"] == field


def test_a_large_net_s_default_grid_shrinks_to_what_fits() -> None:
    p = plan("/feedforward?layers=100&width=256&batch=256&init=orthogonal")
    assert 2 <= len(p.values[0]) < 50
