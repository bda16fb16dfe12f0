"""GET /api/v1/cliff and /api/v1/cliff/descent against an independent float64 implementation, and their errors."""

import base64
import math

import numpy as np
import pytest
from fastapi.testclient import TestClient

# 3e-4 below the wall at w = 4.75 (T = 50): ||grad E|| ~ 950, so one plain step of lr = 1 goes ~950 far,
# while clipped steps stay within lr v = 1. The browser test starts there too.
CLIFF_START = {"w0": 4.75, "b0": -2.457, "lr": 1.0, "threshold": 1.0, "steps": 50}


def _sig(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))


def _reference(w: float, b: float, steps: int) -> tuple[float, float, float]:
    """E, dE/dw, dE/db by plain backpropagation through time in float64."""
    xs = [0.5]
    for _ in range(steps):
        xs.append(w * _sig(xs[-1]) + b)
    s = _sig(xs[-1])
    delta = 2 * (s - 0.7) * s * _sig(-xs[-1])
    gw = gb = 0.0
    for t in range(steps, 0, -1):
        gw += delta * _sig(xs[t - 1])
        gb += delta
        delta *= w * _sig(xs[t - 1]) * _sig(-xs[t - 1])
    return (s - 0.7) ** 2, gw, gb


def _descend(w: float, b: float, lr: float, v: float, n: int, steps: int, method: str) -> np.ndarray:
    """(n+1, 2) points of plain, norm-clipped or element-wise clipped gradient descent."""
    out = [(w, b)]
    for _ in range(n):
        _, gw, gb = _reference(w, b, steps)
        g = np.array([gw, gb])
        if method == "norm" and np.linalg.norm(g) > v:
            g = g * v / np.linalg.norm(g)
        elif method == "value":
            g = np.clip(g, -v, v)
        w, b = w - lr * g[0], b - lr * g[1]
        out.append((w, b))
    return np.array(out)


def test_surface_matches_the_reference(client: TestClient) -> None:
    d = client.get("/api/v1/cliff?w_center=2&w_range=6&b_center=-1&b_range=4&resolution=11&steps=30").json()
    assert d["w"] == pytest.approx(np.linspace(-4, 8, 11).tolist(), rel=1e-15)
    assert d["b"] == pytest.approx(np.linspace(-5, 3, 11).tolist(), rel=1e-15)
    for i, b in enumerate(d["b"]):
        for j, w in enumerate(d["w"]):
            e, gw, gb = _reference(w, b, 30)
            assert d["loss"][i][j] == pytest.approx(e, rel=1e-13, abs=1e-300)
            assert d["log10_norm"][i][j] == pytest.approx(math.log10(math.hypot(gw, gb)), abs=1e-10)
    s0 = _sig(0.5)
    (branch,) = d["wall"]  # only the w > 0 half-line crosses this window
    assert branch["w"][0] == pytest.approx(1 / (s0 * (1 - s0)), rel=1e-12)
    for w, b, g in zip(branch["w"], branch["b"], branch["log10_norm"], strict=True):
        assert b == pytest.approx(0.5 - w * s0, rel=1e-13)
        _, gw, gb = _reference(w, b, 30)
        assert g == pytest.approx(math.log10(math.hypot(gw, gb)), abs=1e-8)
    flat = [v for row in d["log10_norm"] for v in row]
    assert d["summary"]["max_log10_norm"] == max(flat)
    assert d["summary"]["max_wall_log10_norm"] == max(branch["log10_norm"])


def test_compact_surface_is_the_same_numbers_in_float32(client: TestClient) -> None:
    q = "/api/v1/cliff?resolution=21&steps=40"
    full = client.get(q).json()
    compact = client.get(q + "&format=compact").json()
    for key in ("loss", "log10_norm"):
        t = compact[key]
        assert t["dtype"] == "f4" and t["shape"] == [21, 21]
        values = np.frombuffer(base64.b64decode(t["bdata"]), dtype="<f4").reshape(21, 21)
        np.testing.assert_allclose(values, np.array(full[key], dtype=float), rtol=1e-6, atol=1e-30)


def test_default_surface_shows_the_wall(client: TestClient) -> None:
    d = client.get("/api/v1/cliff").json()
    assert len(d["w"]) == len(d["b"]) == 161 and d["w"][0] == -10 and d["w"][-1] == 10
    s = d["summary"]
    assert s["max_log10_norm"] - s["median_log10_norm"] > 2
    assert s["max_wall_log10_norm"] > 15  # on the line itself, ||grad E|| ~ (w sigma'(x_0))^T
    assert len(d["wall"]) == 2


def test_descent_matches_the_reference(client: TestClient) -> None:
    q = {"w0": 2.0, "b0": -1.0, "lr": 2.0, "threshold": 0.05, "iterations": 12, "steps": 20}
    d = client.get("/api/v1/cliff/descent", params=q).json()
    runs = {r["method"]: r for r in d["runs"]}
    assert list(runs) == ["none", "norm", "value"]
    for method, r in runs.items():
        ref = _descend(2.0, -1.0, 2.0, 0.05, 12, 20, method)
        np.testing.assert_allclose(np.column_stack([r["w"], r["b"]]), ref, rtol=1e-10)
        for (w, b), e in zip(ref, r["loss"], strict=True):
            assert e == pytest.approx(_reference(w, b, 20)[0], rel=1e-8)
        steps = np.hypot(np.diff(ref[:, 0]), np.diff(ref[:, 1]))
        np.testing.assert_allclose(r["log10_step"], np.log10(steps), atol=1e-8)
        assert r["stopped"] is None and not any(r["random"])
    assert any(runs["norm"]["clipped"]) and any(runs["value"]["clipped"]) and not any(runs["none"]["clipped"])
    assert d["max_clipped_step"] == pytest.approx(0.1)


def test_at_the_cliff_plain_descent_jumps_far_and_clipped_steps_stay_short(client: TestClient) -> None:
    d = client.get("/api/v1/cliff/descent", params=CLIFF_START).json()
    runs = {r["method"]: r for r in d["runs"]}
    cap = CLIFF_START["lr"] * CLIFF_START["threshold"]
    _, gw, gb = _reference(CLIFF_START["w0"], CLIFF_START["b0"], int(CLIFF_START["steps"]))
    assert math.hypot(gw, gb) > 500  # the start is at the wall
    plain = runs["none"]
    first = math.hypot(plain["w"][1] - plain["w"][0], plain["b"][1] - plain["b"][0])
    assert first == pytest.approx(CLIFF_START["lr"] * math.hypot(gw, gb), rel=1e-6) and first > 100 * cap
    assert max(abs(plain["w"][-1]), abs(plain["b"][-1])) > 100  # far off the default [-10, 10] window
    for method, bound in (("norm", cap), ("value", cap * math.sqrt(2))):
        r = runs[method]
        assert r["clipped"][0] and max(r["log10_step"]) <= math.log10(bound) + 1e-12
        assert all(abs(w) <= 10 and abs(b) <= 10 for w, b in zip(r["w"], r["b"], strict=True))
    assert runs["norm"]["loss"][-1] < plain["loss"][-1]


def test_leaving_the_box_is_flagged_and_the_answer_stays_finite(client: TestClient) -> None:
    b0 = 0.5 - 6.0 * _sig(0.5)  # exactly on the wall: ||grad E|| ~ 1e7
    d = client.get("/api/v1/cliff/descent", params={"w0": 6.0, "b0": repr(b0), "lr": 1.0}).json()
    plain = d["runs"][0]
    assert plain["stopped"] == "box" and len(plain["w"]) == 2 and max(abs(plain["w"][1]), abs(plain["b"][1])) > 1e6
    assert all(v is not None for v in plain["log10_norm"])


@pytest.mark.parametrize(
    "query",
    [
        "steps=200&resolution=201&w_center=50&w_range=50&b_center=-50&b_range=50",
        "steps=200&resolution=11&w_center=-50&w_range=50&b_center=50&b_range=50",
        "steps=1&resolution=11&w_range=0.01&b_range=0.01",
    ],
)
def test_extreme_surfaces_are_finite(client: TestClient, query: str) -> None:
    r = client.get(f"/api/v1/cliff?{query}")
    assert r.status_code == 200 and b"NaN" not in r.content and b"Infinity" not in r.content
    d = r.json()
    assert all(v is not None and math.isfinite(v) for row in d["log10_norm"] for v in row)
    assert all(0 <= v <= 0.49 for row in d["loss"] for v in row)


def test_extreme_descents_are_finite(client: TestClient) -> None:
    q = {"w0": 100, "b0": -100, "lr": 10, "threshold": 10, "iterations": 500, "steps": 200}
    r = client.get("/api/v1/cliff/descent", params=q)
    assert r.status_code == 200 and b"NaN" not in r.content and b"Infinity" not in r.content
    for run in r.json()["runs"]:
        assert all(math.isfinite(v) for v in run["w"] + run["b"] + run["loss"])


@pytest.mark.parametrize(
    ("path", "query", "field", "allowed"),
    [
        ("/api/v1/cliff", "w_range=0", "w_range", "0.01..50"),
        ("/api/v1/cliff", "resolution=5", "resolution", "11..201"),
        ("/api/v1/cliff", "steps=201", "steps", "1..200"),
        ("/api/v1/cliff", "b_center=nan", "b_center", "-50..50"),
        ("/api/v1/cliff/descent", "lr=0", "lr", "0.01..10"),
        ("/api/v1/cliff/descent", "threshold=11", "threshold", "0.01..10"),
        ("/api/v1/cliff/descent", "iterations=501", "iterations", "1..500"),
        ("/api/v1/cliff/descent", "w0=-101", "w0", "-100..100"),
        ("/api/v1/cliff/descent", "b0=abc", "b0", "-100..100"),
    ],
)
def test_errors_name_the_field_and_range(client: TestClient, path: str, query: str, field: str, allowed: str) -> None:
    r = client.get(f"{path}?{query}")
    assert r.status_code == 422
    (d,) = r.json()["detail"]
    assert d["field"] == field and allowed in d["message"]


def test_unknown_parameters_are_named(client: TestClient) -> None:
    r = client.get("/api/v1/cliff/descent?resolution=11")
    assert r.status_code == 422
    (d,) = r.json()["detail"]
    assert d["field"] == "resolution" and "w0" in d["message"]
