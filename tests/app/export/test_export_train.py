"""Offline files of the training lab: a slider over seeded runs drawn by app/figures/train.py, planned from a
story or a /train URL, with estimates that keep the work and the size within the export's limits."""

from __future__ import annotations

import base64
import json
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from app.export.file import render
from app.export.plan import MAX_BYTES, ExportError, plan, seconds_of
from app.figures import encode
from app.figures.grid import MAX_SECONDS, TRAIN_ITERATIONS
from app.figures.train_view import frame_bytes, train_dicts
from app.figures.views import VIEWS
from tests.exported import packed_config, packed_frames

SMALL = "/train?model=rnn&task=adding&lag=6&hidden=4&batch=4&iterations=30&reg_weight=1&clip=norm&seed=3"


@pytest.mark.parametrize(
    ("story", "model", "slider", "current"),
    [("c11", "lstm", "forget_bias", 3.0), ("c15", "lstm", "forget_bias", 1.0), ("c16", "rnn", "reg_weight", 2.0)],
)
def test_training_stories_plan_short_runs_over_the_setting_they_are_about(
    story: str, model: str, slider: str, current: float
) -> None:
    p = plan(story)
    assert p.model == "train" and p.story == story and p.sliders == [slider]
    assert p.params["model"] == model and p.params["iterations"] == str(TRAIN_ITERATIONS)
    assert current in p.values[0] and len(p.values[0]) >= 3
    seconds = VIEWS["train"].frame_seconds
    assert seconds is not None
    qs = [VIEWS["train"].queries(p.params | {slider: v}) for v in p.values[0]]
    assert sum(seconds(q) for q in qs) <= MAX_SECONDS  # the grid shrank to fit the limit in seconds
    assert seconds_of(p) <= 30


def test_a_page_url_keeps_its_run_model_and_its_own_iterations() -> None:
    p = plan("/train?model=gru&task=recall&lag=8&iterations=50&forget_bias=2&lang=zh", sliders="lag", points=3)
    assert p.params["model"] == "gru" and p.params["iterations"] == "50" and p.lang == "zh"
    assert p.sliders == ["lag"] and p.values == [[5.0, 8.0, 50.0, 100.0]]  # on lag's grid, and the state's own


@pytest.mark.parametrize(
    ("target", "kw", "field", "message"),
    [
        ("/train?model=rnn", {"sliders": "forget_bias"}, "sliders", "one or two of: reg_weight, lag"),
        ("/train?model=lstm", {"sliders": "reg_weight"}, "sliders", "one or two of: forget_bias, lag"),
        ("/train?lag=500", {}, "url", "lag must be an integer in 2..200"),
        (
            "/train?model=lstm&lag=200&hidden=64&batch=64&iterations=20000",
            {},
            "points",
            "one frame of these settings is too much work for an export of 26 frames; lower iterations or lag or hidden",
        ),
        ("/train?model=lstm&iterations=100", {"points": 41}, "points", "allowed points 2..7 for these settings"),
    ],
)
def test_bad_training_exports_name_their_field(target: str, kw: dict[str, Any], field: str, message: str) -> None:
    with pytest.raises(ExportError) as e:
        plan(target, **kw)
    (d,) = e.value.detail
    assert d["field"] == field and message in d["message"]


def test_the_file_holds_each_run_as_app_figures_draws_it() -> None:
    p = plan(SMALL, sliders="reg_weight", points=2)
    assert p.values == [[0.0, 1.0, 4.0]]
    html = render(p)
    assert len(html.encode()) < MAX_BYTES
    config = packed_config(html)
    assert config["figures"] == ["loss", "grad", "heat", "far"] and config["start"] == [1]
    assert config["sliders"][0]["label"] == "Regulariser weight λ"
    frames = packed_frames(html)
    params = dict(p.params)
    for v, frame in zip(p.values[0], frames, strict=True):
        want = encode(train_dicts(params | {"reg_weight": v}))
        assert frame == json.loads(json.dumps(want))  # seeded: the same run, to the bit
        frame_size = len(json.dumps(frame, separators=(",", ":")))
        assert frame_size < frame_bytes(VIEWS["train"].queries(params | {"reg_weight": v}))
    omega = [f["far"]["data"][2]["name"] if len(f["far"]["data"]) > 2 else None for f in frames]
    assert omega == [None, "Ω", "Ω"]  # the regulariser's Omega only where it is on
    assert "iterations = 30" in html and "reg_weight = " not in html


def test_get_export_downloads_a_training_story_and_refuses_with_422(client: TestClient) -> None:
    r = client.get("/export", params={"url": SMALL, "sliders": "lag", "points": "2", "lang": "zh"})
    assert r.status_code == 200
    assert 'filename="bptt-explorer-train-lag.html"' in r.headers["content-disposition"]
    frames = packed_frames(r.text)
    assert len(frames) == 3 and frames[0]["loss"]["layout"]["title"]["text"] == "每次更新的MSE"
    z = np.frombuffer(base64.b64decode(frames[0]["heat"]["data"][0]["z"]["bdata"]), dtype="<f4")
    assert z.size == 30 * 6  # 30 snapshots, k = 0..T at lag 5 (the adding task: T = L)
    bad = client.get("/export", params={"url": "/train?model=gru", "sliders": "reg_weight"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "sliders"
