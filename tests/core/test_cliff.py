"""The two-parameter cliff: exact BPTT gradients, log-space extremes, the wall, and clipped descent."""

import math

import numpy as np
import pytest

from core import cliff as c

H = 1e-30  # complex step


def _complex_loss(w: complex, b: complex, steps: int) -> complex:
    """E written from the equations alone, for complex w and b."""
    x: complex = 0.5
    for _ in range(steps):
        x = w / (1.0 + np.exp(-x)) + b
    return (1.0 / (1.0 + np.exp(-x)) - 0.7) ** 2


def _complex_step(w: float, b: float, steps: int) -> np.ndarray:
    """(dE/dw, dE/db) by complex step: no subtraction, exact to rounding."""
    return np.array(
        [_complex_loss(w + 1j * H, b, steps).imag / H, _complex_loss(w, b + 1j * H, steps).imag / H],
    )


def _sig(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def _random_points(n: int, seed: int) -> list[tuple[float, float, int]]:
    rng = np.random.default_rng(seed)
    return [(float(rng.uniform(-10, 10)), float(rng.uniform(-10, 10)), int(rng.integers(1, 120))) for _ in range(n)]


@pytest.mark.parametrize(("w", "b", "steps"), _random_points(40, 1))
def test_gradient_matches_complex_step(w: float, b: float, steps: int) -> None:
    ref = _complex_step(w, b, steps)
    p = c.point(w, b, steps)
    np.testing.assert_allclose(p.grad, ref, rtol=1e-9, atol=1e-13 * float(np.linalg.norm(ref)))
    assert p.loss == pytest.approx(_complex_loss(w, b, steps).real, rel=1e-13)
    assert p.log10_norm == pytest.approx(math.log10(np.linalg.norm(ref)), abs=1e-9)
    g = c.gradients(np.array([w]), np.array([b]), steps)
    np.testing.assert_allclose(g.values()[:, 0], ref, rtol=1e-9, atol=1e-13 * float(np.linalg.norm(ref)))
    assert g.log10_norm[0] == pytest.approx(p.log10_norm, abs=1e-11)


def test_gradient_matches_central_differences() -> None:
    checked = 0
    for w, b, steps in _random_points(200, 2):
        p = c.point(w, b, steps)
        h = 1e-6
        fd = np.array(
            [
                (c.point(w + h, b, steps).loss - c.point(w - h, b, steps).loss) / (2 * h),
                (c.point(w, b + h, steps).loss - c.point(w, b - h, steps).loss) / (2 * h),
            ]
        )
        n = math.hypot(*p.grad)
        if n < 1e-4 or n > 10:  # differences of E ~ 0.1 lose ~1e-10 absolute; steep points need a smaller h
            continue
        checked += 1
        assert np.linalg.norm(fd - np.array(p.grad)) <= 1e-6 * n
    assert checked > 60


def test_the_grid_agrees_with_the_point_function() -> None:
    rng = np.random.default_rng(3)
    w, b = rng.uniform(-50, 50, 300), rng.uniform(-50, 50, 300)
    for steps in (1, 2, 9, 50, 200):
        g = c.gradients(w, b, steps)
        pts = [c.point(float(wi), float(bi), steps) for wi, bi in zip(w, b, strict=True)]
        np.testing.assert_allclose(g.loss, [p.loss for p in pts], rtol=1e-14, atol=1e-300)
        np.testing.assert_allclose(g.log10_norm, [p.log10_norm for p in pts], rtol=1e-12, atol=1e-10)


@pytest.mark.parametrize("steps", [1, 2, 50])
def test_zero_weight_closed_form(steps: int) -> None:
    # w = 0: x_t = b for t >= 1, so E = (s(b) - 0.7)^2; dx_T/dw = s(x_{T-1}) (x_{T-1} = x_0 = 1/2 when T = 1), dx_T/db = 1.
    b = 1.3
    s = _sig(b)
    dE_dx = 2 * (s - 0.7) * s * (1 - s)
    p = c.point(0.0, b, steps)
    assert p.loss == pytest.approx((s - 0.7) ** 2, rel=1e-15)
    assert p.grad[0] == pytest.approx(dE_dx * (_sig(0.5) if steps == 1 else s), rel=1e-13)
    assert p.grad[1] == pytest.approx(dE_dx, rel=1e-13)


@pytest.mark.parametrize(("w", "steps"), [(6.0, 20), (-7.0, 15), (10.0, 40)])
def test_on_the_wall_the_gradient_is_a_geometric_sum(w: float, steps: int) -> None:
    # b = x_0 - w s(x_0) makes x_0 a fixed point: x_t = 1/2, every factor is f = w s'(1/2), and
    # dE/db = delta_T sum_{k<T} f^k, dE/dw = s(1/2) dE/db.
    s0 = _sig(0.5)
    b = 0.5 - w * s0
    f = w * s0 * (1 - s0)
    delta = 2 * (s0 - 0.7) * s0 * (1 - s0)
    db = delta * sum(f**k for k in range(steps))
    p = c.point(w, b, steps)
    np.testing.assert_allclose(p.grad, [s0 * db, db], rtol=1e-9)
    assert p.log10_norm == pytest.approx(math.log10(abs(db) * math.hypot(s0, 1)), abs=1e-9)
    assert c.gradients(np.array([w]), np.array([b]), steps).log10_norm[0] == pytest.approx(p.log10_norm, abs=1e-9)


def test_gradients_below_float64_stay_finite_in_log_space() -> None:
    # w = 1000, b = 0: x_t ~ 1000 for t >= 2, so dE/dx_T = 0.6 s'(x_T) ~ 0.6 e^-1000 and grad ~ (1, 1) dE/dx_T.
    p = c.point(1000.0, 0.0, 30)
    assert p.grad == (0.0, 0.0)  # as float64 numbers they underflow
    assert p.log10_norm == pytest.approx(math.log10(0.6 * math.sqrt(2)) - 1000 / math.log(10), abs=1e-9)
    # In the grid's window: x_T ~ 200 gives grad ~ e^-200, and the products of tiny factors underflow.
    g = c.gradients(np.array([100.0]), np.array([100.0]), 200)
    assert g.log10_norm[0] == pytest.approx(math.log10(0.6 * math.sqrt(2)) - 200 / math.log(10), abs=1e-9)
    assert np.all(np.isfinite(g.values()))


def test_an_exactly_zero_gradient_is_minus_infinity() -> None:
    # w = 0 and b = logit(0.7): x_T = b and sigmoid(x_T) is 0.7 to the last bit, so E and grad E are exactly 0.
    b = math.log(0.7 / 0.3)
    assert _sig(b) == 0.7
    p = c.point(0.0, b, 5)
    assert (p.loss, p.grad, p.log10_norm) == (0.0, (0.0, 0.0), -math.inf)
    g = c.gradients(np.array([0.0, 0.0]), np.array([b, 1.0]), 5)
    assert g.log10_norm[0] == -np.inf and np.isfinite(g.log10_norm[1])


def test_the_wall_is_where_x0_is_an_unstable_fixed_point() -> None:
    s = c.surface(c.CliffConfig())
    assert s.loss.shape == s.log10_norm.shape == (161, 161) and np.all(np.isfinite(s.log10_norm))
    assert np.all((s.loss >= 0) & (s.loss <= 0.49))
    # The grid only grazes it, yet the steepest cells are decades above the typical one...
    assert np.max(s.log10_norm) - np.median(s.log10_norm) > 2
    # ...and on the line itself, far from w = 1/s'(x_0) ~ 4.26, the gradient is 10^12 and more.
    assert len(s.wall) == 2
    s0 = _sig(0.5)
    for branch in s.wall:
        np.testing.assert_allclose(branch["b"], 0.5 - branch["w"] * s0, rtol=1e-14)
        assert np.all(np.abs(branch["w"]) >= 1 / (s0 * (1 - s0)) * (1 - 1e-15))
        far = np.abs(branch["w"]) >= 8
        assert np.all(branch["log10_norm"][far] > np.median(s.log10_norm) + 12)
    # E jumps across it: one attractor on each side.
    below, above = c.point(8.0, 0.5 - 8 * s0 - 0.01, 50).loss, c.point(8.0, 0.5 - 8 * s0 + 0.01, 50).loss
    assert below > 0.4 and above < 0.1


def test_update_rules() -> None:
    rng = np.random.default_rng(0)
    v = 0.7
    for _ in range(200):
        g = tuple(rng.normal(size=2) * 10 ** rng.uniform(-3, 3))
        n = math.hypot(*g)
        step, clipped, random = c.update(g, "norm", v, rng)
        assert clipped == (n > v) and not random
        assert np.linalg.norm(step) <= v * (1 + 1e-15) if clipped else np.array_equal(step, g)
        assert np.dot(step, g) > 0 and abs(step[0] * g[1] - step[1] * g[0]) <= 1e-12 * n * np.linalg.norm(step)
        step, clipped, random = c.update(g, "value", v, rng)
        assert np.all(np.abs(step) <= v) and clipped == bool(np.any(np.abs(g) > v))
        np.testing.assert_array_equal(step, np.clip(g, -v, v))
        step, clipped, random = c.update(g, "none", v, rng)
        np.testing.assert_array_equal(step, g)


@pytest.mark.parametrize("bad", [(math.inf, 1.0), (-math.inf, math.inf), (math.nan, 0.0)])
def test_non_finite_gradients_take_a_seeded_random_step_of_norm_v(bad: tuple[float, float]) -> None:
    for method in ("norm", "value"):
        a, _, random = c.update(bad, method, 0.5, np.random.default_rng(7))
        b, _, _ = c.update(bad, method, 0.5, np.random.default_rng(7))
        other, _, _ = c.update(bad, method, 0.5, np.random.default_rng(8))
        assert random and np.linalg.norm(a) == pytest.approx(0.5, rel=1e-15)
        np.testing.assert_array_equal(a, b)
        assert not np.array_equal(a, other)
    step, _, random = c.update(bad, "none", 0.5, np.random.default_rng(7))
    assert not random and not np.all(np.isfinite(step))


def _steps(run: c.Run) -> np.ndarray:
    return np.hypot(np.diff(run.w), np.diff(run.b))


def test_at_the_wall_plain_descent_is_thrown_and_clipped_descent_is_not() -> None:
    cfg = c.CliffConfig(w0=4.75, b0=-2.457, lr=1.0, threshold=1.0, iterations=100, steps=50)
    runs = c.descents(cfg)
    assert [len(r.w) for r in runs.values()] == [101, 101, 101]
    assert runs["none"].log10_norm[0] > 2.5  # 3e-4 from the wall: ||grad E|| ~ 950
    assert _steps(runs["none"])[0] > 100 * cfg.lr * cfg.threshold
    assert max(abs(runs["none"].w[-1]), abs(runs["none"].b[-1])) > 100  # far off the [-10, 10] map
    assert np.all(_steps(runs["norm"]) <= cfg.lr * cfg.threshold * (1 + 1e-12))
    value = runs["value"]
    assert np.all(np.abs(np.diff(value.w)) <= cfg.lr * cfg.threshold * (1 + 1e-12))
    assert np.all(np.abs(np.diff(value.b)) <= cfg.lr * cfg.threshold * (1 + 1e-12))
    assert runs["norm"].clipped[0] and runs["value"].clipped[0] and not any(runs["none"].clipped)
    assert runs["norm"].loss[-1] < 0.01 < runs["none"].loss[-1]  # the clipped run goes on to learn
    # Each point's E and gradient are those of the point function.
    for r in runs.values():
        for i in (0, 1, len(r.w) - 1):
            p = c.point(r.w[i], r.b[i], cfg.steps)
            assert (r.loss[i], r.log10_norm[i]) == (p.loss, p.log10_norm)
            if i < len(r.w) - 1:
                step, _, _ = c.update(p.grad, r.method, cfg.threshold, np.random.default_rng(0))
                assert (r.w[i + 1], r.b[i + 1]) == pytest.approx((r.w[i] - step[0], r.b[i] - step[1]), rel=1e-15)


def test_leaving_the_box_stops_the_run() -> None:
    # Exactly on the wall at w = 6 the gradient is ~1e7: one plain step leaves |w|, |b| <= 1e6.
    b0 = 0.5 - 6.0 * _sig(0.5)
    runs = c.descents(c.CliffConfig(w0=6.0, b0=b0, lr=1.0, threshold=1.0, iterations=50, steps=50))
    plain = runs["none"]
    assert plain.stopped == "box" and len(plain.w) == 2 and max(abs(plain.w[1]), abs(plain.b[1])) > c.BOX
    assert all(math.isfinite(v) for v in plain.loss + plain.log10_norm)
    assert runs["norm"].stopped is None and len(runs["norm"].w) == 51


def test_descents_are_deterministic() -> None:
    cfg = c.CliffConfig(w0=-6.0, b0=3.0, lr=0.5, threshold=0.2, iterations=60, seed=11)
    assert c.descents(cfg) == c.descents(cfg)
