"""The cliff view's figures (app.figures.cliff): they hold the numbers of GET /api/v1/cliff and
/api/v1/cliff/descent, the page's two answers make the export's figures, the facts are the API's numbers,
titles follow the language, and bad settings are 422s naming the field."""

from __future__ import annotations

import base64
import math
from typing import Any

import numpy as np
import plotly.graph_objects as go
import pytest
from fastapi.testclient import TestClient

from app.figures import cliff, cliff_dicts
from app.figures.cliff import overlay
from tests.app.endpoints.test_cliff_api import CLIFF_START

# A small window around the wall and a short run: quick to compute, the wall and all three runs inside.
SMALL = {"w_center": 5, "w_range": 1, "b_center": -2.6, "b_range": 0.6, "resolution": 31, "iterations": 30}
STATE = {**{k: str(v) for k, v in CLIFF_START.items()}, **{k: str(v) for k, v in SMALL.items()}}
GRID = ("w_center", "w_range", "b_center", "b_range", "resolution", "steps")
DESCENT = ("w0", "b0", "lr", "threshold", "iterations", "steps", "seed")


def _typed(d: Any) -> np.ndarray:
    """A typed array of the JSON answer as float32 (2-D with its shape)."""
    assert d["dtype"] == "f4"
    a = np.frombuffer(base64.b64decode(d["bdata"]), dtype="<f4")
    return a.reshape([int(n) for n in d["shape"].split(",")]) if "shape" in d else a


def _f32(values: Any) -> np.ndarray:
    """JSON numbers as the page's float32 (null: an exact zero, -inf)."""
    return np.array([[-np.inf if v is None else v for v in row] for row in values], dtype=np.float32)


def _only(keys: tuple[str, ...]) -> dict[str, str]:
    return {k: v for k, v in STATE.items() if k in keys}


@pytest.fixture(scope="module")
def answers(client: TestClient) -> dict[str, Any]:
    """The data API's two answers and the figures API's three views for STATE."""
    out = {
        "surface": client.get("/api/v1/cliff", params=_only(GRID)).json(),
        "descent": client.get("/api/v1/cliff/descent", params=_only(DESCENT)).json(),
        "cliff": client.get("/api/v1/figures/cliff", params=STATE).json(),
        "cliff_surface": client.get("/api/v1/figures/cliff_surface", params=_only(GRID)).json(),
        "runs": client.get("/api/v1/figures/descent", params=_only(DESCENT)).json(),
    }
    return out


def test_the_surfaces_hold_the_grid_and_the_wall(answers: dict[str, Any]) -> None:
    s, figs = answers["surface"], answers["cliff"]["figures"]
    assert answers["cliff"]["names"] == ["loss", "grad", "curves", "steps"]
    loss, grad = figs["loss"]["data"][0], figs["grad"]["data"][0]
    assert loss["type"] == grad["type"] == "heatmap"
    for heat in (loss, grad):
        assert np.array_equal(_typed(heat["x"]), np.float32(s["w"]))
        assert np.array_equal(_typed(heat["y"]), np.float32(s["b"]))
    assert np.array_equal(_typed(loss["z"]), _f32(s["loss"]))
    assert (loss["zmin"], loss["zmax"], grad["zmin"], grad["zmax"]) == (0, 0.49, -10, 10)
    norm = _f32(s["log10_norm"])
    norm[np.isneginf(norm)] = -11  # an exactly zero gradient takes the bottom colour
    assert np.array_equal(_typed(grad["z"]), norm)
    for name in ("loss", "grad"):
        on_map = [t for t in figs[name]["data"] if "xaxis" not in t]  # not the zoom around the start
        walls = [t for t in on_map if t.get("line", {}).get("dash") == "dot" and "meta" not in t]
        assert len(walls) == len(s["wall"]) == 1
        for trace, branch in zip(walls, s["wall"], strict=True):
            assert np.array_equal(_typed(trace["x"]), np.float32(branch["w"]))
            assert np.array_equal(_typed(trace["y"]), np.float32(branch["b"]))
            assert np.array_equal(_typed(trace["customdata"]), np.float32(branch["log10_norm"]))
    window = figs["loss"]["layout"]
    assert window["xaxis"]["range"] == [4, 6] and window["yaxis"]["range"] == pytest.approx([-3.2, -2.0])


def test_the_runs_hold_the_descents(answers: dict[str, Any]) -> None:
    d, figs = answers["descent"], answers["cliff"]["figures"]
    methods = [r["method"] for r in d["runs"]]
    for name in ("loss", "grad"):
        paths = [t for t in figs[name]["data"] if "meta" in t]
        assert [t["meta"] for t in paths] == methods == ["none", "norm", "value"]
        for trace, run in zip(paths, d["runs"], strict=True):
            assert trace["x"] == run["w"] and trace["y"] == run["b"]  # float64: the start is 3e-4 from the wall
            assert trace["showlegend"] == (name == "loss")
            custom = _typed(trace["customdata"])
            norm = [-math.inf if v is None else v for v in run["log10_norm"]]
            assert np.array_equal(custom, np.float32(np.column_stack([range(len(run["w"])), run["loss"], norm])))
        star = figs[name]["data"][-1]
        assert (star["x"], star["y"], star["marker"]["symbol"]) == ([4.75], [-2.457], "star")
    curves = figs["curves"]["data"]
    steps = [t for t in figs["steps"]["data"] if t.get("meta") != "overlay"]
    for curve, step, run in zip(curves, steps, d["runs"], strict=True):
        assert np.array_equal(_typed(curve["y"]), np.float32(run["loss"]))
        lengths = np.array([np.nan if v is None else v for v in run["log10_step"]], dtype=np.float32)
        assert np.array_equal(_typed(step["y"]), lengths, equal_nan=True)
        assert np.array_equal(_typed(step["x"]), np.arange(1, lengths.size + 1, dtype=np.float32))
    cap = figs["steps"]["data"][-1]
    assert cap["name"] == "lr·v" and _typed(cap["y"]).tolist() == [np.float32(np.log10(d["max_clipped_step"]))] * 2
    # The plain run's first step is the leap off the cliff: orders of magnitude above lr·v.
    assert _typed(steps[0]["y"])[0] > math.log10(d["max_clipped_step"]) + 2


def test_the_page_s_two_views_make_the_whole(answers: dict[str, Any]) -> None:
    """The page draws /figures/cliff_surface with /figures/descent over it: the same figures as /figures/cliff."""
    whole, part, runs = answers["cliff"]["figures"], answers["cliff_surface"]["figures"], answers["runs"]["figures"]
    assert answers["cliff_surface"]["names"] == ["loss", "grad"]
    for name in ("loss", "grad"):
        assert overlay(part[name], runs[name]) == whole[name]
    assert runs["curves"] == whole["curves"] and runs["steps"] == whole["steps"]
    # The runs' legend and their zoom around the start, laid over the surface's layout.
    assert runs["loss"]["layout"]["legend"] == whole["loss"]["layout"]["legend"]
    assert set(runs["loss"]["layout"]) == {"legend", "xaxis2", "yaxis2", "shapes", "annotations"}


def test_facts_are_the_api_s_numbers(answers: dict[str, Any], client: TestClient) -> None:
    facts, s, d = answers["cliff"]["facts"], answers["surface"], answers["descent"]
    assert facts["summary"] == s["summary"] == answers["cliff_surface"]["facts"]["summary"]
    assert facts["max_clipped_step"] == d["max_clipped_step"] and facts["iterations"] == 30
    for fact, run in zip(facts["runs"], d["runs"], strict=True):
        moved = [v for v in run["log10_step"] if v is not None]
        assert fact == {
            "method": run["method"],
            "loss": run["loss"][-1],
            "longest_log10_step": max(moved) if moved else None,
            "steps": len(run["clipped"]),
            "clipped": sum(run["clipped"]),
            "random": sum(run["random"]),
            "stopped": run["stopped"],
        }
    assert answers["runs"]["facts"] == {k: v for k, v in facts.items() if k not in ("summary", "thrown_at")}
    assert facts["thrown_at"] == 1  # the plain run leaves the window at its first step
    calm = client.get("/api/v1/figures/cliff", params={"w0": -5, "b0": 5, "iterations": 10, "resolution": 11})
    assert calm.json()["facts"]["thrown_at"] is None  # far from the wall it stays on the map


def test_titles_and_names_follow_the_language(client: TestClient) -> None:
    zh = client.get("/api/v1/figures/cliff", params={"resolution": 11, "iterations": 5, "lang": "zh"}).json()
    titles = {name: f["layout"]["title"]["text"] for name, f in zh["figures"].items()}
    assert titles == {
        "loss": "误差 E 随 (w, b) 的变化，T = 50",
        "grad": "梯度范数 ‖∇E‖：峭壁",
        "curves": "每次迭代的 E",
        "steps": "每一步的长度",
    }
    names = [t["name"] for t in zh["figures"]["curves"]["data"]]
    assert names == ["不裁剪", "按范数裁剪", "逐元素裁剪"]
    paths = [t for t in zh["figures"]["loss"]["data"] if "meta" in t]
    assert paths[0]["hovertemplate"].startswith("不裁剪，第 %{customdata[0]} 步")
    assert zh["figures"]["loss"]["data"][-1]["name"] == "起点 (w₀, b₀)"


def test_the_notebook_function_gives_plotly_figures() -> None:
    figs = cliff({"threshold": 0.3, "resolution": 11, "iterations": 5})
    assert list(figs) == ["loss", "grad", "curves", "steps"]
    assert all(isinstance(f, go.Figure) for f in figs.values())
    dicts = cliff_dicts({"threshold": 0.3, "resolution": 11, "iterations": 5})
    plain = figs["loss"].data[3]
    assert isinstance(plain, go.Scatter) and plain.meta == "none"
    assert list(plain.x) == dicts["loss"]["data"][3]["x"]  # float64
    assert figs["steps"].layout.title.text == "Length of each step"


@pytest.mark.parametrize(
    ("url", "field", "message"),
    [
        ("/api/v1/figures/cliff?threshold=20", "threshold", "threshold must be a number in 0.01..10 (got '20')"),
        ("/api/v1/figures/cliff?resolution=3", "resolution", "resolution must be an integer in 11..201"),
        ("/api/v1/figures/cliff?wings=1", "wings", "unknown parameter 'wings'"),
        ("/api/v1/figures/cliff?format=compact", "format", "unknown parameter 'format'"),
        ("/api/v1/figures/cliff_surface?w0=1", "w0", "unknown parameter 'w0'; known parameters: w_center"),
        ("/api/v1/figures/cliff_surface?b_range=0", "b_range", "b_range must be a number in 0.01..50"),
        ("/api/v1/figures/descent?resolution=50", "resolution", "unknown parameter 'resolution'"),
        ("/api/v1/figures/descent?iterations=0", "iterations", "iterations must be an integer in 1..500"),
        ("/api/v1/figures/descent?b0=-101", "b0", "b0 must be a number in -100..100"),
    ],
)
def test_bad_settings_name_their_field(client: TestClient, url: str, field: str, message: str) -> None:
    r = client.get(url)
    assert r.status_code == 422, r.text
    d = r.json()["detail"][0]
    assert d["field"] == field and message in d["message"]


def _zoom(params: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list[Any]], dict[str, list[Any]]]:
    """The loss figure's layout, and each run's points on the map and in the zoom, by name."""
    fig = cliff_dicts({"resolution": 11, "iterations": 100} | params)["loss"]
    runs = [t for t in fig["data"] if t.get("mode") == "lines+markers"]
    on_map = {t["name"]: [t["x"], t["y"]] for t in runs if "xaxis" not in t}
    zoom = {t["name"]: [t["x"], t["y"]] for t in runs if t.get("xaxis") == "x2"}
    return fig["layout"], on_map, zoom


@pytest.mark.parametrize("story", [{"threshold": 1}, {"threshold": 0.3}])
def test_the_zoom_shows_the_clipped_runs_at_a_scale_of_their_own(story: dict[str, Any]) -> None:
    """C7/C8: on the map of w, b in [-10, 10] the clipped runs take a few per cent of the width; the zoom around the
    start holds every point of theirs and spreads them over most of its width, with the same numbers."""
    layout, on_map, zoom = _zoom({"w0": 4.75, "b0": -2.457, "lr": 1} | story)
    assert zoom == on_map  # the same runs, float64
    (w0, w1), (b0, b1) = layout["xaxis2"]["range"], layout["yaxis2"]["range"]
    assert layout["xaxis2"]["domain"][0] > layout["xaxis"]["domain"][1]  # beside the map, not over it
    loss = cliff_dicts({"resolution": 11, "iterations": 100, "w0": 4.75, "b0": -2.457, "lr": 1} | story)["loss"]
    (frame,) = [t for t in loss["data"] if "xaxis" not in t and t.get("name") == "around the start"]
    assert (min(frame["x"]), max(frame["x"]), min(frame["y"]), max(frame["y"])) == (w0, w1, b0, b1)  # on the map
    for name in ("norm clipping", "element-wise clipping"):
        ws, bs = np.array(zoom[name][0]), np.array(zoom[name][1])
        assert w0 <= ws.min() and ws.max() <= w1 and b0 <= bs.min() and bs.max() <= b1
    clipped = np.concatenate([zoom[n][0] for n in ("norm clipping", "element-wise clipping")])
    span = max(
        np.ptp(clipped), np.ptp(np.concatenate([zoom[n][1] for n in ("norm clipping", "element-wise clipping")]))
    )
    assert span / 20 < 0.15  # on the map: under 15 % of the window
    assert span / (w1 - w0) > 0.8  # in the zoom: most of it


def test_lr_and_v_change_what_the_zoom_shows() -> None:
    base = {"w0": 4.75, "b0": -2.457, "lr": 1, "threshold": 1}
    layout, _, zoom = _zoom(base)
    for change in ({"threshold": 0.3}, {"lr": 0.3}):
        other_layout, _, other = _zoom(base | change)
        assert other["norm clipping"] != zoom["norm clipping"]
        # The steps are at most lr·v: at 0.3 the norm-clipped run's steps are shorter on the same kind of window.
        steps = np.hypot(*np.diff(np.array(other["norm clipping"]), axis=1))
        assert steps.max() <= 0.3 * 1.000001
        assert other_layout["xaxis2"]["range"] != layout["xaxis2"]["range"]
