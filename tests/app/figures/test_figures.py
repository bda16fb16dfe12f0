"""app.figures: the recurrent view's figures hold the API's numbers, name their steps, and serialize."""

import base64
import json
from typing import Any

import numpy as np
import plotly.graph_objects as go
import pytest
from fastapi.testclient import TestClient

from app.figures import ParamError, encode, recurrent, recurrent_dicts, scalar, scalar_dicts
from app.figures.style import ZMAX

CASES = [
    ("rnn", {"scale": "1.5", "steps": "60", "hidden": "24"}),
    ("rnn", {"activation": "relu", "init": "identity", "steps": "30"}),
    ("lstm", {"forget_bias": "3", "steps": "40", "peephole": "true"}),
    ("gru", {"update_bias": "-2", "steps": "140"}),  # over 128 steps: sampled columns
]


def typed(d: dict[str, Any]) -> np.ndarray:
    """A Plotly base64 typed array of the compact answer."""
    assert d["dtype"] == "f4"
    return np.frombuffer(base64.b64decode(d["bdata"]), dtype="<f4").reshape(d["shape"])


def same(fig_values: np.ndarray, api_values: np.ndarray) -> None:
    """Equal as float32; exact zeros (-inf) are gaps (NaN) in a figure's line."""
    api = np.where(np.isneginf(api_values), np.nan, api_values)
    np.testing.assert_array_equal(np.asarray(fig_values, dtype=np.float32), api)


@pytest.mark.parametrize(("model", "params"), CASES)
def test_figures_hold_the_api_numbers(client: TestClient, model: str, params: dict[str, str]) -> None:
    body = client.get(f"/api/v1/{model}", params=params | {"format": "compact"}).json()
    figs = recurrent_dicts(model, params)
    decay = figs["decay"]["data"]
    same(decay[0]["y"], typed(body["decay"]["log10_norm"]))
    if model == "rnn":
        same(decay[1]["y"], typed(body["bound"]["log10"]))
        same(decay[2]["y"], typed(body["theory"]["rho_log10"]))
        mf = body["theory"]["mean_field"]
        assert len(decay) == (4 if mf["applies"] else 3)
        if mf["applies"]:
            same(decay[3]["y"], typed(mf["log10"]))
    else:
        path = body["cell_path" if model == "lstm" else "carry_path"]
        same(decay[1]["y"], typed(path["reference_log10"]))
        lines = figs["cell" if model == "lstm" else "carry"]["data"]
        same(lines[1]["y"], typed(path["log10_norm"]))
        same(lines[2]["y"], typed(body["decay"]["log10_norm"]))
        per_unit = typed(path["log10_per_unit"])
        rows = len(path["i"])
        bundle_y = np.asarray(lines[0]["y"]).reshape(rows, len(path["k"]) + 1)
        same(bundle_y[:, :-1], per_unit)
        assert np.isnan(bundle_y[:, -1]).all()  # one gap between units
    for name, key, rows_key, cols_key in [("pairs", "log10_norm", "t", "k"), ("units", "log10_abs", "i", "k")]:
        heat = figs[name]["data"][0]
        api = typed(body[name][key])
        np.testing.assert_array_equal(heat["z"], np.where(np.isneginf(api), np.nan, api))
        # Cells on a uniform grid whose rounded positions are the sampled steps (what the hover shows).
        for axis, steps in (("x", body[name][cols_key]), ("y", body[name][rows_key])):
            at = np.floor(heat[f"{axis}0"] + heat[f"d{axis}"] * np.arange(len(steps)) + 0.5)
            assert at.tolist() == steps


def test_hover_and_scale_follow_the_page() -> None:
    figs = recurrent_dicts("rnn", {})
    heat = figs["pairs"]["data"][0]
    assert (heat["zmin"], heat["zmax"]) == (-10, 10)
    assert heat["colorscale"][5] == [0.5, "#f7f7f7"]  # white at 10^0
    assert heat["hovertemplate"].startswith("k %{x:.0f}, t %{y:.0f}: 10<sup>%{z:.2f}</sup>")
    assert "text" not in heat  # no per-cell strings
    assert figs["decay"]["data"][0]["line"]["color"] == "#0072B2"
    assert figs["decay"]["layout"]["title"]["text"] == "Gradient reaching step k from step T"


def test_exact_zeros_hover_as_zero() -> None:
    """A dead relu unit's gradient is exactly 0: drawn in the bottom colour by a trace whose hover says 0."""
    figs = recurrent_dicts("rnn", {"activation": "relu", "scale": "0.2", "bias": "-3", "steps": "20"})
    main, zeros = figs["units"]["data"]
    assert np.isnan(main["z"]).any() and np.isnan(zeros["z"]).sum() == (~np.isnan(main["z"])).sum()
    assert set(zeros["z"][~np.isnan(zeros["z"])].tolist()) == {-ZMAX - 1}
    assert zeros["hovertemplate"].endswith(": 0<extra></extra>") and zeros["showscale"] is False


def test_chinese_titles_come_from_the_catalogue() -> None:
    figs = recurrent("lstm", {"steps": 20}, lang="zh")
    assert figs["decay"].layout.title.text == "从第 T 步传回第 k 步的梯度"
    assert figs["decay"].layout.xaxis.title.text == "源时间步 k"
    assert figs["cell"].layout.title.text == "LSTM：细胞状态路径与全部路径"


def test_figures_serialize_with_typed_arrays() -> None:
    figs = recurrent("gru", {"steps": 30})
    assert set(figs) == {"decay", "pairs", "units", "carry"}
    for fig in figs.values():
        assert isinstance(fig, go.Figure)
        text = fig.to_json()
        assert '"bdata"' in text
        assert go.Figure(json.loads(text)).to_dict()["data"][0]["type"] in {"scatter", "heatmap"}
    # The plain dicts encode to the same JSON shape the page would receive.
    encoded = json.loads(json.dumps(encode(recurrent_dicts("gru", {"steps": 30}))))
    assert encoded["pairs"]["data"][0]["z"]["shape"] == "31, 31"  # the form plotly.js accepts


@pytest.mark.parametrize(
    ("model", "params", "field", "message"),
    [
        ("rnn", {"scale": 11}, "scale", "scale must be a number in 0..10 (got 11)"),
        ("lstm", {"steps": "0"}, "steps", "steps must be an integer in 1..1000 (got '0')"),
        ("gru", {"forget_bias": 1}, "forget_bias", "unknown parameter 'forget_bias'"),
        ("cnn", {}, "model", "model must be one of: rnn, lstm, gru"),
    ],
)
def test_bad_parameters_get_the_api_message(model: str, params: dict[str, Any], field: str, message: str) -> None:
    with pytest.raises(ParamError, match=message.replace("(", r"\(").replace(")", r"\)")) as err:
        recurrent(model, params)
    assert err.value.detail[0]["field"] == field


def test_compare_shows_each_model_as_alone() -> None:
    """`compare` gives each model its own fields and draws the same numbers as each model alone."""
    params = {"scale": "1.2", "steps": "30", "activation": "relu", "forget_bias": "2", "update_bias": "0"}
    both = recurrent_dicts("compare", params)
    decay = both["decay"]["data"]
    for m, own in [
        ("rnn", {"scale": "1.2", "steps": "30", "activation": "relu"}),
        ("lstm", {"scale": "1.2", "steps": "30", "forget_bias": "2"}),
        ("gru", {"scale": "1.2", "steps": "30", "update_bias": "0"}),
    ]:
        alone = recurrent_dicts(m, own)
        main = next(t for t in decay if t["name"] == alone["decay"]["data"][0]["name"])
        np.testing.assert_array_equal(main["y"], alone["decay"]["data"][0]["y"])
        np.testing.assert_array_equal(both[f"pairs_{m}"]["data"][0]["z"], alone["pairs"]["data"][0]["z"])
        np.testing.assert_array_equal(both[f"units_{m}"]["data"][0]["z"], alone["units"]["data"][0]["z"])
        assert both[f"pairs_{m}"]["layout"]["title"]["text"] == {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}[m]
    assert [both[f"pairs_{m}"]["data"][0]["showscale"] for m in ("rnn", "lstm", "gru")] == [False, False, True]
    with pytest.raises(ParamError, match="unknown parameter 'wings'"):
        recurrent_dicts("compare", {"wings": 2})


@pytest.mark.parametrize(
    "params",
    [
        {"activation": "sigmoid", "weight": "3.9", "steps": "100"},
        {"activation": "linear", "weight": "1.5", "steps": "1000", "h0": "1"},  # a_t leaves float64: counted
        {"activation": "relu", "weight": "-0.8", "input_scale": "1", "eps": "0.05", "horizon": "100"},
    ],
)
def test_scalar_figures_hold_the_api_numbers(client: TestClient, params: dict[str, str]) -> None:
    body = client.get("/api/v1/scalar", params=params).json()
    figs = scalar_dicts(params)

    def api(key: str) -> np.ndarray:
        return np.array([np.nan if v is None else v for v in body[key]], dtype=np.float32)

    running, bound, bars = figs["factors"]["data"]
    np.testing.assert_array_equal(running["y"], api("log10_running"))
    np.testing.assert_array_equal(bound["y"], api("bound")[::-1])
    np.testing.assert_array_equal(bars["y"], api("log10_factor"))
    assert bars["x"].tolist() == list(range(1, len(body["log10_factor"]) + 1))
    dots = figs["activation"]["data"][2]
    pre = np.array([np.nan if v is None else v for v in body["pre"]])
    a = body["curve"]["a"]
    inside = np.isfinite(pre) & (pre >= a[0]) & (pre <= a[-1])
    np.testing.assert_array_equal(dots["x"], pre[inside].astype(np.float32))
    assert ("beyond" in dots["name"]) == (not inside.all())
    grow, shrink = figs["compound"]["data"]
    c = body["compound"]
    assert (grow["x"], grow["y"][1], shrink["y"][1]) == ([0, c["horizon"]], c["log10_grow"], c["log10_shrink"])


def test_scalar_figures_speak_chinese_and_check_their_parameters() -> None:
    figs = scalar({"weight": 2}, lang="zh")
    assert figs["factors"].layout.title.text == "每个因子及其乘积"
    assert figs["compound"].layout.title.text == "同一步重复 n 次"
    assert '"bdata"' in figs["factors"].to_json()
    with pytest.raises(ParamError, match=r"weight must be a number in -10\.\.10 \(got 11\)"):
        scalar({"weight": 11})


def _references(decay: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {t["name"]: t for t in decay["data"] if t.get("meta") == "overlay"}


def test_all_three_draw_each_reference_line_in_its_own_colour_and_dash() -> None:
    """Mean field, sigma(b_f)^(T-k) and sigma(-b_z)^(T-k) differ in colour and in dash; where b_f = -b_z the
    two gate lines coincide, and the earlier is drawn wide and faint under the later, which says they are equal."""
    refs = _references(recurrent_dicts("compare", {"forget_bias": "2"})["decay"])
    styles = [refs[n]["line"] for n in ("mean field χ^((T−k)/2)", "σ(b_f)^(T−k)", "σ(−b_z)^(T−k)")]
    assert len({st["color"] for st in styles}) == 3 and len({st["dash"] for st in styles}) == 3
    assert all("opacity" not in t for t in refs.values())
    # The defaults: b_f = 1 and b_z = -1 give sigma(1) for both gates.
    refs = _references(recurrent_dicts("compare", {})["decay"])
    lstm, gru = refs["σ(b_f)^(T−k)"], refs["σ(−b_z)^(T−k) = σ(b_f)^(T−k)"]
    np.testing.assert_array_equal(lstm["y"], gru["y"])
    assert lstm["opacity"] < 1 and lstm["line"]["width"] >= 3 * gru["line"]["width"]
    assert gru["hovertemplate"].startswith("σ(−b_z)^(T−k) = σ(b_f)^(T−k)<br>")
    assert "opacity" not in refs["mean field χ^((T−k)/2)"]
