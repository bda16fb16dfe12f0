"""GET /api/v1/rnn, /lstm, /gru and their figures with `model=<id>`: an uploaded model's layer against the
framework's own autograd Jacobians (tests/fixtures/models/*.reference.safetensors), the knobs, the refusals
naming their field, the cost check at the layer's size, and the cache."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from safetensors.numpy import load_file

from app.contract import loaded as loaded_contract
from app.contract.models import ID_PATTERN
from app.figures import encode
from app.figures.loaded import view_query
from app.figures.recurrent import figure_dicts
from app.main import create_app
from app.service.settings import Settings
from core.model import stack
from core.model.checks import Limits
from core.model.load import load
from core.model.read_safetensors import read_safetensors

MODELS = Path(__file__).resolve().parents[2] / "fixtures" / "models"
LOG10 = 1e-9
NAMES = ("torch_lstm_bi_2", "torch_gru", "keras_gru_before", "torch_rnn_tanh", "torch_rnn_relu_2",
         "torch_lstm_adding_init", "torch_lstm_adding_trained")  # fmt: skip
FILE = {"keras_gru_before": "keras_gru_before.keras"}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    tmp = tmp_path_factory.mktemp("models")
    with TestClient(create_app(Settings(model_dir=str(tmp), access_log=False))) as c:
        yield c


@pytest.fixture(scope="module")
def ids(client: TestClient) -> dict[str, str]:
    out = {}
    for name in NAMES:
        file = FILE.get(name, f"{name}.safetensors")
        r = client.post("/api/v1/models", files={"file": (file, (MODELS / file).read_bytes())})
        assert r.status_code in (200, 201), r.text
        out[name] = r.json()["id"]
    return out


def reference(name: str) -> dict[str, np.ndarray]:
    return load_file(MODELS / f"{name}.reference.safetensors")


def values(a: list[Any]) -> np.ndarray:
    return np.array([[np.nan if v is None else v for v in row] for row in a] if a and isinstance(a[0], list)
                    else [np.nan if v is None else v for v in a], dtype=float)  # fmt: skip


def close(got: np.ndarray, want: np.ndarray) -> None:
    live = np.isfinite(want)
    np.testing.assert_array_equal(np.isfinite(got), live)
    np.testing.assert_allclose(got[live], want[live], rtol=0, atol=LOG10)


CASES = [
    ("lstm", "torch_lstm_bi_2", 1, "reverse"),
    ("lstm", "torch_lstm_bi_2", 0, "forward"),
    ("gru", "torch_gru", 0, "forward"),
    ("rnn", "torch_rnn_tanh", 0, "forward"),
    ("rnn", "torch_rnn_relu_2", 1, "forward"),
]


@pytest.mark.parametrize(("kind", "name", "layer", "direction"), CASES)
def test_decay_pairs_units_equal_the_framework_autograd(client, ids, kind, name, layer, direction):
    r = client.get(f"/api/v1/{kind}", params={"model": ids[name], "layer": layer, "direction": direction})
    assert r.status_code == 200, r.text
    d, ref = r.json(), reference(name)
    key = f"l{layer}.{direction}"
    T = ref["x"].shape[0]
    close(values(d["decay"]["log10_norm"]), ref[f"decay.{key}"])
    assert d["pairs"]["exact"] and d["pairs"]["t"] == list(range(T + 1))
    close(values(d["pairs"]["log10_norm"]), ref[f"pairs.{key}"])
    close(values(d["units"]["log10_abs"]), ref[f"units.{key}"])
    cfg = d["config"]
    n = ref[f"units.{key}"].shape[0]
    assert cfg["model"] == ids[name] and cfg["layer"] == layer and cfg["direction"] == direction
    assert (cfg["kind"], cfg["n"], cfg["hidden"], cfg["steps"], cfg["inputs"]) == (kind, n, n, T, "file")
    assert cfg["m"] == cfg["input_size"] == (3 if layer == 0 else ref[f"out.l{layer - 1}"].shape[1])
    assert d["model"] == kind


def test_a_keras_gru_without_its_sequence_runs_seeded_inputs(client, ids):
    """A .keras file carries no input sequence: the view reads x_t ~ N(0, input_scale^2) (seeded) of the model's
    width, the same numbers as the core's run of the same file (which matches Keras's autograd on Keras's own x,
    tests/core/model/test_fixture_references.py)."""
    d = client.get("/api/v1/gru", params={"model": ids["keras_gru_before"], "steps": 12, "seed": 4}).json()
    assert d["config"]["inputs"] == "seeded" and d["config"]["reset_after"] is False and d["config"]["steps"] == 12
    model = load((MODELS / "keras_gru_before.keras").read_bytes(), "keras_gru_before.keras", None, Limits())
    r = stack.run_layer(model, 0, "forward", steps=12, seed=4)
    assert r.pairs is not None
    close(values(d["decay"]["log10_norm"]), r.decay)
    close(values(d["pairs"]["log10_norm"]), r.pairs.values)
    close(values(d["units"]["log10_abs"]), r.units)
    ref = reference("keras_gru_before")
    close(stack.run_layer(model, 0, "forward", x=ref["x"]).decay, ref["decay.l0.forward"])


def test_an_rnn_answers_its_bound_and_no_mean_field(client, ids):
    relu = client.get("/api/v1/rnn", params={"model": ids["torch_rnn_relu_2"], "layer": 1}).json()
    assert relu["config"]["activation"] == "relu" and relu["preactivations"]["curve"]["gamma"] == 1
    fig = client.get("/api/v1/figures/rnn", params={"model": ids["torch_rnn_relu_2"], "layer": 1}).json()
    assert fig["facts"]["rnn"]["preactivations"]["zero_fraction"] == relu["preactivations"]["zero_fraction"]
    d = client.get("/api/v1/rnn", params={"model": ids["torch_rnn_tanh"]}).json()
    assert d["theory"]["mean_field"] is None and len(d["theory"]["rho_log10"]) == len(d["bound"]["log10"])
    assert d["config"]["activation"] == "tanh" and d["config"]["init"] is None and d["config"]["bias"] is None
    assert sum(d["preactivations"]["counts"]) + d["preactivations"]["below"] + d["preactivations"]["above"] == 12 * 5


def test_scale_one_and_no_shift_are_as_trained_and_the_knobs_move_it(client, ids):
    m = ids["torch_lstm_bi_2"]
    base = {"model": m, "layer": 1, "direction": "reverse"}
    plain = client.get("/api/v1/lstm", params=base).json()
    same = client.get("/api/v1/lstm", params=base | {"scale": 1, "forget_shift": 0}).json()
    assert plain["decay"] == same["decay"] and plain["pairs"]["log10_norm"] == same["pairs"]["log10_norm"]
    half = client.get("/api/v1/lstm", params=base | {"scale": 0.5}).json()
    assert not np.allclose(values(half["decay"]["log10_norm"]), values(plain["decay"]["log10_norm"]))
    shifted = client.get("/api/v1/lstm", params=base | {"forget_shift": 3}).json()
    assert shifted["config"]["forget_shift"] == 3 and shifted["config"]["forget_bias"] is None
    assert shifted["summary"]["sigmoid_forget_bias"] > plain["summary"]["sigmoid_forget_bias"]
    g = ids["torch_gru"]
    carry = client.get("/api/v1/gru", params={"model": g}).json()["summary"]["sigmoid_minus_update_bias"]
    less = client.get("/api/v1/gru", params={"model": g, "update_shift": 2}).json()["summary"]
    assert less["sigmoid_minus_update_bias"] < carry  # a higher b_z: a smaller carry 1 - z


def test_include_weights_are_the_scaled_cell_and_its_input(client, ids):
    m = ids["torch_lstm_bi_2"]
    q = {"model": m, "layer": 1, "direction": "reverse", "scale": 0.5, "forget_shift": 1.5, "include": "weights"}
    w = client.get("/api/v1/lstm", params=q).json()["weights"]
    model = read_safetensors((MODELS / "torch_lstm_bi_2.safetensors").read_bytes())
    cell = model.layers[1].cells[1]
    np.testing.assert_array_equal(np.array(w["W_fh"]), 0.5 * cell.Wh[0])
    np.testing.assert_array_equal(np.array(w["b_f"]), cell.bx[0] + cell.bh[0] + 1.5)
    assert model.x is not None
    x_cell = stack.layer_inputs(model, model.x, 1)[-1].outputs[::-1]
    np.testing.assert_array_equal(np.array(w["x"]), x_cell)


@pytest.mark.parametrize(("kind", "name", "layer", "direction"), [CASES[0], CASES[2], CASES[3]])
def test_the_figures_view_draws_the_same_result(client, ids, kind, name, layer, direction):
    q = {"model": ids[name], "layer": str(layer), "direction": direction}
    r = client.get(f"/api/v1/figures/{kind}", params=q)
    assert r.status_code == 200, r.text
    d = r.json()
    model = read_safetensors((MODELS / FILE.get(name, f"{name}.safetensors")).read_bytes())
    result = stack.run_layer(model, layer, direction)
    query = view_query(kind, q)
    want = json.loads(json.dumps(encode(figure_dicts(kind, query, result, "en", loaded=True))))
    assert d["figures"] == want
    assert d["facts"][kind]["loaded"]["model"] == ids[name] and d["facts"][kind]["loaded"]["layer"] == layer


def test_the_adding_problem_lstm_learnt_a_flatter_decay(client, ids):
    init = client.get("/api/v1/lstm", params={"model": ids["torch_lstm_adding_init"]}).json()
    trained = client.get("/api/v1/lstm", params={"model": ids["torch_lstm_adding_trained"]}).json()
    a, b = values(init["decay"]["log10_norm"]), values(trained["decay"]["log10_norm"])
    assert init["config"]["steps"] == trained["config"]["steps"] == 20
    assert -3.6 < a[0] < -3.0 and 0.2 < b[0] < 0.6  # log10 ||d(h,c)_20 / d(h,c)_0||
    assert (b[-1] - b[0]) / 20 < (a[-1] - a[0]) / 20  # the trained slope is flatter
    close(a, reference("torch_lstm_adding_init")["decay.l0.forward"])
    close(b, reference("torch_lstm_adding_trained")["decay.l0.forward"])


def field(r: Any) -> list[str]:
    return [e["field"] for e in r.json()["detail"]]


@pytest.mark.parametrize("path", ["/api/v1/{kind}", "/api/v1/figures/{kind}"])
def test_refusals_name_their_field(client, ids, path):
    g, lstm = ids["torch_gru"], ids["torch_lstm_bi_2"]

    def get(kind: str, **q: Any) -> Any:
        return client.get(path.format(kind=kind), params=q)

    cases = [
        (get("gru", model=g, hidden=8), 422, ["hidden"], "fixed by the loaded model"),
        (get("gru", model=g, reset_after="false", update_bias=1), 422, ["update_bias", "reset_after"], "fixed"),
        (get("lstm", model=lstm, forget_bias=2, peephole="true"), 422, ["forget_bias", "peephole"], "fixed"),
        (get("rnn", model=ids["torch_rnn_tanh"], init="identity"), 422, ["init"], "fixed"),
        (get("lstm", forget_shift=1), 422, ["forget_shift"], "model=<id>"),
        (get("gru", update_shift=1), 422, ["update_shift"], "model=<id>"),
        (get("rnn", layer=1), 422, ["layer"], "model=<id>"),
        (get("rnn", direction="reverse"), 422, ["direction"], "model=<id>"),
        (get("lstm", model=g), 422, ["model"], "/api/v1/gru"),
        (get("gru", model=lstm), 422, ["model"], "/api/v1/lstm"),
        (get("gru", model=g, layer=1), 422, ["layer"], "0..0"),
        (get("lstm", model=lstm, layer=2), 422, ["layer"], "0..1"),
        (get("gru", model=g, direction="reverse"), 422, ["direction"], "forward"),
        (get("gru", model=g, steps=13), 422, ["steps"], "1..12"),
        (get("gru", model="abc"), 422, ["model"], "64 characters"),
        (get("gru", model="0" * 64), 404, ["model"], "not on this server"),
        (get("gru", model=g, layer=-1), 422, ["layer"], "0"),
        (get("gru", model=g, update_shift=11), 422, ["update_shift"], "-10..10"),
    ]
    for r, status, fields, text in cases:
        assert r.status_code == status, (fields, r.text)
        assert field(r) == fields, r.text
        assert all(text in e["message"] or text in str(e.get("allowed")) for e in r.json()["detail"]), r.text


def test_an_evicted_model_is_404_naming_model(tmp_path):
    names = ["torch_rnn_tanh.safetensors", "torch_gru.safetensors"]
    with TestClient(create_app(Settings(model_dir=str(tmp_path), access_log=False, model_store_max_bytes=2048))) as c:
        first, second = (
            c.post("/api/v1/models", files={"file": (n, (MODELS / n).read_bytes())}).json()["id"] for n in names
        )
        assert c.get("/api/v1/gru", params={"model": second}).status_code == 200
        for path in ("/api/v1/rnn", "/api/v1/figures/rnn"):
            r = c.get(path, params={"model": first})
            assert (
                r.status_code == 404
                and field(r) == ["model"]
                and "Upload the file again" in r.json()["detail"][0]["message"]
            )


def test_compare_takes_no_model(client, ids):
    r = client.get("/api/v1/figures/compare", params={"model": ids["torch_gru"]})
    assert r.status_code == 422 and field(r) == ["model"]


def test_same_query_twice_is_one_compute_and_the_id_is_in_the_key(client, ids):
    q = {"model": ids["torch_gru"], "steps": 7, "seed": 3}
    first = client.get("/api/v1/gru", params=q)
    second = client.get("/api/v1/gru", params=q)
    assert first.headers["Server-Timing"].startswith("compute") and second.headers["Server-Timing"] == "cache;desc=hit"
    assert first.content == second.content
    other = client.get("/api/v1/gru", params=q | {"model": ids["keras_gru_before"]})
    assert other.headers["Server-Timing"].startswith("compute") and other.content != first.content
    f1 = client.get("/api/v1/figures/gru", params=q)
    f2 = client.get("/api/v1/figures/gru", params=q)
    assert f1.headers["Server-Timing"].startswith("compute") and f2.headers["Server-Timing"] == "cache;desc=hit"


def test_the_cost_check_reads_the_loaded_layer(tmp_path, ids):
    """A budget between the cost of the adding LSTM's layer (n = 16) at T = 10 and at its T = 20: the loaded
    layer's n and T decide, not the query's own hidden default, and only steps is offered to lower."""
    from app.contract import cost

    lo, hi = (cost.estimate("lstm_model", {"steps": T, "hidden": 16}) for T in (10, 20))
    budget = (lo + hi) / 2
    m = ids["torch_lstm_adding_trained"]
    with TestClient(create_app(Settings(model_dir=str(tmp_path), access_log=False, max_request_seconds=budget))) as c:
        file = "torch_lstm_adding_trained.safetensors"
        assert c.post("/api/v1/models", files={"file": (file, (MODELS / file).read_bytes())}).json()["id"] == m
        for path in ("/api/v1/lstm", "/api/v1/figures/lstm"):
            r = c.get(path, params={"model": m})
            assert r.status_code == 422 and field(r) == ["steps"], r.text
            fits = int(r.json()["detail"][0]["allowed"].removeprefix("at most "))
            assert 10 <= fits < 20
            assert c.get(path, params={"model": m, "steps": fits}).status_code == 200
        seeded = c.get("/api/v1/lstm", params={"hidden": 16, "steps": 20})
        assert seeded.status_code == 422 and seeded.json()["detail"][0]["allowed"] == f"at most {fits}"


def test_the_contract_id_pattern_is_the_stores():
    assert loaded_contract.ID_PATTERN == ID_PATTERN
