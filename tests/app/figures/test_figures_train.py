"""The training lab's figures (app/figures/train.py): they hold the run's numbers, thin long runs to at most 1500
points a line, write the summary's numbers, speak Chinese, and the live stream carries exactly them."""

from __future__ import annotations

import base64
import json
import math
import urllib.request
from typing import Any

import numpy as np
import plotly.graph_objects as go
import pytest

import app.figures as figures_api
from app.figures import encode
from app.figures.style import ZMAX
from app.figures.train import facts, figures
from app.figures.train_run import MAX_POINTS, Record, record, thin
from app.figures.train_view import run_to_end
from core.training import TrainConfig

SHORT: dict[str, str | int] = {
    "model": "gru",
    "task": "recall",
    "lag": 6,
    "hidden": 8,
    "batch": 8,
    "iterations": 60,
    "seed": 2,
}


@pytest.fixture(scope="module")
def run() -> Record:
    start, updates, snapshots, done = run_to_end(TrainConfig(**SHORT))  # type: ignore[arg-type]
    return record(start, updates, snapshots, done)


def _f32(values: list[Any]) -> list[float]:
    return [float(v) for v in np.array([math.nan if v is None else v for v in values], dtype=np.float32)]


def _same(a: Any, b: list[float]) -> bool:
    return bool(np.array_equal(np.asarray(a, dtype=np.float32), np.asarray(b, dtype=np.float32), equal_nan=True))


def ema(values: list[float | None], total: int) -> list[float | None]:
    """The running mean written out once more: a = 2 / (max(5, round(total / 40)) + 1), gaps keep the last."""
    a, m, out = 2 / (max(5, round(total / 40)) + 1), None, []
    for v in values:
        if v is not None and math.isfinite(v):
            m = v if m is None else m + a * (v - m)
        out.append(m)
    return out


def test_the_loss_figure_holds_every_update_its_running_mean_and_the_held_out_score(run: Record) -> None:
    loss = figures(run)["loss"]
    names = [t["name"] for t in loss["data"]]
    assert names == ["cross-entropy, each minibatch", "running mean", "accuracy (running mean)", "held-out"]
    raw, mean, acc, held = loss["data"]
    assert list(raw["x"]) == list(range(1, 61))
    assert _same(raw["y"], _f32(run.columns["loss"]))
    assert _same(mean["y"], _f32(ema(run.columns["loss"], 60)))
    assert _same(acc["y"], _f32(ema(run.columns["accuracy"], 60)))
    assert held["y"][0] == pytest.approx(run.done["evaluation"]["loss"], rel=1e-6)  # type: ignore[index]
    layout = loss["layout"]
    assert layout["yaxis"]["type"] == "log" and layout["xaxis"]["range"] == [0, 60]
    assert layout["shapes"][0]["y0"] == pytest.approx(math.log(4))  # chance: ln 4
    assert layout["annotations"][0]["text"] == "chance: ln 4 = 1.39"
    assert layout["shapes"][-1]["yref"] == "y2" and layout["shapes"][-1]["y0"] == 0.25


def test_gradient_far_share_and_heatmap_hold_the_run(run: Record) -> None:
    figs = figures(run)
    line, clipped = figs["grad"]["data"][:2]
    assert _same(line["y"], _f32(run.columns["log10_grad_norm"]))
    cols = run.columns
    want = [s for s, c, b in zip(cols["step"], cols["clipped"], cols["nonfinite"], strict=True) if c and not b]
    assert list(clipped["x"]) == want
    assert figs["grad"]["layout"]["annotations"][0]["text"] == "v = 1"  # norm clipping at v = 1
    each, mean = figs["far"]["data"]
    assert _same(each["y"], _f32(run.columns["log10_far_share"]))
    assert _same(mean["y"], _f32(ema(run.columns["log10_far_share"], 60)))
    heat = figs["heat"]["data"][0]
    assert heat["z"].shape == (60, 8) and list(heat["y"]) == list(range(1, 61)) and heat["x0"] == 0
    row = run.snapshots[10]["log10_state_grad"]
    assert _same(heat["z"][10], [v - row[7] for v in row])
    assert np.all(heat["z"][:, -1] == 0)  # relative to k = T
    assert figs["heat"]["layout"]["annotations"][0]["text"] == "far (≥ 3 steps) ←"


def _synthetic(n: int, **start: Any) -> Record:
    """A run's record written by hand: n updates, every 7th clipped, update 5 an Inf/NaN gradient."""
    steps = list(range(1, n + 1))
    r = record(
        {
            "config": {"iterations": n, "task": "adding", "clip": "norm", "threshold": 0.5} | start,
            "steps": 3,
            "far_until": 1,
            "far_distance": 2,
            "loss_name": "MSE",
            "baseline_loss": 1 / 6,
            "near_only_loss": 1 / 12,
            "chance_accuracy": None,
        },
        {
            "step": steps,
            "loss": [1.0 / s for s in steps],
            "accuracy": None,
            "log10_grad_norm": [None if s == 5 else math.sin(s) for s in steps],
            "clipped": [s % 7 == 0 for s in steps],
            "random_step": [s == 5 for s in steps],
            "nonfinite": [s == 5 for s in steps],
            "log10_far_share": [-2.0] * n,
            "omega": [0.5] * n,
        },
        [
            {"step": 1, "finite": True, "log10_state_grad": [None, -3.0, -1.0, 0.5]},
            {"step": 2, "finite": False, "log10_state_grad": [1.0, None, None, None]},
        ],
    )
    return r


def test_long_runs_are_thinned_to_at_most_1500_points_the_last_one_kept() -> None:
    assert thin(0).size == 0 and list(thin(3)) == [0, 1, 2]
    assert list(thin(4001)[:3]) == [0, 3, 6] and thin(4001)[-1] == 4000 and len(thin(4001)) <= MAX_POINTS + 1
    r = _synthetic(4001)
    figs = figures(r)
    for name in ("loss", "grad", "far"):
        x = figs[name]["data"][0]["x"]
        assert len(x) == len(thin(4001)) and x[0] == 1 and x[-1] == 4001
    assert len(figs["far"]["data"]) == 3 and figs["far"]["data"][2]["name"] == "Ω"
    assert list(figs["grad"]["data"][1]["x"]) == [s for s in range(1, 4002, 3) if s % 7 == 0]


def test_inf_nan_gradients_zeros_and_blank_rows_are_drawn_as_the_page_did() -> None:
    r = _synthetic(20)
    figs = figures(r)
    bad = figs["grad"]["data"][2]
    assert bad["name"] == "Inf/NaN → random step" and list(bad["x"]) == [5]
    top = figs["grad"]["layout"]["yaxis"]["range"][1]
    assert bad["y"][0] < top
    z, zeros = (t["z"] for t in figs["heat"]["data"])
    assert np.array_equal(z[0], [np.nan, -3.5, -1.5, 0], equal_nan=True)
    assert zeros[0][0] == -ZMAX - 1 and np.isnan(zeros[0][1:]).all()  # an exact zero, at the bottom of the scale
    assert np.isnan(z[1]).all() and np.isnan(zeros[1]).all()  # Inf/NaN in the row: blank
    assert [a["text"] for a in figs["loss"]["layout"]["annotations"]] == [
        "always 1: 0.167",
        "near marker only: 0.083",
    ]
    assert figs["grad"]["layout"]["annotations"][0]["text"] == "v = 0.5"


def test_facts_are_the_summarys_numbers(run: Record) -> None:
    r = _synthetic(20)
    f = facts(r)
    assert f["updates"] == 20 and f["last_step"] == 20 and f["clipped"] == 2 and f["nonfinite"] == 1
    assert f["log10_grad_max"] == pytest.approx(max(math.sin(s) for s in range(1, 21) if s != 5))
    assert f["far_mean"] == pytest.approx(-2.0) and f["reason"] is None
    done = facts(run)
    assert done["reason"] == "finished" and done["evaluation"] == run.done["evaluation"]  # type: ignore[index]
    assert done["loss_mean"] == pytest.approx(ema(run.columns["loss"], 60)[-1])
    assert facts(record(run.start))["loss_mean"] is None


def test_chinese_titles_and_legends_come_from_the_catalogue(run: Record) -> None:
    figs = figures(run, "zh")
    assert figs["loss"]["layout"]["title"]["text"] == "每次更新的交叉熵"
    assert figs["grad"]["layout"]["title"]["text"] == "每次更新的梯度范数"
    assert figs["loss"]["data"][1]["name"] != "running mean"
    assert "←" in figs["heat"]["layout"]["annotations"][0]["text"]


def test_notebooks_get_plotly_figures_of_a_whole_run() -> None:
    figs = figures_api.train(SHORT)
    assert list(figs) == ["loss", "grad", "heat", "far"] and all(isinstance(f, go.Figure) for f in figs.values())
    assert len(figs["loss"].data[0]["y"]) == 60
    with pytest.raises(figures_api.ParamError, match="lag"):
        figures_api.train({"lag": 1})


def _decoded(node: Any) -> Any:
    if isinstance(node, dict) and set(node) >= {"dtype", "bdata"}:
        a = np.frombuffer(base64.b64decode(node["bdata"]), dtype="<f4")
        return a.reshape([int(n) for n in node["shape"].split(",")]) if "shape" in node else a
    if isinstance(node, dict):
        return {k: _decoded(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_decoded(v) for v in node]
    return node


def test_the_stream_carries_the_figures_of_its_record_in_the_asked_language(live_server: str) -> None:
    query = "&".join(f"{k}={v}" for k, v in SHORT.items())
    req = urllib.request.Request(f"{live_server}/api/v1/train?{query}", headers={"Accept-Language": "zh"})
    events: list[tuple[str, dict[str, Any]]] = []
    with urllib.request.urlopen(req, timeout=120) as resp:
        name = ""
        for raw in resp:
            line = raw.decode().strip()
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                events.append((name, json.loads(line[5:])))
    start, done = events[0][1], events[-1][1]
    assert events[-1][0] == "done" and set(done["figures"]) == {"loss", "grad", "heat", "far"}
    r = record(start)
    r.live = True  # the stream's figures say they are of a live run
    for _, d in events[1:-1]:
        r.extend(d["updates"], d["snapshots"])
        if "figures" in d:  # what was drawn so far, as app.figures.train draws it
            assert d["figures"] == encode(figures(r, "zh", tuple(d["figures"])))
            assert d["facts"] == json.loads(json.dumps(facts(r)))
    r.done = {k: v for k, v in done.items() if k not in ("figures", "facts")}
    assert done["figures"] == encode(figures(r, "zh"))
    seed = start["config"]["seed"]
    assert _decoded(done["figures"])["loss"]["layout"]["title"]["text"] == f"每次更新的交叉熵 · 实时训练，种子 {seed}"
    assert done["facts"]["updates"] == 60


def test_the_right_axes_make_room_for_their_ticks_and_the_chance_label_sits_under_its_line(run: Record) -> None:
    """Presenter mode draws the text at 24 px: a second y axis takes the margin its ticks and title need, and the
    chance line's name (near the top, where a learned run's accuracy reaches 100 %) sits under the line."""
    loss = figures(run)["loss"]["layout"]
    assert loss["yaxis2"]["automargin"] is True and loss["margin"]["r"] >= 70
    chance = loss["annotations"][0]
    assert chance["yanchor"] == "top" and chance["bgcolor"].startswith("rgba(255,255,255")
    adding = _synthetic(40)
    assert [a["yanchor"] for a in figures(adding)["loss"]["layout"]["annotations"]] == ["bottom", "top"]
    assert "yaxis2" not in figures(adding)["loss"]["layout"]


def test_a_live_run_says_so_and_its_seed_in_the_loss_title(run: Record) -> None:
    assert figures(run)["loss"]["layout"]["title"]["text"] == "cross-entropy per update"
    live = record(run.start, None, None, run.done)
    live.live = True
    assert figures(live)["loss"]["layout"]["title"]["text"] == "cross-entropy per update · live run, seed 2"
    assert figures(live, "zh")["loss"]["layout"]["title"]["text"].endswith("实时训练，种子 2")


def test_a_loss_within_a_decade_gets_ticks_in_plain_digits() -> None:
    """A tanh RNN stuck near the baseline (C16): loss between 0.05 and 0.3. Ticks at 0.1, 0.2, 0.5 in plain
    digits, not Plotly's small "2" and "5" between powers of ten."""
    r = _synthetic(40)
    r.columns["loss"] = [0.12 + 0.1 * (i % 3) for i in range(40)]
    axis = figures(r)["loss"]["layout"]["yaxis"]
    assert "dtick" not in axis
    ticks = {round(v, 12): text for v, text in zip(axis["tickvals"], axis["ticktext"], strict=True)}
    assert (ticks[0.1], ticks[0.2], ticks[0.5]) == ("0.1", "0.2", "0.5")
    assert figures(_synthetic(40))["loss"]["layout"]["yaxis"]["dtick"] == 1  # many decades: powers of ten
