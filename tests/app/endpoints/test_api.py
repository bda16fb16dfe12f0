"""The /api/v1 contract: fields and shapes, clear 422s, determinism, no 500 at the extremes."""

from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from core.pairs import MAX_SIDE


def test_rnn_defaults_make_a_complete_answer(client: TestClient) -> None:
    r = client.get("/api/v1/rnn")
    assert r.status_code == 200
    d = r.json()
    cfg = d["config"]
    assert cfg == {
        **cfg,
        "activation": "tanh",
        "init": "gaussian",
        "seed": 0,
        "norm": "spectral",
        "input_size": cfg["hidden"],
    }
    T, n = cfg["steps"], cfg["hidden"]
    assert len(d["decay"]["log10_norm"]) == T + 1 and d["decay"]["log10_norm"][T] == 0.0
    assert len(d["bound"]["log10"]) == T + 1
    pairs = d["pairs"]["log10_norm"]
    assert d["pairs"]["exact"] and len(pairs) == T + 1
    assert d["pairs"]["t"] == d["pairs"]["k"] == list(range(T + 1))
    assert all(pairs[t][k] is None for t in range(T + 1) for k in range(t + 1, T + 1))
    assert all(isinstance(pairs[t][k], float) for t in range(T + 1) for k in range(t + 1))
    assert np.array(d["units"]["log10_abs"]).shape == (n, T + 1)
    assert set(d["summary"]) >= {"spectral_radius", "sigma_max", "gamma", "gamma_sigma_max"}
    assert d["weights"] is None
    # The default picture shows vanishing: the far past gets much less than the near past.
    assert d["decay"]["log10_norm"][0] < -5


def test_lstm_defaults_make_a_complete_answer(client: TestClient) -> None:
    d = client.get("/api/v1/lstm").json()
    T, n = d["config"]["steps"], d["config"]["hidden"]
    assert d["model"] == "lstm" and d["config"]["forget_bias"] == 1.0
    for key in ("log10_norm", "reference_log10"):
        assert len(d["cell_path"][key]) == T + 1
    assert np.array(d["cell_path"]["log10_per_unit"]).shape == (n, T + 1)
    assert np.array(d["units"]["log10_abs"]).shape == (n, T + 1)
    assert "c_T" in d["decay"]["of"]


def test_include_weights_returns_every_array(client: TestClient) -> None:
    rnn = client.get("/api/v1/rnn?hidden=3&steps=4&include=weights").json()["weights"]
    assert set(rnn) == {"W", "U", "b", "x", "h0", "u"}
    assert np.array(rnn["W"]).shape == (3, 3) and np.array(rnn["x"]).shape == (4, 3)
    lstm = client.get("/api/v1/lstm?hidden=3&steps=4&include=weights").json()["weights"]
    expected = {f"{p}_{g}{s}" for g in "fico" for p, s in (("W", "h"), ("W", "x"))} | {f"b_{g}" for g in "fico"}
    assert set(lstm) == expected | {"x", "h0", "c0", "u"}


def test_same_query_same_bytes(client: TestClient) -> None:
    url = "/api/v1/rnn?scale=2.3&seed=17&hidden=6&steps=20"
    assert client.get(url).content == client.get(url).content


@pytest.mark.parametrize(
    ("path", "query", "field", "allowed"),
    [
        ("rnn", "hidden=0", "hidden", "1..256"),
        ("rnn", "hidden=257", "hidden", "1..256"),
        ("rnn", "steps=1001", "steps", "1..1000"),
        ("rnn", "steps=abc", "steps", "1..1000"),
        ("rnn", "scale=-1", "scale", "0..10"),
        ("rnn", "scale=nan", "scale", "0..10"),
        ("rnn", "scale=inf", "scale", "0..10"),
        ("rnn", "input_scale=11", "input_scale", "0..10"),
        ("rnn", "bias=-11", "bias", "-10..10"),
        ("rnn", "seed=-1", "seed", "0..4294967295"),
        ("rnn", "activation=softplus", "activation", "tanh, sigmoid, relu, leaky_relu, linear"),
        ("rnn", "init=zeros", "init", "gaussian, orthogonal, identity"),
        ("rnn", "norm=nuclear", "norm", "spectral, frobenius"),
        ("rnn", "include=everything", "include", "weights"),
        ("lstm", "forget_bias=10.5", "forget_bias", "-10..10"),
        ("lstm", "hidden=1e9", "hidden", "1..256"),
        ("lstm", "activation=tanh", "activation", "hidden, steps"),
    ],
)
def test_bad_input_names_the_field_and_its_range(
    client: TestClient, path: str, query: str, field: str, allowed: str
) -> None:
    r = client.get(f"/api/v1/{path}?{query}")
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert [d["field"] for d in detail] == [field]
    assert allowed in detail[0]["allowed"]
    assert field in detail[0]["message"] and allowed in detail[0]["message"]


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/rnn?scale=" + "9" * 5000,
        "/api/v1/rnn?activation=" + "x" * 5000,
        "/api/v1/figures/rnn?scale=" + "y" * 5000,
        "/api/v1/rnn?" + "z" * 5000 + "=1",
        "/api/v1/figures/cliff?" + "w" * 5000 + "=1",
    ],
)
def test_a_long_value_is_quoted_short(client: TestClient, url: str) -> None:
    """A pasted page of text in a field makes a message of one line: at most 40 of its characters, then '…'."""
    r = client.get(url)
    assert r.status_code == 422
    for item in r.json()["detail"]:
        assert len(item["message"]) < 200 and "…" in item["message"], item["message"]
        assert len(str(item["input"])) <= 41 and len(item["field"]) <= 41


def test_several_bad_fields_are_all_reported(client: TestClient) -> None:
    r = client.get("/api/v1/rnn?hidden=0&steps=0&scale=99")
    assert sorted(d["field"] for d in r.json()["detail"]) == ["hidden", "scale", "steps"]


def test_over_budget_heatmap_is_a_labelled_estimate_saying_what_to_lower(client: TestClient) -> None:
    d = client.get("/api/v1/rnn?hidden=16&steps=300").json()
    p = d["pairs"]
    assert p["exact"] is False and "estimate" in p["method"]
    assert p["work"] > p["budget"]
    assert "steps" in p["message"] and str(p["max_steps"]) in p["message"]
    assert len(p["t"]) == len(p["log10_norm"]) == MAX_SIDE and p["t"][0] == 0 and p["t"][-1] == 300
    assert client.get(f"/api/v1/rnn?hidden=16&steps={p['max_steps']}").json()["pairs"]["exact"] is True
    assert client.get(f"/api/v1/rnn?hidden=16&steps={p['max_steps'] + 1}").json()["pairs"]["exact"] is False


def test_compact_format_carries_the_same_numbers_as_float32(client: TestClient) -> None:
    import base64

    q = "/api/v1/lstm?hidden=5&steps=30&seed=3"
    full, compact = client.get(q).json(), client.get(q + "&format=compact").json()

    def decode(a: dict[str, Any]) -> np.ndarray:
        assert a["dtype"] == "f4"
        raw = np.frombuffer(base64.b64decode(a["bdata"]), dtype="<f4")
        return raw.reshape(a["shape"])

    for path in (("decay", "log10_norm"), ("pairs", "log10_norm"), ("units", "log10_abs"), ("cell_path", "log10_norm")):
        exact = np.array(full[path[0]][path[1]], dtype=float)
        np.testing.assert_allclose(decode(compact[path[0]][path[1]]), exact, rtol=1e-6, atol=1e-5)
    assert compact["config"]["format"] == "compact"


def test_compact_format_samples_large_views_and_stays_small(client: TestClient) -> None:
    r = client.get("/api/v1/rnn?hidden=256&steps=1000&format=compact", headers={"Accept-Encoding": "gzip"})
    d = r.json()
    assert d["units"]["log10_abs"]["shape"] == [128, MAX_SIDE] and len(d["units"]["i"]) == 128
    assert d["pairs"]["log10_norm"]["shape"] == [MAX_SIDE, MAX_SIDE]
    assert d["decay"]["log10_norm"]["shape"] == [1001]
    assert r.headers["content-encoding"] == "gzip"
    assert int(r.headers["content-length"]) < 300_000  # bytes on the wire


def test_exact_zeros_travel_as_null(client: TestClient) -> None:
    d = client.get("/api/v1/rnn?activation=relu&scale=0&input_scale=0&steps=4").json()
    assert d["decay"]["log10_norm"] == [None, None, None, None, 0.0]


@pytest.mark.parametrize(
    "query",
    [
        "rnn?hidden=256&steps=1000&scale=10&activation=linear",
        "rnn?hidden=1&steps=1000&scale=0&activation=sigmoid",
        "rnn?hidden=64&steps=1000&scale=10&input_scale=10&activation=relu&bias=10",
        "rnn?hidden=1&steps=1&init=orthogonal&norm=frobenius",
        "lstm?hidden=1&steps=1000&forget_bias=-10&scale=10&input_scale=10",
        "lstm?hidden=128&steps=1000&scale=10&format=compact",
        "lstm?hidden=48&steps=1000&scale=0&forget_bias=-10&input_scale=10",  # decoupled units: the top one changes
        "lstm?hidden=16&steps=1000&scale=10&input_scale=10&forget_bias=10&peephole=true&coupled=true",
        "gru?hidden=1&steps=1000&update_bias=10&scale=10&input_scale=10",
        "gru?hidden=64&steps=1000&update_bias=-10&scale=10&input_scale=10&format=compact",
        "gru?hidden=32&steps=1000&scale=0&input_scale=0",
    ],
)
def test_extremes_answer_with_finite_json(client: TestClient, query: str) -> None:
    r = client.get(f"/api/v1/{query}")
    assert r.status_code == 200
    assert b"NaN" not in r.content and b"Infinity" not in r.content


def test_openapi_documents_every_parameter_and_bound(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for path in ("/api/v1/rnn", "/api/v1/lstm", "/api/v1/gru"):
        params = spec["paths"][path]["get"]["parameters"]
        assert params, path
        for p in params:
            assert p.get("description"), (path, p["name"])
            schema = p["schema"]
            if schema.get("type") in ("integer", "number"):
                assert "minimum" in schema and "maximum" in schema, (path, p["name"])
    assert client.get("/docs").status_code == 200


def test_random_valid_queries_never_fail(client: TestClient) -> None:
    rng = np.random.default_rng(2024)
    acts = ["tanh", "sigmoid", "relu", "leaky_relu", "linear"]
    for _ in range(40):
        common = f"hidden={rng.integers(1, 12)}&steps={rng.integers(1, 80)}&scale={rng.uniform(0, 10):.3f}"
        common += f"&input_scale={rng.uniform(0, 10):.3f}&seed={rng.integers(0, 2**32)}&norm={rng.choice(['spectral', 'frobenius'])}"
        rnn = f"/api/v1/rnn?{common}&activation={rng.choice(acts)}&init={rng.choice(['gaussian', 'orthogonal', 'identity'])}"
        rnn += f"&bias={rng.uniform(-10, 10):.2f}"
        lstm = f"/api/v1/lstm?{common}&forget_bias={rng.uniform(-10, 10):.2f}"
        lstm += f"&peephole={rng.choice(['true', 'false'])}&coupled={rng.choice(['true', 'false'])}"
        gru = f"/api/v1/gru?{common}&update_bias={rng.uniform(-10, 10):.2f}"
        for url in (rnn, lstm, gru):
            r = client.get(url)
            assert r.status_code == 200, url
            d = r.json()
            assert d["decay"]["log10_norm"][-1] is not None, url
