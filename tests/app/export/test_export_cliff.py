"""Offline files of the cliff view: stories C7, C8, C9 and /cliff URLs plan and render the runs' settings on
sliders over one copy of the surfaces, every frame the figures app.figures builds, under the size limit; the
estimates hold from above; bad requests are refused naming their field."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from app.export.assets import pack
from app.export.file import render, stored_once
from app.export.plan import MAX_BYTES, ExportError, plan
from app.figures import cliff_dicts, encode, views
from app.figures.grid import SHARED_MIN
from app.pages.stories import BY_ID
from tests.exported import packed_config, packed_frames, restore


def _want(params: dict[str, Any], lang: str = "en") -> dict[str, Any]:
    """The figures of app.figures for `params`, as JSON."""
    out: dict[str, Any] = json.loads(json.dumps(encode(cliff_dicts(params, lang))))
    return out


def test_the_stories_plan_the_threshold_over_their_own_settings() -> None:
    for story in ("c7", "c8", "c9"):
        p = plan(story)
        assert (p.model, p.story, p.sliders) == ("cliff", story, ["threshold"])
        threshold = float(BY_ID[story].query["threshold"])
        assert threshold in p.values[0] and p.values[0][0] == 0.1 and p.values[0][-1] == 4.0
        assert len(p.values[0]) == 40  # the whole grid in steps of 0.1
        assert {k: p.params[k] for k in ("w0", "b0", "lr")} == {"w0": "4.75", "b0": "-2.457", "lr": "1"}
    assert plan("c9").params["w_range"] == "1"  # zoomed on the wall
    assert plan("c7", sliders="lr").values[0][:3] == [0.1, 0.2, 0.3]


def test_a_file_holds_the_surfaces_once_and_every_frame_s_runs() -> None:
    p = plan("c8", sliders="threshold,lr", points=2)
    assert p.values == [[0.1, 0.3, 4.0], [0.1, 1.0, 3.0]]
    html = render(p)
    config, packed = packed_config(html), packed_frames(html)
    assert config["figures"] == ["loss", "grad", "curves", "steps"] and config["start"] == [1, 1]
    assert [s["label"] for s in config["sliders"]] == ["Clipping threshold v", "Learning rate"]
    assert len(packed) == 9
    # The heatmaps are in the first frame only; the others name where they are.
    assert packed[0]["loss"]["data"][0]["z"]["dtype"] == "f4"
    for f in packed[1:]:
        assert all(f[name]["data"][0]["z"] == {"same": [0, name, "data", 0, "z"]} for name in ("loss", "grad"))
    frames = restore(packed)
    story = {k: v for k, v in BY_ID["c8"].query.items()}
    for i, (threshold, lr) in enumerate([(t, r) for t in p.values[0] for r in p.values[1]]):
        assert frames[i] == _want({**story, "threshold": threshold, "lr": lr})
    plain = frames[4]["loss"]["data"][3]
    assert (plain["meta"], plain["x"][0], plain["y"][0]) == ("none", 4.75, -2.457)  # the start, in float64
    assert "<code>w0 = 4.75</code>" in html and "<code>resolution = 161</code>" in html
    assert "<code>threshold" not in html and "<code>lr" not in html  # live sliders are not listed as fixed
    assert BY_ID["c8"].title("en") in html and "BPTT Explorer · Cliff &amp; clipping" in html


@pytest.mark.parametrize("story", ["c7", "c8", "c9"])
def test_the_stories_whole_files_fit(story: str) -> None:
    p = plan(story)
    html = render(p)
    assert len(html.encode()) < MAX_BYTES
    frames = packed_frames(html)
    assert len(frames) == len(p.values[0]) == 40
    start = p.values[0].index(float(BY_ID[story].query["threshold"]))
    assert restore(frames)[start] == _want(dict(BY_ID[story].query))


def test_a_cliff_url_exports_the_start_on_two_sliders_in_chinese() -> None:
    p = plan("/cliff?w0=-5.25&b0=3.768&iterations=40&resolution=41&lang=zh", sliders="w0,b0", points=3)
    assert (p.model, p.story, p.lang) == ("cliff", None, "zh")
    assert p.values == [[-10.0, -5.25, 0.0, 10.0], [-10.0, 0.0, 3.768, 10.0]]
    html = render(p)
    frames = packed_frames(html)  # 41 x 41 heatmaps are small: every frame holds its own
    assert len(frames) == 16 and "same" not in json.dumps(frames)
    want = _want({"w0": 0.0, "b0": 3.768, "iterations": 40, "resolution": 41}, lang="zh")
    assert frames[2 * 4 + 2] == want
    assert frames[0]["loss"]["layout"]["title"]["text"] == "误差 E 随 (w, b) 的变化，T = 50"
    assert [s["label"] for s in packed_config(html)["sliders"]] == ["w₀", "b₀"]


def test_the_estimates_hold_from_above() -> None:
    """The surfaces (once) and a frame of runs take no more room in the file than the view says."""
    view = views.VIEWS["cliff"]
    assert view.frame_bytes is not None and view.shared_bytes is not None
    for settings in ({}, {"iterations": 500, "w0": -5.25, "b0": 3.768}, {"resolution": 201, "steps": 200}):
        qs = views.queries("cliff", settings)
        one = encode(views.dicts("cliff", qs))
        other = encode(views.dicts("cliff", views.queries("cliff", {**settings, "threshold": 0.37})))
        single, pair = len(pack(stored_once([one]))), len(pack(stored_once([one, other])))
        frame, shared = pair - single, single - (pair - single)
        assert frame <= view.frame_bytes(qs) <= 4 * frame
        assert shared <= view.shared_bytes(qs) <= 2 * shared


def test_only_long_repeated_arrays_are_stored_once() -> None:
    big = {"dtype": "f4", "bdata": "A" * SHARED_MIN}
    small = {"dtype": "f4", "bdata": "B" * 100}
    frames = [{"f": {"data": [{"z": big, "y": small}]}}, {"f": {"data": [{"z": dict(big), "y": dict(small)}]}}]
    out = stored_once(frames)
    assert out[1]["f"]["data"][0] == {"z": {"same": [0, "f", "data", 0, "z"]}, "y": small}
    assert restore(out) == frames
    other = {**big, "shape": "2, 1"}  # the same bytes in another shape are another array
    assert stored_once([{"a": big}, {"a": other}]) == [{"a": big}, {"a": other}]


@pytest.mark.parametrize(
    ("target", "kw", "field", "message"),
    [
        ("c7", {"sliders": "steps"}, "sliders", "sliders must be one or two of: threshold, lr, w0, b0"),
        ("c7", {"sliders": "resolution"}, "sliders", "sliders must be one or two of"),
        ("/cliff?threshold=20", {}, "url", "threshold must be a number in 0.01..10"),
        ("/cliff?wings=1", {}, "url", "unknown parameter 'wings'"),
        ("c9", {"points": 1}, "points", "points must be an integer in 2..61"),
        ("/cliff?iterations=500&steps=200", {"sliders": "w0,b0", "points": 30}, "points", "over the 8 MB limit"),
        ("/cliff?iterations=500&steps=200&resolution=11", {"points": 36}, "points", "over the 8 MB limit of the file"),
    ],
)
def test_refusals_name_their_field(target: str, kw: dict[str, Any], field: str, message: str) -> None:
    with pytest.raises(ExportError) as err:
        plan(target, **kw)
    d = err.value.detail[0]
    assert d["field"] == field and message in d["message"], d["message"]


def test_the_largest_settings_shrink_the_default_grid_to_fit() -> None:
    p = plan("/cliff?resolution=201&steps=200&iterations=500")
    assert 10 < len(p.values[0]) < 40 and 1.0 in p.values[0]


def test_get_export_downloads_a_story(client: TestClient) -> None:
    r = client.get("/export", params={"url": "c9", "points": "2"})
    assert r.status_code == 200, r.text
    assert r.headers["content-disposition"] == 'attachment; filename="bptt-explorer-c9-threshold.html"'
    assert len(packed_frames(r.text)) == 3 and BY_ID["c9"].title("en") in r.text
    bad = client.get("/export", params={"url": "/cliff?lr=0", "sliders": "threshold"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "url"
    assert np.isclose(plan("c9", points=2).values[0], [0.1, 1.0, 4.0]).all()
