"""The feed-forward view's figures (app/figures/feedforward.py): the numbers of GET /api/v1/feedforward in the
figures its page draws, the facts it writes beside them, Chinese texts, and 422s naming the field."""

from __future__ import annotations

import base64
from typing import Any

import numpy as np
import plotly.graph_objects as go
import pytest
from fastapi.testclient import TestClient

from app.contract.language import translate
from app.figures import ParamError, encode, feedforward, feedforward_dicts, views
from app.figures.feedforward import SHARE_MIN, percent, precision
from app.main import create_app
from app.service.settings import Settings

STATES = [
    {},
    {"activation": "sigmoid", "init": "xavier", "layers": "30"},
    {"activation": "relu", "init": "normal", "layers": "12", "width": "16"},
    {"activation": "leaky_relu", "init": "he", "batch_norm": "true", "batch": "8"},
    {"activation": "linear", "init": "orthogonal", "layers": "5", "input_scale": "0.3"},
    {"activation": "tanh", "init": "small", "layers": "3", "seed": "7"},
]


def log10s(values: list[float | None]) -> np.ndarray:
    """The API's log10 values (null: an exact zero) as the figures hold them: float32, a gap for zero."""
    return np.array([np.nan if v is None else v for v in values], dtype=np.float32)


def same(a: Any, b: np.ndarray) -> None:
    np.testing.assert_array_equal(np.asarray(a, dtype=np.float32), b)


@pytest.mark.parametrize("params", STATES)
def test_the_figures_hold_the_numbers_of_the_api(client: TestClient, params: dict[str, str]) -> None:
    d = client.get("/api/v1/feedforward", params=params).json()
    figs = feedforward_dicts(params)
    L = d["config"]["layers"]
    w, h, rms = figs["grads"]["data"]
    same(w["y"], log10s(d["log10_grad_w"]))
    same(h["y"], log10s(d["log10_grad_h"]))
    same(rms["y"], log10s(d["log10_rms_h"]))
    same(w["x"], np.arange(1, L + 1, dtype=np.float32))  # dE/dW_l for l = 1..L
    same(h["x"], np.arange(0, L + 1, dtype=np.float32))  # l = 0 is the input
    assert [t["name"] for t in (w, h, rms)] == ["‖∂E/∂W_l‖", "‖∂E/∂h_l‖", "RMS of h_l"]
    assert figs["grads"]["layout"]["xaxis"]["range"] == [-0.5, L + 0.5]

    (heat,) = figs["hist"]["data"]
    p = d["preactivations"]
    counts = np.array([[b, *row, a] for row, b, a in zip(p["counts"], p["below"], p["above"], strict=True)])
    with np.errstate(divide="ignore"):
        want = np.where(counts > 0, np.maximum(np.log10(counts / p["total"]), SHARE_MIN), np.nan)
    same(heat["z"], want.astype(np.float32))
    assert np.asarray(heat["z"]).shape == (L, 42)
    same(heat["y"], np.arange(1, L + 1, dtype=np.float32))
    i, k = L - 1, 21  # the last layer's values in [0, 0.5)
    share = percent(counts[i, k] / p["total"])
    assert heat["text"][i][k] == f"layer {L}, 0 ≤ a < 0.5: {counts[i, k]} ({share})"
    assert heat["text"][0][0].startswith("layer 1, a < -10: ") and heat["text"][0][41].startswith("layer 1, a ≥ 10: ")

    flat, dead = figs["dead"]["data"]
    same(flat["y"], np.array(d["saturated_fraction"], dtype=np.float32))
    same(dead["y"], np.array(d["dead_fraction"], dtype=np.float32))
    same(dead["x"], np.arange(1, L + 1, dtype=np.float32))


@pytest.mark.parametrize("params", STATES[:4])
def test_facts_are_the_numbers_the_page_writes(client: TestClient, params: dict[str, str]) -> None:
    d = client.get("/api/v1/feedforward", params=params).json()
    body = client.get("/api/v1/figures/feedforward", params=params).json()
    assert body["facts"] == {
        "summary": d["summary"],
        "layers": d["config"]["layers"],
        "flat_beyond": d["preactivations"]["flat_beyond"],
    }
    assert body["names"] == ["grads", "hist", "dead"]
    assert body["figures"] == encode(views.dicts("feedforward", views.queries("feedforward", params)))
    w = body["figures"]["grads"]["data"][0]["y"]
    got = np.frombuffer(base64.b64decode(w["bdata"]), dtype="<f4")
    np.testing.assert_array_equal(got, log10s(d["log10_grad_w"]))


def test_the_flat_region_is_marked_for_each_activation() -> None:
    tanh = feedforward_dicts({"activation": "tanh"})["hist"]["layout"]
    limit = views.get("feedforward").build(views.queries("feedforward", {}), "en").facts["flat_beyond"]
    assert 3 < limit < 5  # tanh' < 1e-3 beyond |a| ~ 4.1
    assert [a["text"] for a in tanh["annotations"]] == ["← saturated", "saturated →"]
    assert [s["x0"] for s in tanh["shapes"]] == [0.5, 40.5, 2 * (10 - limit) + 0.5, 2 * (10 + limit) + 0.5]
    relu = feedforward_dicts({"activation": "relu", "init": "normal"})
    assert [a["text"] for a in relu["hist"]["layout"]["annotations"]] == ["← φ′ = 0"]
    assert relu["hist"]["layout"]["shapes"][-1]["x0"] == 20.5  # a = 0
    assert [t["name"] for t in relu["dead"]["data"]] == ["a ≤ 0 (φ′ = 0), per input", "dead: a ≤ 0 for every input"]
    leaky = feedforward_dicts({"activation": "leaky_relu"})
    assert leaky["hist"]["layout"]["annotations"][0]["text"] == "← φ′ = 0.01"
    assert leaky["dead"]["data"][1]["name"] == "a ≤ 0 for every input"
    linear = feedforward_dicts({"activation": "linear"})
    assert linear["dead"]["layout"]["title"]["text"] == "Flat units per layer (linear: never)"
    assert [a["text"] for a in linear["dead"]["layout"]["annotations"]] == ["no flat units in any layer"]
    assert linear["hist"]["layout"]["annotations"] == [] and len(linear["hist"]["layout"]["shapes"]) == 2


def test_chinese_titles_legends_and_hover() -> None:
    figs = feedforward_dicts({"activation": "relu", "init": "normal", "layers": "4"}, lang="zh")
    titles = {name: f["layout"]["title"]["text"] for name, f in figs.items()}
    assert titles == {"grads": "各层的梯度范数", "hist": "各层的预激活值 a_l", "dead": "各层的平坦单元与死亡单元"}
    assert figs["grads"]["layout"]["xaxis"]["title"]["text"] == "层 l（0 为输入）"
    assert figs["grads"]["data"][2]["name"] == "h_l 的均方根"
    assert figs["grads"]["data"][0]["hovertemplate"] == "‖∂E/∂W_l‖<br>第 %{x} 层：10<sup>%{y:.2f}</sup><extra></extra>"
    assert figs["hist"]["data"][0]["text"][3][0].startswith("第 4 层，a < -10：")
    assert (
        figs["dead"]["data"][1]["name"]
        == translate("zh", "dead: a ≤ 0 for every input")
        != "dead: a ≤ 0 for every input"
    )
    assert figs["dead"]["layout"]["yaxis"]["title"]["text"] == "单元占比"


def test_shares_are_written_as_the_page_writes_them() -> None:
    """JavaScript's toPrecision: fixed notation, ties rounded up, a carry adding a digit before the point."""
    assert precision(0.125, 2) == "0.13" and precision(9.996, 3) == "10.0" and precision(99.996, 3) == "100"
    assert precision(0.0015258789, 2) == "0.0015" and precision(39.208984375, 3) == "39.2"
    assert [percent(v) for v in (0, 1 / 64, 0.5, 1, 0.099999)] == ["0 %", "1.6 %", "50.0 %", "100 %", "10 %"]


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"layers": "101"}, "layers", "1..100"),
        ({"width": "0"}, "width", "1..256"),
        ({"init": "bogus"}, "init", "xavier"),
        ({"batch_norm": "maybe"}, "batch_norm", "batch_norm"),
        ({"depth": "3"}, "depth", "unknown parameter 'depth'"),
    ],
)
def test_bad_settings_are_422s_naming_the_field(
    client: TestClient, params: dict[str, str], field: str, message: str
) -> None:
    r = client.get("/api/v1/figures/feedforward", params=params)
    assert r.status_code == 422
    detail = r.json()["detail"][0]
    assert detail["field"] == field and message in detail["message"]
    with pytest.raises(ParamError) as err:
        feedforward(params)
    assert err.value.detail[0]["field"] == field


def test_a_request_over_the_budget_is_refused_naming_what_to_lower() -> None:
    with TestClient(create_app(Settings(max_request_seconds=0.1))) as c:
        r = c.get("/api/v1/figures/feedforward", params={"layers": "100", "width": "256", "batch": "256"})
    assert r.status_code == 422
    detail = r.json()["detail"][0]
    assert detail["field"] == "layers" and "lower layers to" in detail["message"]


def test_notebook_figures_are_valid_plotly_figures() -> None:
    figs = feedforward({"activation": "sigmoid", "layers": 8}, lang="zh")
    assert list(figs) == ["grads", "hist", "dead"] and all(isinstance(f, go.Figure) for f in figs.values())
    assert figs["hist"].layout.title.text == "各层的预激活值 a_l"
    assert len(figs["grads"].data[0]["y"]) == 8
